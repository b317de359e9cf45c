using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Rampart.Core.Approvals;
using Rampart.Core.Evaluation;

namespace Rampart.Server.Approvals;

/// <summary>
/// How the tool route continues after an <c>ask</c> (API-027): either the answer was written
/// (202 queued, hosted 200, 400, 503), or the call is allowed — by an approved exact replay or a
/// run grant — and goes on to response scanning with <see cref="Decorate"/> applied to the body.
/// </summary>
internal sealed record AskOutcome(bool IsAnswered, Decision? Decision = null, string? AuditId = null, Action<ToolBody>? Decorate = null)
{
    public static readonly AskOutcome Answered = new(true);
}

/// <summary>
/// The approval workflow of one server: queues asks, replays approved calls once, resolves
/// (single, signed, bulk), persists "always allow", and writes every step to the audit trail
/// through the server's <see cref="DecisionRecorder"/> (AUD-062) with SSE notice (API-080).
/// </summary>
internal sealed class ApprovalService : IDisposable
{
    const string ApprovalsFrame = "{\"type\":\"approvals\"}";
    readonly RunningService _service;
    readonly ILogger _log;

    public ApprovalService(RunningService service, ApprovalStore store, ResolveLinks links, AutoAllowPolicy autoAllow, ILogger log)
    {
        _service = service;
        Store = store;
        Links = links;
        AutoAllow = autoAllow;
        _log = log;
        store.Expired = OnExpiredAsync;
    }

    /// <summary>
    /// CLI-013 step 8 for approvals: load (or create) the signing key — an unusable key throws
    /// <see cref="IOException"/> and aborts start-up — open the journal and restore pending requests.
    /// </summary>
    public static ApprovalService Start(RunningService service, Hosting.StateDirectory state, ILogger log)
    {
        var links = ResolveLinks.Load(service.Options.SigningKeyPath ?? state.SigningKeyFile);
        var journalPath = Path.Combine(state.Path, "pending-approvals.jsonl");
        var store = new ApprovalStore(new ApprovalJournal(journalPath), new GrantDirectory(journalPath + ".approved-once"),
            service.Options.ApprovalTimeout, service.Time, log);
        var approvals = new ApprovalService(service, store, links, new AutoAllowPolicy(Path.Combine(state.PolicyDirectory, "auto-allowed.yaml")), log);
        store.Restore();
        return approvals;
    }

    public ApprovalStore Store { get; }
    public ResolveLinks Links { get; }
    public AutoAllowPolicy AutoAllow { get; }
    /// <summary>Base of signed links: <c>--resolve-base-url</c> or <c>http://localhost:&lt;port&gt;</c> once bound.</summary>
    public string ResolveBaseUrl { get; set; } = "";
    public int PendingCount => Store.PendingCount;
    public TimeSpan Timeout => Store.Timeout;

    /// <summary>The signed resolve link of <paramref name="request"/> (for notifications; never logged, CLI-019).</summary>
    public string ResolveUrl(ApprovalRequest request) => Links.UrlFor(ResolveBaseUrl, request.Id, request.ExpiresAt);

    /// <summary>API-040: the owner scope of the caller's credential; "" for the admin token.</summary>
    public static string OwnerScopeOf(Caller caller) => caller.Token is { } t ? ApprovalFingerprint.OwnerScopeOf(t.Hash) : "";

