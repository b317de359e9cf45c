using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Rampart.Agents;
using Rampart.Core.Evaluation;

namespace Rampart.Server;

/// <summary>
/// <c>POST /v1/hooks/claude-code</c> (issue 7, project addition): Claude Code's HTTP hook form, so
/// no process is spawned per tool call. The body is the hook event exactly as Claude Code POSTs it;
/// the answer is always 200 with the hook's JSON output (CLI-077) — deny and block included — because
/// Claude Code treats a non-2xx answer as "not blocking" unless the hook sets <c>onFailure: block</c>.
/// Evaluation and audit follow the command hook (CLI-076, AUD-063) with the service's policy and mode.
/// </summary>
internal sealed class ClaudeHookEndpoint(RunningService service)
{
    public const string Path = "/v1/hooks/claude-code";
    /// <summary>Optional request header with the session label the command hook derives from git (CLI-074); the server does not run git in the agent's directory.</summary>
    public const string SessionHeader = "X-Rampart-Session";

    internal const string AuditRefusal = "Rampart audit storage is unavailable; refusing host data";
    internal const string InternalRefusal = "Rampart hook failed internally; refusing tool call";
    internal const string HeadlessOnlyRefusal =
        "this call needs an approval through rampart serve (ask.headless_only), which the HTTP hook cannot wait for; refusing tool call";

    static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(30);
    static readonly IReadOnlyDictionary<string, JsonElement> NoRequest = new Dictionary<string, JsonElement>();

    public void Map(IEndpointRouteBuilder app) => app.MapPost(Path, HandleAsync);

