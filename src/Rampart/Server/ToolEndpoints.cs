using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Rampart.Core.Evaluation;
using Rampart.Core.Tools;

namespace Rampart.Server;

/// <summary>
/// The decision routes (API-020..API-030): <c>POST /v1/tool/{tool}</c> (the execution boundary:
/// enforce, audit, then answer) and <c>POST /v1/preflight/{tool}</c> (ask before acting).
/// </summary>
internal sealed class ToolEndpoints(RunningService service)
{
    const string RedactedResponse = "[REDACTED: sensitive content removed by Rampart]";

    public void Map(IEndpointRouteBuilder app)
    {
        var tool = service.Authorized(TokenScopes.Eval, ToolAsync);
        app.MapPost("/v1/tool/{toolName}", tool);
        // Issue 3: the reserved classes (POL-009) as literal routes too, so the usual decision
        // request is matched without capturing a route value (the handler reads the raw target
        // either way, TryToolName). Literal segments win over the parameter, and the handler is the
        // same, so every path gets the same answer as before.
        foreach (var reserved in ToolNames.ReservedClasses) app.MapPost("/v1/tool/" + reserved, tool);
        app.MapPost("/v1/preflight/{toolName}", service.Authorized(TokenScopes.Eval, PreflightAsync));
        app.MapPost("/v1/response/{toolName}", service.Authorized(TokenScopes.Eval, ResponseAsync));
    }

    /// <summary>API-025.</summary>
    async Task ToolAsync(HttpContext context, Caller caller)
    {
        if (await ReadCallAsync(context, caller, Route.Tool) is not { } prepared) return;
        var (request, call, args, options) = prepared;
        var mode = service.Mode;
        var decision = mode == ServiceMode.Disabled ? Disabled() : service.Policy.Engine.Enforce(call, options);
        var now = service.Time.GetUtcNow();
        service.Metrics.Observe(decision.Action.ToWire(), decision.Policy, decision.EvalDuration, service.Policy.Config.Policies.Length, service.Approvals.PendingCount, now);

        // AUD-055: the decision is durable before anyone learns of it.
        var recorded = await service.Recorder.RecordAsync(new DecisionRecord(call, decision, args.Params), context.RequestAborted);
        if (recorded.Failed && mode == ServiceMode.Enforce)
        {
            await RefuseForAuditAsync(context, recorded, "audit storage is unavailable; refusing tool call");
            return;
        }
        var auditId = recorded.AuditId;

        Approvals.AskOutcome? ask = null;
        if (mode == ServiceMode.Enforce)
        {
            if (decision.Action == DecisionAction.Webhook)
            {
                decision = await service.Webhooks.DecideAsync(call, decision, now, context.RequestAborted);
                var second = await service.Recorder.RecordAsync(new DecisionRecord(call, decision, args.Params), context.RequestAborted);
                if (second.Failed)
                {
                    await RefuseForAuditAsync(context, second, "audit storage is unavailable; refusing tool call");
                    return;
                }
                auditId = second.AuditId ?? auditId;
            }
            if (decision.Action == DecisionAction.Ask)
            {
                ask = await service.Approvals.DecideAskAsync(context, caller, request, call, decision, args.Params, auditId);
                if (ask.IsAnswered) return;
                decision = ask.Decision!;
                auditId = ask.AuditId ?? auditId;
            }
        }

        var response = BaseBody(decision, auditId);
        ask?.Decorate?.Invoke(response);
        if (mode == ServiceMode.Monitor) ApplyMonitor(response, decision);
        if (mode == ServiceMode.Enforce && decision.Action == DecisionAction.Deny)
        {
            await ApiResponse.WriteAsync(context, 403, response, ApiJsonContext.Default.ToolBody);
            return;
        }

        if (request.Response.Length > 0 && mode != ServiceMode.Disabled)
        {
            if (!await ScanResponseAsync(context, call, request.Response, args, auditId, response)) return;
        }
        await ApiResponse.WriteAsync(context, 200, response, ApiJsonContext.Default.ToolBody);
    }