    /// <summary>API-027: hosted approvals, exact replay, run grant or a new pending approval.</summary>
    public async Task<AskOutcome> DecideAskAsync(HttpContext context, Caller caller, ToolRequest request, ToolCall call, Decision decision,
        IReadOnlyDictionary<string, JsonElement> auditRequest, string? auditId)
    {
        var ct = context.RequestAborted;
        if (IsHostedRequest(request))
        {
            if (caller.IsAdminToken) return await AnswerHostedAsync(context, request, decision, auditId);
            _log.LogWarning("hosted approval flags ignored for a per-agent credential: agent={Agent}", call.Agent);
        }

        var owner = OwnerScopeOf(caller);
        if (call.RunId.Length > 0 && call.ToolCallId.Length > 0)
        {
            ReplayGrant? grant;
            try
            {
                grant = Store.TryConsumeGrant(call, owner);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.LogError("replay grant state unreadable: error={Error}", e.Message);
                await ApiResponse.ErrorAsync(context, 503, "approval state is unavailable; refusing tool call");
                return AskOutcome.Answered;
            }
            if (grant is not null)
            {
                var allowed = decision with { Action = DecisionAction.Allow, Message = "approved once via Rampart approval" };
                var replayRequest = new Dictionary<string, JsonElement>(auditRequest, StringComparer.Ordinal)
                {
                    ["approval_id"] = Json(grant.ApprovalId),
                    ["approval_status"] = Json("approved"),
                    ["approval_scope"] = Json("once"),
                    ["approval_resolved_by"] = Json(grant.ResolvedBy),
                };
                if (auditId is not null) replayRequest["approval_policy_audit_id"] = Json(auditId);
                var recorded = await _service.Recorder.RecordAsync(new DecisionRecord(call, allowed, replayRequest), ct);
                if (recorded.Failed) return await RefuseForAuditAsync(context, recorded);
                _log.LogInformation("approved call replayed once: approval_id={Id} tool={Tool} agent={Agent}", grant.ApprovalId, call.Tool, call.Agent);
                return new AskOutcome(false, allowed, recorded.AuditId, body =>
                {
                    body.ApprovalId = grant.ApprovalId;
                    body.ApprovalStatus = "approved";
                    body.ApprovalScope = "once";
                    body.ApprovalResolvedBy = grant.ResolvedBy;
                    body.ApprovalPolicyAuditId = auditId;
                });
            }
        }

        var queued = await Store.EnqueueAsync(call, decision, owner, auditId ?? "");
        if (queued.IsAutoApproved)
        {
            var allowed = decision with { Action = DecisionAction.Allow, Message = "auto-approved by bulk-resolve", MatchedPolicies = ["auto-approved"] };
            var recorded = await _service.Recorder.RecordAsync(new DecisionRecord(call, allowed, auditRequest), ct);
            if (recorded.Failed) return await RefuseForAuditAsync(context, recorded);
            return new AskOutcome(false, allowed, recorded.AuditId);
        }
        if (queued.Request is not { } pending)
        {
            _log.LogError("approval could not be queued: error={Error}", queued.Error);
            await ApiResponse.ErrorAsync(context, 503, queued.Error!);
            return AskOutcome.Answered;
        }
        _service.Events.Publish(ApprovalsFrame);
        _log.LogInformation("approval pending: id={Id} tool={Tool} agent={Agent} expires_at={Expires}", pending.Id, call.Tool, call.Agent, SecondsTime(pending.ExpiresAt));
        var body = new ToolBody
        {
            Allowed = false,
            Decision = decision.Action.ToWire(),
            Message = decision.Message,
            EvalDurationUs = (long)decision.EvalDuration.TotalMicroseconds,
            AuditId = auditId,
            Policy = decision.Policy.Length == 0 ? null : decision.Policy,
            Suggestions = decision.Suggestions.IsDefault ? [] : decision.Suggestions,
            ApprovalId = pending.Id,
            ApprovalStatus = "pending",
            ExpiresAt = SecondsTime(pending.ExpiresAt),
        };
        await ApiResponse.WriteAsync(context, 202, body, ApiJsonContext.Default.ToolBody);
        return AskOutcome.Answered;
    }

    static bool IsHostedRequest(ToolRequest request) =>
        request.OpenclawHosted || request.SkipPendingApproval
        || request.ApprovalOwner is { } o && o.TryGetProperty("mode", out var m) && m.ValueKind == JsonValueKind.String
           && string.Equals(m.GetString(), "hosted", StringComparison.OrdinalIgnoreCase);