    async Task HandleAsync(HttpContext context)
    {
        var enforcing = service.Mode == ServiceMode.Enforce;
        string output;
        try
        {
            var auth = service.Authenticate(context, Authenticator.BearerOf(context.Request.Headers.Authorization), TokenScopes.Eval);
            var payload = await ReadPayloadAsync(context);
            var input = ClaudeHookMapping.Parse(payload, default);
            if (auth.Caller is null)
            {
                // Refused, but still in the hook's language: a bad credential must not turn the guard off.
                service.Log.LogWarning("claude-code hook refused: status={Status} error={Error}", auth.Status, auth.Error);
                output = Refusal(input, auth.Error + "; refusing tool call");
            }
            else
            {
                output = await AnswerAsync(context, auth.Caller, input, enforcing);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            service.Log.LogError(e, "claude-code hook failed");
            output = ClaudeHookOutput.Render(HookEventKind.PreToolUse, enforcing ? new HookAnswer(HookVerdict.Deny, InternalRefusal) : HookAnswer.Allow);
        }
        var bytes = Encoding.UTF8.GetBytes(output);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    async Task<string> AnswerAsync(HttpContext context, Caller caller, HookInput input, bool enforcing)
    {
        var ct = context.RequestAborted;
        switch (input.Status)
        {
            case HookInputStatus.Empty:
                return ClaudeHookOutput.Render(HookEventKind.PreToolUse, HookAnswer.Allow); // CLI-079: allow, no audit
            case HookInputStatus.Invalid:
            {
                var answer = ClaudeHookMapping.RenderParseFailure(input, enforcing);
                var decision = new Decision { Action = enforcing ? DecisionAction.Deny : DecisionAction.Allow, Message = "parse failure: " + input.Error };
                var call = new ToolCall { Tool = "unknown", Agent = caller.Token?.Agent ?? ClaudeHookParser.Agent, Timestamp = service.Time.GetUtcNow() };
                var request = new Dictionary<string, JsonElement> { ["raw_error"] = CallPreparation.Str(input.Error) };
                await service.Recorder.RecordAsync(new DecisionRecord(call, decision, request), ct); // already a refusal in enforce
                return answer;
            }
        }

        var e = input.Event!;
        var session = e.Kind == HookEventKind.PostToolUseFailure ? "" : context.Request.Headers[SessionHeader].ToString().Trim();
        var call0 = ClaudeHookMapping.ToToolCall(e, session) with { Timestamp = service.Time.GetUtcNow() };
        // API-013: a per-agent credential forces its agent, default deny and its policy profile.
        var options = default(EvaluationOptions);
        if (caller.Token is { } token)
        {
            if (e.Kind != HookEventKind.PostToolUseFailure) call0 = call0 with { Agent = token.Agent };
            options = new EvaluationOptions(PolicyFilter: token.Policy.Length == 0 ? null : token.Policy, DefaultDeny: true);
        }
        return e.Kind switch
        {
            HookEventKind.PreToolUse => await PreToolUseAsync(e, call0, options, enforcing, ct),
            HookEventKind.PostToolUse => await PostToolUseAsync(e, call0, enforcing, ct),
            _ => await PostToolUseFailureAsync(e, call0, options, enforcing, ct),
        };
    }

    async Task<string> PreToolUseAsync(HookEvent e, ToolCall call, EvaluationOptions options, bool enforcing, CancellationToken ct)
    {
        var mode = service.Mode;
        var decision = mode == ServiceMode.Disabled ? Disabled() : service.Policy.Engine.Enforce(call, options);
        var now = service.Time.GetUtcNow();
        service.Metrics.Observe(decision.Action.ToWire(), decision.Policy, decision.EvalDuration, service.Policy.Config.Policies.Length, service.Approvals.PendingCount, now);
        if (!await RecordAsync(new DecisionRecord(call, decision, e.Params), enforcing, ct)) return Render(e, AuditRefusal);

        if (enforcing && decision.Action == DecisionAction.Webhook)
        {
            // The service can run webhooks, unlike a native hook (CLI-076): decide as the tool route does (API-026).
            decision = await service.Webhooks.DecideAsync(call, decision, now, ct);
            if (!await RecordAsync(new DecisionRecord(call, decision, e.Params), enforcing, ct)) return Render(e, AuditRefusal);
        }
        if (enforcing && decision.Action == DecisionAction.Ask && decision.HeadlessOnly)
        {
            // CLI-080: headless_only forbids the native prompt; an HTTP hook cannot wait minutes for a resolution.
            return ClaudeHookMapping.Render(e, ClaudeHookMapping.Answer(decision) with { Verdict = HookVerdict.Deny, Reason = HeadlessOnlyRefusal });
        }
        return ClaudeHookMapping.Render(e, ClaudeHookMapping.Answer(decision, enforcing));
    }

    async Task<string> PostToolUseAsync(HookEvent e, ToolCall call, bool enforcing, CancellationToken ct)
    {
        // Nothing came back from the tool: nothing for response rules to see (no audit, as the command hook).
        if (e.ToolResponse is null) return ClaudeHookMapping.Render(e, HookAnswer.Allow);
        var mode = service.Mode;
        Decision verdict;
        if (mode == ServiceMode.Disabled) verdict = Disabled();
        else if (e.Tool == "unknown") verdict = new Decision { Action = DecisionAction.Deny, Message = ClaudeHookMapping.UnknownResponseRefusal };
        else verdict = service.Policy.Engine.EvaluateResponse(call, e.ResponseText);

        var denied = verdict.Action == DecisionAction.Deny;
        // AUD-061 shape: the params plus the phase keys; the output itself is never recorded.
        var request = new Dictionary<string, JsonElement>(e.Params, StringComparer.Ordinal)
        {
            ["rampart_phase"] = CallPreparation.Str("response"),
            ["response_bytes"] = JsonSerializer.SerializeToElement(Encoding.UTF8.GetByteCount(e.ResponseText), ApiJsonContext.Default.Int32),
        };
        List<string> flags = [];
        if (mode != ServiceMode.Disabled) flags.Add("response-evaluated");
        if (denied) flags.Add(enforcing ? "response-redacted" : "response-observed-deny");
        if (!await RecordAsync(new DecisionRecord(call, verdict, request, flags), enforcing, ct)) return Render(e, AuditRefusal);
        return ClaudeHookMapping.Render(e, ClaudeHookMapping.Answer(verdict, enforcing));
    }

    async Task<string> PostToolUseFailureAsync(HookEvent e, ToolCall call, EvaluationOptions options, bool enforcing, CancellationToken ct)
    {
        // CLI-076: a pure evaluation; only a deny says anything (guidance), recorded as feedback (AUD-063).
        var decision = service.Mode == ServiceMode.Disabled ? Disabled() : service.Policy.Engine.Evaluate(call, options);
        if (decision.Action != DecisionAction.Deny) return ClaudeHookMapping.Render(e, HookAnswer.Allow);
        if (!await RecordAsync(new DecisionRecord(call, decision, e.Params) { ActionText = "feedback" }, enforcing, ct)) return Render(e, AuditRefusal);
        return ClaudeHookMapping.Render(e, ClaudeHookMapping.Answer(decision, enforcing));
    }

    /// <summary>False when the record could not be written and the service enforces (fail closed, CLI-076).</summary>
    async Task<bool> RecordAsync(DecisionRecord record, bool enforcing, CancellationToken ct)
    {
        var outcome = await service.Recorder.RecordAsync(record, ct);
        if (!outcome.Failed) return true;
        service.Log.LogError("audit write failed; claude-code hook refuses: error={Error}", outcome.Error);
        return !enforcing;
    }

    static string Render(HookEvent e, string refusal) => ClaudeHookMapping.Render(e, new HookAnswer(HookVerdict.Deny, refusal));

    /// <summary>A refusal for whatever the payload was: deny on PreToolUse, block on PostToolUse; a failed call has nothing left to refuse.</summary>
    static string Refusal(HookInput input, string reason)
    {
        if (input.Event is { } e)
            return e.Kind == HookEventKind.PostToolUseFailure ? ClaudeHookMapping.Render(e, HookAnswer.Allow) : Render(e, reason);
        return ClaudeHookOutput.Render(input.IsPostTool ? HookEventKind.PostToolUse : HookEventKind.PreToolUse, new HookAnswer(HookVerdict.Deny, reason), input.ToolResponse);
    }

    static Decision Disabled() => new() { Action = DecisionAction.Allow, Message = "policy evaluation disabled" };

    /// <summary>
    /// The body, up to one byte past the hook's 4 MiB input limit (CLI-071) so the parser reports an
    /// oversized payload as the command hook does; the API's 1 MiB limit (API-003) would turn large
    /// tool outputs into transport failures instead of decisions.
    /// </summary>
    static async Task<byte[]> ReadPayloadAsync(HttpContext context)
    {
        const int cap = ClaudeHookParser.MaxInputBytes + 1;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(ReadDeadline);
        var buffer = new ArrayBufferWriter<byte>(context.Request.ContentLength is { } n and > 0 and < cap ? (int)n : 16 * 1024);
        var body = context.Request.Body;
        while (buffer.WrittenCount < cap)
        {
            var want = Math.Min(64 * 1024, cap - buffer.WrittenCount);
            var read = await body.ReadAsync(buffer.GetMemory(want)[..want], deadline.Token);
            if (read == 0) break;
            buffer.Advance(read);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