    /// <summary>API-028: evaluate the tool's output; a deny redacts it (enforce) or is only reported (monitor).</summary>
    async Task<bool> ScanResponseAsync(HttpContext context, ToolCall call, string output, PreparedArguments args, string? requestAuditId, ToolBody response)
    {
        var mode = service.Mode;
        response.Response = output;
        var watch = Stopwatch.StartNew();
        var verdict = service.Policy.Engine.EvaluateResponse(call, output);
        var elapsed = verdict.EvalDuration > TimeSpan.Zero ? verdict.EvalDuration : watch.Elapsed;
        var denied = verdict.Action == DecisionAction.Deny;

        var request = new Dictionary<string, JsonElement>(args.Params, StringComparer.Ordinal)
        {
            ["rampart_phase"] = CallPreparation.Str("response"),
            ["response_bytes"] = JsonSerializer.SerializeToElement(Encoding.UTF8.GetByteCount(output), ApiJsonContext.Default.Int32),
        };
        if (requestAuditId is not null) request["request_audit_id"] = CallPreparation.Str(requestAuditId);
        List<string> flags = ["response-evaluated"];
        if (denied) flags.Add(mode == ServiceMode.Enforce ? "response-redacted" : "response-observed-deny");
        var recorded = await service.Recorder.RecordAsync(new DecisionRecord(call, verdict with { EvalDuration = elapsed }, request, flags), context.RequestAborted);
        if (recorded.Failed && mode == ServiceMode.Enforce)
        {
            await RefuseForAuditAsync(context, recorded, "audit storage is unavailable; refusing tool response");
            return false;
        }
        if (recorded.AuditId is not null) response.AuditId = recorded.AuditId;
        if (!denied) return true;

        if (mode == ServiceMode.Monitor)
        {
            response.Allowed = true;
            response.Enforced = false;
            response.ResponsePolicyDecision = verdict.Action.ToWire();
            response.ResponsePolicyMessage = verdict.Message;
            response.ResponseEvalDurationUs = Micros(elapsed);
            response.ResponsePolicy = verdict.Policy.Length == 0 ? null : verdict.Policy;
        }
        else
        {
            response.Allowed = false;
            response.Decision = "deny";
            response.Message = verdict.Message;
            response.EvalDurationUs = Micros(elapsed);
            response.Policy = verdict.Policy.Length == 0 ? null : verdict.Policy;
            response.Response = RedactedResponse;
        }
        return true;
    }

    /// <summary>
    /// <c>POST /v1/response/{tool}</c> (CLI-082, project addition): the response phase of the tool
    /// route on its own, for hooks that see the output after the tool ran (PostToolUse). Same body
    /// as the tool route; <c>response</c> carries the output. The answer is the tool route's
    /// response-phase body (API-028), and one response-phase audit record is written (AUD-061).
    /// </summary>
    /// <remarks>
    /// CLI-082 cites API-130 for this route, but API-130 is the dashboard; this follows the tool
    /// route instead: eval scope (SEC-012), per-agent effects (API-013), the route is an execution
    /// boundary like the tool route, so <c>enforce</c> is accepted but the service mode alone decides,
    /// and an audit failure in enforce mode is 503. The output is not echoed back (unlike API-028):
    /// a 1 MiB output would make the answer larger than the hook's 1 MiB read limit; an enforced
    /// deny carries only the redaction marker as <c>response</c>.
    /// </remarks>
    async Task ResponseAsync(HttpContext context, Caller caller)
    {
        if (await ReadCallAsync(context, caller, Route.Response) is not { } prepared) return;
        var (request, call, args, _) = prepared;
        var mode = service.Mode;
        var output = request.Response;
        Decision verdict;
        if (mode == ServiceMode.Disabled)
        {
            verdict = Disabled();
        }
        else
        {
            var watch = Stopwatch.StartNew();
            verdict = service.Policy.Engine.EvaluateResponse(call, output);
            if (verdict.EvalDuration <= TimeSpan.Zero) verdict = verdict with { EvalDuration = watch.Elapsed };
        }
        var denied = verdict.Action == DecisionAction.Deny;

        var phase = new Dictionary<string, JsonElement>(args.Params, StringComparer.Ordinal)
        {
            ["rampart_phase"] = CallPreparation.Str("response"),
            ["response_bytes"] = JsonSerializer.SerializeToElement(Encoding.UTF8.GetByteCount(output), ApiJsonContext.Default.Int32),
        };
        List<string> flags = [];
        if (mode != ServiceMode.Disabled) flags.Add("response-evaluated");
        if (denied) flags.Add(mode == ServiceMode.Enforce ? "response-redacted" : "response-observed-deny");
        var recorded = await service.Recorder.RecordAsync(new DecisionRecord(call, verdict, phase, flags), context.RequestAborted);
        if (recorded.Failed && mode == ServiceMode.Enforce)
        {
            await RefuseForAuditAsync(context, recorded, "audit storage is unavailable; refusing tool response");
            return;
        }

        var response = BaseBody(verdict, recorded.AuditId);
        if (denied && mode == ServiceMode.Enforce)
        {
            response.Response = RedactedResponse;
        }
        else if (mode == ServiceMode.Monitor)
        {
            response.Enforced = false;
            if (denied)
            {
                response.Allowed = true;
                response.Decision = "allow";
                response.Message = MonitorMessage(verdict);
                response.ResponsePolicyDecision = verdict.Action.ToWire();
                response.ResponsePolicyMessage = verdict.Message;
                response.ResponseEvalDurationUs = Micros(verdict.EvalDuration);
                response.ResponsePolicy = verdict.Policy.Length == 0 ? null : verdict.Policy;
            }
        }
        await ApiResponse.WriteAsync(context, 200, response, ApiJsonContext.Default.ToolBody);
    }