    /// <summary>API-027 step 1: the host runs the approval; nothing is queued here.</summary>
    async Task<AskOutcome> AnswerHostedAsync(HttpContext context, ToolRequest request, Decision decision, string? auditId)
    {
        HostedOwnerBody owner;
        var allowAlways = false;
        if (request.ApprovalOwner is { } o && o.TryGetProperty("mode", out var m) && m.ValueKind == JsonValueKind.String
            && string.Equals(m.GetString(), "hosted", StringComparison.OrdinalIgnoreCase))
        {
            var host = Str(o, "host").Trim();
            if (host.Length == 0) return await BadRequestAsync(context, "approval_owner.host is required when approval_owner.mode=hosted");
            if (!Flag(o, "supports_exact_resume")) return await BadRequestAsync(context, "approval_owner.supports_exact_resume=true is required for hosted approvals");
            allowAlways = Flag(o, "supports_allow_always");
            owner = new HostedOwnerBody
            {
                Host = host,
                Mode = "hosted",
                Surface = Str(o, "surface").Trim() is { Length: > 0 } s ? s : null,
                SupportsExactResume = true,
                SupportsAllowAlways = allowAlways,
                SupportsResultCallback = Flag(o, "supports_result_callback"),
            };
        }
        else
        {
            if (!(request.OpenclawHosted && request.SkipPendingApproval))
                return await BadRequestAsync(context, "hosted approval requests require approval_owner.mode=hosted or both openclaw_hosted and skip_pending_approval");
            owner = new HostedOwnerBody { Host = "openclaw", Mode = "hosted" };
        }
        List<string> scopes = ["once", "session"];
        if (allowAlways) scopes.Add("always");
        var body = new HostedAskBody
        {
            Allowed = false,
            Decision = decision.Action.ToWire(),
            Message = decision.Message,
            EvalDurationUs = (long)decision.EvalDuration.TotalMicroseconds,
            AuditId = auditId,
            Policy = decision.Policy.Length == 0 ? null : decision.Policy,
            Suggestions = decision.Suggestions.IsDefault ? [] : decision.Suggestions,
            ApprovalOwner = owner,
            ToolCallId = request.ToolCallId.Length > 0 ? request.ToolCallId : null,
            Approval = new HostedApprovalBody(decision.Message, scopes, allowAlways, TimeoutMs(Timeout),
                SecondsTime(_service.Time.GetUtcNow() + Timeout)),
        };
        await ApiResponse.WriteAsync(context, 200, body, ApprovalJsonContext.Readable.HostedAskBody);
        return AskOutcome.Answered;
    }

