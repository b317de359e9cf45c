using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rampart.Core.Approvals;
using Rampart.Core.Evaluation;

namespace Rampart.Server.Approvals;

/// <summary>
/// The approval routes (API-046..API-052). All need the admin scope — an agent's eval token gets
/// 403 on every one of them (SEC-012) — except a resolve carrying a valid signed link (API-050).
/// </summary>
internal sealed class ApprovalEndpoints(RunningService service)
{
    ApprovalService Approvals => service.Approvals;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/approvals", service.Authorized(TokenScopes.Admin, CreateAsync));
        app.MapGet("/v1/approvals", service.Authorized(TokenScopes.Admin, ListAsync));
        app.MapPost("/v1/approvals/bulk-resolve", service.Authorized(TokenScopes.Admin, BulkResolveAsync));
        app.MapGet("/v1/approvals/{id}", service.Authorized(TokenScopes.Admin, GetAsync));
        var resolveAsAdmin = service.Authorized(TokenScopes.Admin, (context, _) => ResolveAsync(context, signed: false));
        app.MapPost("/v1/approvals/{id}/resolve", (RequestDelegate)(context =>
        {
            var query = context.Request.Query;
            // API-050: only when both parameters are present is this a signed link; otherwise bearer admin auth.
            if (!query.TryGetValue("sig", out var sig) || !query.TryGetValue("exp", out var exp)) return resolveAsAdmin(context);
            var id = (string)context.Request.RouteValues["id"]!;
            if (!Approvals.Links.Verify(id, sig.ToString(), exp.ToString(), service.Time.GetUtcNow()))
                return ApiResponse.ErrorAsync(context, 401, "invalid or expired signature");
            return ResolveAsync(context, signed: true);
        }));
    }

    /// <summary>API-046: a native hook mirrors or delegates an ask.</summary>
    async Task CreateAsync(HttpContext context, Caller caller)
    {
        var body = await RequestBody.ReadJsonAsync(context, "invalid request body: ");
        if (!body.IsOk)
        {
            await ApiResponse.ErrorAsync(context, body.Status, body.Error);
            return;
        }
        using var document = body.Document!;
        var root = document.RootElement;
        if (!TryStrings(root, ["tool", "command", "agent", "path", "message", "run_id"], out var f, out var error))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid request body: " + error);
            return;
        }
        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (f["command"].Length > 0) parameters["command"] = CallPreparation.Str(f["command"]);
        if (f["path"].Length > 0) parameters["path"] = CallPreparation.Str(f["path"]);
        var call = new ToolCall
        {
            Tool = f["tool"],
            Agent = f["agent"],
            Session = "hook",
            RunId = f["run_id"],
            Params = parameters,
            Timestamp = service.Time.GetUtcNow(),
        };
        var queued = await Approvals.Store.EnqueueAsync(call, new Decision { Action = DecisionAction.Ask, Message = f["message"] }, ApprovalService.OwnerScopeOf(caller), "");
        if (queued.RunGrantExpiresAt is { } until)
        {
            await ApiResponse.WriteAsync(context, 200, new ApprovalCreatedBody
            {
                Id = Rampart.Core.Audit.AuditIds.NewUlid(service.Time.GetUtcNow()),
                Status = "approved",
                Message = "auto-approved by bulk-resolve",
                ExpiresAt = ApprovalJournal.FormatTime(until),
            }, ApprovalJsonContext.Readable.ApprovalCreatedBody);
            return;
        }
        if (queued.Request is not { } request)
        {
            await ApiResponse.ErrorAsync(context, 503, queued.Error!);
            return;
        }
        Approvals.AnnounceChange();
        await ApiResponse.WriteAsync(context, 201, new ApprovalCreatedBody
        {
            Id = request.Id,
            Status = "pending",
            ExpiresAt = ApprovalService.SecondsTime(request.ExpiresAt),
        }, ApprovalJsonContext.Readable.ApprovalCreatedBody);
    }

    /// <summary>API-047.</summary>
    Task ListAsync(HttpContext context, Caller caller)
    {
        var pending = Approvals.Store.Pending();
        var summaries = new List<ApprovalSummary>(pending.Count);
        var groups = new Dictionary<RunIdentity, List<(ApprovalRequest Request, ApprovalSummary Summary)>>();
        var order = new List<RunIdentity>();
        foreach (var r in pending)
        {
            var s = Summary(r);
            summaries.Add(s);
            if (!r.Run.IsComplete) continue;
            if (!groups.TryGetValue(r.Run, out var members))
            {
                groups[r.Run] = members = [];
                order.Add(r.Run);
            }
            members.Add((r, s));
        }
        // Pending is oldest first, so first-seen order is earliest-creation order.
        var runGroups = new List<RunGroupBody>();
        foreach (var identity in order)
        {
            var members = groups[identity];
            if (members.Count < 2) continue;
            var items = new List<ApprovalSummary>(members.Count);
            foreach (var m in members) items.Add(m.Summary);
            runGroups.Add(new RunGroupBody
            {
                Agent = identity.Agent,
                Session = identity.Session,
                RunId = identity.RunId,
                CredentialOwner = ApprovalFingerprint.CredentialOwner(identity.OwnerScope),
                Count = members.Count,
                EarliestCreatedAt = ApprovalService.SecondsTime(members[0].Request.CreatedAt),
                Items = items,
            });
        }
        return ApiResponse.WriteAsync(context, 200, new ApprovalListBody(summaries, runGroups, ApprovalService.TimeoutMs(Approvals.Timeout)),
            ApprovalJsonContext.Readable.ApprovalListBody);
    }

    /// <summary>API-048.</summary>
    Task GetAsync(HttpContext context, Caller caller)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        if (Approvals.Store.Get(id) is not { } r) return ApiResponse.ErrorAsync(context, 404, "approval not found");
        var resolved = !r.IsPending;
        return ApiResponse.WriteAsync(context, 200, new ApprovalDetailBody
        {
            Id = r.Id,
            Tool = r.Call.Tool,
            Command = r.Command,
            Agent = r.Call.Agent,
            Session = r.Call.Session,
            Message = r.Message,
            Status = r.Status.ToWire(),
            CreatedAt = ApprovalService.SecondsTime(r.CreatedAt),
            ExpiresAt = ApprovalService.SecondsTime(r.ExpiresAt),
            ResolvedAt = resolved && r.ResolvedAt is { } at ? ApprovalService.SecondsTime(at) : null,
            ResolvedBy = resolved ? r.ResolvedBy : null,
            Persisted = resolved ? r.Persisted : null,
        }, ApprovalJsonContext.Readable.ApprovalDetailBody);
    }

    /// <summary>API-049 (+ API-051 when persisting).</summary>
    async Task ResolveAsync(HttpContext context, bool signed)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var body = await RequestBody.ReadJsonAsync(context, "invalid request body: ");
        if (!body.IsOk)
        {
            await ApiResponse.ErrorAsync(context, body.Status, body.Error);
            return;
        }
        bool approved, persist;
        string resolvedBy;
        using (var document = body.Document!)
        {
            var root = document.RootElement;
            var error = "expected a JSON object";
            Dictionary<string, string>? f = null;
            approved = persist = false;
            if (root.ValueKind != JsonValueKind.Object
                || !TryBool(root, "approved", out approved, out error)
                || !TryBool(root, "persist", out persist, out error)
                || !TryStrings(root, ["resolved_by"], out f, out error))
            {
                await ApiResponse.ErrorAsync(context, 400, "invalid request body: " + error);
                return;
            }
            resolvedBy = f!["resolved_by"].Trim() is { Length: > 0 } who ? who : "api";
        }
        if (signed)
        {
            if (persist)
            {
                await ApiResponse.ErrorAsync(context, 403, "persist=true requires admin token authentication, not a signed approval URL");
                return;
            }
            resolvedBy = "signed-link";
        }
        if (approved && persist)
        {
            if (Approvals.Store.Get(id) is not { } candidate)
            {
                await ApiResponse.ErrorAsync(context, 404, "approval not found");
                return;
            }
            if (AutoAllowPolicy.Unsupported(candidate.Call) is { } unsupported)
            {
                await ApiResponse.ErrorAsync(context, 400, unsupported);
                return;
            }
        }

        var outcome = await Approvals.Store.ResolveAsync(id, approved, resolvedBy, r => Approvals.RecordResolutionAsync(r, persist, null));
        switch (outcome.Status)
        {
            case ResolveStatus.NotFound:
                await ApiResponse.ErrorAsync(context, 404, outcome.Error);
                return;
            case ResolveStatus.NoLongerPending:
                await ApiResponse.ErrorAsync(context, 410, outcome.Error);
                return;
            case ResolveStatus.Failed when outcome.Request is { IsPending: true }:
                await ApiResponse.ErrorAsync(context, 503, outcome.Error);
                return;
        }
        Approvals.AnnounceChange();
        var resolved = outcome.Request!;
        var persisted = approved && persist && await Approvals.PersistAsync(resolved);
        await ApiResponse.WriteAsync(context, 200, new ResolvedBody(resolved.Id, resolved.Status.ToWire(), approved, persisted), ApprovalJsonContext.Readable.ResolvedBody);
    }

    /// <summary>API-052.</summary>
    async Task BulkResolveAsync(HttpContext context, Caller caller)
    {
        var body = await RequestBody.ReadJsonAsync(context, "invalid request body: ");
        if (!body.IsOk)
        {
            await ApiResponse.ErrorAsync(context, body.Status, body.Error);
            return;
        }
        BulkRequest bulk;
        string scope;
        using (var document = body.Document!)
        {
            var root = document.RootElement;
            if (!TryStrings(root, ["agent", "session", "run_id", "action", "scope", "resolved_by"], out var f, out var error))
            {
                await ApiResponse.ErrorAsync(context, 400, "invalid request body: " + error);
                return;
            }
            var ids = ImmutableArray.CreateBuilder<string>();
            if (root.TryGetProperty("ids", out var idList) && idList.ValueKind != JsonValueKind.Null)
            {
                if (idList.ValueKind != JsonValueKind.Array)
                {
                    await ApiResponse.ErrorAsync(context, 400, "invalid request body: field \"ids\" must be an array of strings");
                    return;
                }
                foreach (var item in idList.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        await ApiResponse.ErrorAsync(context, 400, "invalid request body: field \"ids\" must be an array of strings");
                        return;
                    }
                    ids.Add(item.GetString()!);
                }
            }
            string agent = f["agent"].Trim(), session = f["session"].Trim(), runId = f["run_id"].Trim();
            if (agent.Length == 0 || session.Length == 0 || runId.Length == 0)
            {
                await ApiResponse.ErrorAsync(context, 400, "agent, session, and run_id are required; refusing incomplete bulk-approval scope");
                return;
            }
            var action = f["action"].Trim().ToLowerInvariant();
            if (action is not ("approve" or "deny"))
            {
                await ApiResponse.ErrorAsync(context, 400, "action must be approve or deny");
                return;
            }
            scope = f["scope"].Trim().ToLowerInvariant();
            if (scope is not ("pending" or "run"))
            {
                await ApiResponse.ErrorAsync(context, 400, "scope is required and must be pending or run");
                return;
            }
            if (scope == "run" && action != "approve")
            {
                await ApiResponse.ErrorAsync(context, 400, "scope run is only valid with action approve");
                return;
            }
            if (ids.Count == 0)
            {
                await ApiResponse.ErrorAsync(context, 400, "ids must list at least one approval id");
                return;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                if (id.Trim().Length == 0 || !seen.Add(id))
                {
                    await ApiResponse.ErrorAsync(context, 400, id.Trim().Length == 0 ? "ids must not contain empty entries" : $"ids contains \"{id}\" more than once");
                    return;
                }
            }
            var who = f["resolved_by"].Trim() is { Length: > 0 } w ? w : "api";
            bulk = new BulkRequest(agent, session, runId, action == "approve", scope == "run", ids.ToImmutable(), who);
        }

        var audit = new BulkAudit(scope, bulk.IsRunScope);
        string owner = "";
        var outcome = await Approvals.Store.BulkResolveAsync(bulk,
            r =>
            {
                owner = r.OwnerScope;
                return Approvals.RecordResolutionAsync(r, false, audit);
            },
            until => Approvals.RecordRunPublicationAsync(bulk, owner, until));
        if (outcome.Resolved.Count > 0) Approvals.AnnounceBatch(bulk);
        if (outcome.Status is 400 or 409)
        {
            await ApiResponse.ErrorAsync(context, outcome.Status, outcome.Error);
            return;
        }
        var failed = outcome.Status != 200;
        List<string>? unresolved = null;
        if (failed)
        {
            unresolved = [];
            foreach (var id in bulk.Ids)
            {
                if (!outcome.Resolved.Contains(id)) unresolved.Add(id);
            }
        }
        var authorized = !failed && outcome.GrantExpiresAt is not null;
        await ApiResponse.WriteAsync(context, failed ? 503 : 200, new BulkResolvedBody
        {
            Error = failed ? outcome.Error : null,
            Resolved = outcome.Resolved.Count,
            Ids = outcome.Resolved,
            ReviewedIds = bulk.Ids,
            RaceCoveredIds = [],
            UnresolvedReviewedIds = unresolved,
            Scope = scope,
            FutureCallsAuthorized = authorized,
            GrantTtlMs = authorized ? ApprovalService.TimeoutMs(Approvals.Timeout) : null,
            GrantExpiresAt = authorized ? ApprovalJournal.FormatTime(outcome.GrantExpiresAt!.Value) : null,
            RefreshRequired = failed ? true : null,
        }, ApprovalJsonContext.Readable.BulkResolvedBody);
    }

    static ApprovalSummary Summary(ApprovalRequest r) => new()
    {
        Id = r.Id,
        Tool = r.Call.Tool,
        Command = r.Command,
        Agent = r.Call.Agent,
        Session = r.Call.Session,
        CredentialOwner = r.CredentialOwner,
        Message = r.Message,
        Status = r.Status.ToWire(),
        CreatedAt = ApprovalService.SecondsTime(r.CreatedAt),
        ExpiresAt = ApprovalService.SecondsTime(r.ExpiresAt),
        RunId = r.Call.RunId.Length > 0 ? r.Call.RunId : null,
    };

    /// <summary>Reads optional string fields ("" when absent or null); a field of another type is an error (API-005).</summary>
    static bool TryStrings(JsonElement root, string[] names, out Dictionary<string, string> values, out string error)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        error = "";
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "expected a JSON object";
            return false;
        }
        foreach (var name in names)
        {
            values[name] = "";
            if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) continue;
            if (v.ValueKind != JsonValueKind.String)
            {
                error = $"field \"{name}\" must be a string";
                return false;
            }
            values[name] = v.GetString()!;
        }
        return true;
    }

    static bool TryBool(JsonElement root, string name, out bool value, out string error)
    {
        value = false;
        error = "";
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return true;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            error = $"field \"{name}\" must be a boolean";
            return false;
        }
        value = v.GetBoolean();
        return true;
    }
}