    /// <summary>API-030.</summary>
    async Task PreflightAsync(HttpContext context, Caller caller)
    {
        if (await ReadCallAsync(context, caller, Route.Preflight) is not { } prepared) return;
        var (request, call, args, options) = prepared;
        var mode = service.Mode;
        var engine = service.Policy.Engine;
        var decision = mode == ServiceMode.Disabled ? Disabled() : request.Enforce ? engine.Enforce(call, options) : engine.Evaluate(call, options);

        string? auditId = null;
        if (!request.Verification)
        {
            var recorded = await service.Recorder.RecordAsync(new DecisionRecord(call, decision, args.Params), context.RequestAborted);
            if (recorded.Failed && request.Enforce && mode == ServiceMode.Enforce)
            {
                await RefuseForAuditAsync(context, recorded, "audit storage is unavailable; refusing tool call");
                return;
            }
            auditId = recorded.AuditId;
        }

        var response = new PreflightBody
        {
            Allowed = decision.IsAllowed,
            Decision = decision.Action.ToWire(),
            Message = decision.Message,
            MatchedPolicies = decision.MatchedPolicies.IsDefaultOrEmpty ? null : decision.MatchedPolicies,
            EvalDurationUs = Micros(decision.EvalDuration),
            Enforced = request.Enforce && mode == ServiceMode.Enforce,
            EnforcementRequested = request.Enforce,
            AuditId = auditId,
            Suggestions = decision.Suggestions.IsDefaultOrEmpty ? null : decision.Suggestions,
        };
        if (mode == ServiceMode.Monitor && request.Enforce)
        {
            response.PolicyDecision = decision.Action.ToWire();
            response.PolicyMessage = decision.Message;
            response.Allowed = true;
            if (!decision.IsAllowed)
            {
                response.Decision = "allow";
                response.Message = MonitorMessage(decision);
            }
        }
        await ApiResponse.WriteAsync(context, 200, response, ApiJsonContext.Default.PreflightBody);
    }

    /// <summary>API-013: a per-agent credential forces its agent, default deny and its policy profile.</summary>
    EvaluationOptions ApplyCaller(Caller caller, ToolRequest request)
    {
        if (caller.Token is not { } token) return default;
        request.Agent = token.Agent;
        return new EvaluationOptions(PolicyFilter: token.Policy.Length == 0 ? null : token.Policy, DefaultDeny: true);
    }

    enum Route { Tool, Preflight, Response }

    /// <summary>A decoded, prepared evaluation request: the body, the call to evaluate, its argument views and the caller's options (API-013).</summary>
    readonly record struct PreparedCall(ToolRequest Request, ToolCall Call, PreparedArguments Args, EvaluationOptions Options);

    /// <summary>
    /// The shared start of the three routes (API-020..API-022): read and decode the body, apply the
    /// caller, check the route's modes, prepare the call. On failure the error answer (400/403/413)
    /// is already written and null is returned. The elements of the decoded request live in
    /// unpooled documents, so nothing here needs disposing.
    /// </summary>
    async ValueTask<PreparedCall?> ReadCallAsync(HttpContext context, Caller caller, Route route)
    {
        var read = await RequestBody.ReadAsync(context, "invalid request body: ", ToolRequest.Decode);
        if (read.Value is not { } request)
        {
            await ApiResponse.ErrorAsync(context, read.Status, read.Error);
            return null;
        }
        var options = ApplyCaller(caller, request);
        // API-030: the preflight's verification checks come before the call's own.
        if (route == Route.Preflight && request.Verification && !caller.IsAdminToken)
        {
            await ApiResponse.ErrorAsync(context, 403, "verification mode requires the local admin token");
            return null;
        }
        if (route == Route.Preflight && request.Verification && request.Enforce)
        {
            await ApiResponse.ErrorAsync(context, 400, "verification and enforce modes cannot be combined");
            return null;
        }
        if (!TryPrepareCall(context, request, out var tool, out var args, out var error))
        {
            await ApiResponse.ErrorAsync(context, 400, error);
            return null;
        }
        if (route != Route.Preflight && request.Verification)
        {
            await ApiResponse.ErrorAsync(context, 400, "verification mode is only available on the preflight endpoint");
            return null;
        }
        return new PreparedCall(request, BuildCall(tool, request, args), args, options);
    }