    /// <summary>
    /// The audit record of a resolution (AUD-062), written before the resolution is published; its
    /// event id is the approval id, so it is written at most once. Returns the error that rolls the
    /// resolution back, or null.
    /// </summary>
    public async ValueTask<string?> RecordResolutionAsync(ApprovalRequest resolved, bool persistRequested, BulkAudit? bulk)
    {
        var approved = resolved.Status == ApprovalStatus.Approved;
        var resolution = approved ? "approved" : "denied";
        var request = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["action"] = Json("approval_resolved"),
            ["tool"] = Json(resolved.Call.Tool),
            ["command"] = Json(resolved.Command),
            ["resolution"] = Json(resolution),
            ["resolved_by"] = Json(resolved.ResolvedBy),
            ["approval_id"] = Json(resolved.Id),
            ["persist_requested"] = Bool(approved && persistRequested),
            ["persist"] = Bool(false),
        };
        if (bulk is not null)
        {
            request["bulk"] = Bool(true);
            request["approval_scope"] = Json(bulk.Scope);
            request["future_calls_requested"] = Bool(bulk.IsRun);
            request["auto_approve"] = Bool(bulk.IsRun);
            if (bulk.IsRun)
            {
                request["grant_ttl_ms"] = JsonSerializer.SerializeToElement(TimeoutMs(Timeout), ApprovalAuditJson.Default.Int64);
                request["auto_approve_ttl_seconds"] = JsonSerializer.SerializeToElement((long)Math.Ceiling(Timeout.TotalSeconds), ApprovalAuditJson.Default.Int64);
            }
        }
        var message = bulk is null ? $"approval {resolution} by {resolved.ResolvedBy}" : $"bulk {resolution} by {resolved.ResolvedBy}";
        var decision = new Decision { Action = approved ? DecisionAction.Allow : DecisionAction.Deny, Message = message, MatchedPolicies = resolved.MatchedPolicies };
        var recorded = await _service.Recorder.RecordAsync(new DecisionRecord(resolved.Call, decision, request) { EventId = resolved.Id, ActionText = resolution }, CancellationToken.None);
        if (recorded.Failed)
        {
            _log.LogError("approval resolution not recorded; left pending: id={Id} error={Error}", resolved.Id, recorded.Error);
            return "audit storage is unavailable; approval left pending: " + recorded.Error;
        }
        _log.LogInformation("approval resolved: id={Id} resolution={Resolution} by={By}", resolved.Id, resolution, resolved.ResolvedBy);
        return null;
    }

    /// <summary>AUD-062 run grant publication record, written before the grant exists.</summary>
    public async ValueTask<string?> RecordRunPublicationAsync(BulkRequest bulk, string ownerScope, DateTimeOffset expiresAt)
    {
        var ids = JsonSerializer.SerializeToElement(bulk.Ids.ToArray(), ApprovalAuditJson.Default.StringArray);
        var request = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["action"] = Json("run_approval_publication_authorized"),
            ["approval_scope"] = Json("run"),
            ["approval_ids"] = ids,
            ["reviewed_approval_ids"] = ids,
            ["race_covered_ids"] = JsonSerializer.SerializeToElement(Array.Empty<string>(), ApprovalAuditJson.Default.StringArray),
            ["credential_owner"] = Json(ApprovalFingerprint.CredentialOwner(ownerScope)),
            ["future_calls_requested"] = Bool(true),
            ["publication_authorized"] = Bool(true),
            ["grant_ttl_ms"] = JsonSerializer.SerializeToElement(TimeoutMs(Timeout), ApprovalAuditJson.Default.Int64),
            ["grant_expires_at"] = Json(ApprovalJournal.FormatTime(expiresAt)),
            ["resolved_by"] = Json(bulk.ResolvedBy),
        };
        var call = new ToolCall { Tool = "approval", Agent = bulk.Agent, Session = bulk.Session, RunId = bulk.RunId, Timestamp = _service.Time.GetUtcNow() };
        var decision = new Decision { Action = DecisionAction.Allow, Message = $"future-call grant publication authorized by {bulk.ResolvedBy}" };
        var recorded = await _service.Recorder.RecordAsync(new DecisionRecord(call, decision, request) { ActionText = "authorized" }, CancellationToken.None);
        return recorded.Failed ? "audit storage is unavailable; run grant not published: " + recorded.Error : null;
    }

    /// <summary>
    /// API-051 after an approving resolution with persist: audit the authorisation (failure skips
    /// persistence), append the exact allow policy, mark the request persisted, reload the engine.
    /// </summary>
    public async Task<bool> PersistAsync(ApprovalRequest resolved)
    {
        var request = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["action"] = Json("approval_persistence_authorized"),
            ["tool"] = Json(resolved.Call.Tool),
            ["command"] = Json(resolved.Command),
            ["resolved_by"] = Json(resolved.ResolvedBy),
            ["approval_id"] = Json(resolved.Id),
            ["policy_path"] = Json(AutoAllow.FilePath),
            ["persist"] = Bool(false),
        };
        var decision = new Decision { Action = DecisionAction.Allow, Message = $"durable allow persistence authorized by {resolved.ResolvedBy}" };
        var recorded = await _service.Recorder.RecordAsync(new DecisionRecord(resolved.Call, decision, request) { ActionText = "authorized" }, CancellationToken.None);
        if (recorded.Failed)
        {
            _log.LogError("persistence authorisation not recorded; not persisting: id={Id} error={Error}", resolved.Id, recorded.Error);
            return false;
        }
        try
        {
            AutoAllow.Append(resolved.Call, _service.Time.GetUtcNow());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or YamlDotNet.Core.YamlException)
        {
            _log.LogError("always-allow rule not written: id={Id} error={Error}", resolved.Id, e.Message);
            return false;
        }
        await Store.MarkPersistedAsync(resolved.Id);
        _service.Policy.Reload("approval-persist");
        _log.LogInformation("always-allow rule written: id={Id} tool={Tool}", resolved.Id, resolved.Call.Tool);
        return true;
    }

    /// <summary>After a resolution became visible: SSE notice (the audit event was broadcast by the recorder).</summary>
    public void AnnounceChange() => _service.Events.Publish(ApprovalsFrame);

    public void AnnounceBatch(BulkRequest bulk)
    {
        _service.Events.Publish(ApprovalsFrame);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "audit_batch");
            w.WriteString("agent", bulk.Agent);
            w.WriteString("session", bulk.Session);
            w.WriteString("run_id", bulk.RunId);
            w.WriteEndObject();
        }
        _service.Events.Publish(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>API-041: the expiry audit record and SSE notice.</summary>
    async Task OnExpiredAsync(ApprovalRequest expired)
    {
        var request = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["action"] = Json("approval_expired"),
            ["tool"] = Json(expired.Call.Tool),
            ["command"] = Json(expired.Command),
        };
        var decision = new Decision { Action = DecisionAction.Deny, Message = "approval timed out — command blocked", MatchedPolicies = expired.MatchedPolicies };
        var recorded = await _service.Recorder.RecordAsync(new DecisionRecord(expired.Call, decision, request), CancellationToken.None);
        if (recorded.Failed) _log.LogError("approval expiry not recorded: id={Id} error={Error}", expired.Id, recorded.Error);
        _service.Events.Publish(ApprovalsFrame);
    }

    async Task<AskOutcome> RefuseForAuditAsync(HttpContext context, RecordOutcome outcome)
    {
        _log.LogError("audit write failed; refusing: error={Error}", outcome.Error);
        await ApiResponse.ErrorAsync(context, 503, "audit storage is unavailable; refusing tool call");
        return AskOutcome.Answered;
    }

    static async Task<AskOutcome> BadRequestAsync(HttpContext context, string message)
    {
        await ApiResponse.ErrorAsync(context, 400, message);
        return AskOutcome.Answered;
    }

    /// <summary>Milliseconds, any sub-millisecond remainder rounded up (API-047).</summary>
    public static long TimeoutMs(TimeSpan t) => (t.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;

    /// <summary>RFC 3339 with seconds precision in the server's local offset (API-027, API-047).</summary>
    public static string SecondsTime(DateTimeOffset t)
    {
        var local = t.ToLocalTime();
        return local.Offset == TimeSpan.Zero
            ? local.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    static string Str(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
    static bool Flag(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
    static JsonElement Json(string s) => CallPreparation.Str(s);
    static JsonElement Bool(bool b) => JsonSerializer.SerializeToElement(b, ApprovalAuditJson.Default.Boolean);

    public void Dispose() => Store.Dispose();
}

/// <summary>The bulk fields of a resolution's audit record (AUD-062).</summary>
internal sealed record BulkAudit(string Scope, bool IsRun);

/// <summary>Serialisers for the scalar/array values approval audit records carry.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class ApprovalAuditJson : System.Text.Json.Serialization.JsonSerializerContext;