    /// <summary>API-021/API-022: the canonical tool name from the URL and the prepared arguments; <paramref name="error"/> is the 400 message.</summary>
    static bool TryPrepareCall(HttpContext context, ToolRequest request, out string tool, out PreparedArguments args, out string error)
    {
        args = default!;
        if (!TryToolName(context, out tool, out error)) return false;
        if (CallPreparation.TryPrepare(tool, request, out args, out error)) return true;
        error = "invalid tool input: " + error;
        return false;
    }

    /// <summary>The reserved tool classes (POL-009) looked up by a slice of the request target.</summary>
    static readonly System.Collections.Frozen.FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> ReservedClasses =
        ToolNames.ReservedClasses.GetAlternateLookup<ReadOnlySpan<char>>();

    static bool TryToolName(HttpContext context, out string tool, out string error)
    {
        // The raw segment, decoded once: route values keep %2F encoded, upstream decodes it (API-006).
        ReadOnlySpan<char> target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var query = target.IndexOf('?');
        if (query >= 0) target = target[..query];
        var segment = target[(target.LastIndexOf('/') + 1)..];
        // Issue 3: a reserved class spelled canonically is its own canonical name (it has no escapes,
        // blanks or other characters TryCanonicalize would reject or change), so the interned name
        // answers without copying, unescaping or validating the segment.
        if (ReservedClasses.TryGetValue(segment, out var reserved))
        {
            tool = reserved;
            error = "";
            return true;
        }
        var raw = Uri.UnescapeDataString(segment);
        if (!ToolNames.TryCanonicalize(raw, out tool, out var detail))
        {
            error = "invalid tool name: " + detail;
            return false;
        }
        error = "";
        return true;
    }

    ToolCall BuildCall(string tool, ToolRequest request, PreparedArguments args)
    {
        var call = NewCall(tool, request, args);
        // Issue 3: what preparation already read and checked is not decoded from the JSON again.
        if (args.Inputs is { } inputs) PreparedCallInputs.Attach(call, inputs.Command, inputs.Path, inputs.Url, inputs.Domain, call.Workdir);
        return call;
    }

    ToolCall NewCall(string tool, ToolRequest request, PreparedArguments args) => new()
    {
        Tool = tool,
        Agent = request.Agent,
        Session = request.Session,
        RunId = request.RunId,
        ToolCallId = request.ToolCallId,
        Workdir = args.Workdir,
        Params = args.Params,
        Input = args.Input,
        Timestamp = service.Time.GetUtcNow(),
    };

    static Decision Disabled() => new() { Action = DecisionAction.Allow, Message = "policy evaluation disabled" };

    static ToolBody BaseBody(Decision decision, string? auditId) => new()
    {
        Allowed = decision.IsAllowed,
        Decision = decision.Action.ToWire(),
        Message = decision.Message,
        EvalDurationUs = Micros(decision.EvalDuration),
        AuditId = auditId,
        Policy = decision.Policy.Length == 0 ? null : decision.Policy,
        Suggestions = decision.Suggestions.IsDefault ? [] : decision.Suggestions,
    };

    /// <summary>API-024 monitor mode: report what the policy said, let the call through.</summary>
    static void ApplyMonitor(ToolBody body, Decision decision)
    {
        body.Enforced = false;
        body.PolicyDecision = decision.Action.ToWire();
        body.PolicyMessage = decision.Message;
        body.Allowed = true;
        if (!decision.IsAllowed)
        {
            body.Decision = "allow";
            body.Message = MonitorMessage(decision);
        }
    }

    static string MonitorMessage(Decision decision) =>
        $"monitor mode observed {decision.Action.ToWire()}; action allowed" + (decision.Message.Length > 0 ? ": " + decision.Message : "");

    async Task RefuseForAuditAsync(HttpContext context, RecordOutcome outcome, string message)
    {
        service.Log.LogError("audit write failed; refusing: error={Error}", outcome.Error);
        await ApiResponse.ErrorAsync(context, 503, message);
    }

    static long Micros(TimeSpan t) => (long)t.TotalMicroseconds;
}
