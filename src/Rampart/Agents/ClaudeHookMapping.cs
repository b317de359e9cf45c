using Rampart.Core.Evaluation;

namespace Rampart.Agents;

/// <summary>
/// The Claude Code hook protocol as pure functions, shared by <c>rampart hook</c> and the server's
/// <c>POST /v1/hooks/claude-code</c>: payload → <see cref="HookEvent"/> → <see cref="ToolCall"/>;
/// <see cref="Decision"/> → <see cref="HookAnswer"/> → output JSON.
/// </summary>
internal static class ClaudeHookMapping
{
    public const string WebhookRefusal = "Rampart native hooks do not execute webhook policy actions; refusing tool call";
    public const string UnknownResponseRefusal = "unsupported host tool response; update Rampart before exposing its output";

    /// <summary>Parses and validates one hook payload (CLI-071..CLI-074).</summary>
    public static HookInput Parse(ReadOnlySpan<byte> payload, HookEnvironment env) => ClaudeHookParser.Parse(payload, env);

    /// <summary>
    /// The call to evaluate (CLI-074). PostToolUseFailure is a pure evaluation of tool, workdir and
    /// params: agent and session stay empty (CLI-076).
    /// </summary>
    public static ToolCall ToToolCall(HookEvent e, string session)
    {
        var failure = e.Kind == HookEventKind.PostToolUseFailure;
        return new ToolCall
        {
            Tool = e.Tool,
            Agent = failure ? "" : e.Agent,
            Session = failure ? "" : session,
            AgentDepth = e.AgentDepth,
            Workdir = e.Cwd,
            Params = e.Params,
            Input = e.Params,
            RunId = e.RunId,
            ToolCallId = e.ToolUseId,
            Timestamp = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>
    /// What a policy decision means for the hook (CLI-076/077). Monitor and audit modes always allow;
    /// <c>webhook</c> is refused because a hook cannot run it.
    /// </summary>
    public static HookAnswer Answer(Decision decision, bool isEnforcing = true)
    {
        if (!isEnforcing) return HookAnswer.Allow;
        var message = Message(decision);
        var answer = decision.Action switch
        {
            DecisionAction.Allow or DecisionAction.Watch => HookAnswer.Allow,
            DecisionAction.Deny => new HookAnswer(HookVerdict.Deny, message),
            DecisionAction.Ask => new HookAnswer(HookVerdict.Ask, message),
            DecisionAction.Webhook => new HookAnswer(HookVerdict.Deny, WebhookRefusal),
            _ => new HookAnswer(HookVerdict.Deny, message),
        };
        return answer.Verdict == HookVerdict.Allow
            ? answer
            : answer with { Policy = decision.Policy, FromProjectPolicy = decision.FromProjectPolicy, Suggestions = decision.Suggestions };
    }

    /// <summary>The decision's message as the hook reports it: project-layer decisions carry <c>[Project Policy] </c> (CLI-075).</summary>
    public static string Message(Decision decision) =>
        decision.FromProjectPolicy && !decision.Message.StartsWith("[Project Policy] ", StringComparison.Ordinal)
            ? "[Project Policy] " + decision.Message
            : decision.Message;

    /// <summary>The stdout JSON (with newline) for an answer to <paramref name="e"/> (CLI-077).</summary>
    public static string Render(HookEvent e, HookAnswer answer) =>
        ClaudeHookOutput.Render(e.Kind, answer, e.ToolResponse, Subject(e));

    /// <summary>The answer to a payload that failed to parse (CLI-079): enforce denies/blocks, other modes allow.</summary>
    public static string RenderParseFailure(HookInput input, bool isEnforcing)
    {
        var kind = input.IsPostTool ? HookEventKind.PostToolUse : HookEventKind.PreToolUse;
        var answer = isEnforcing ? new HookAnswer(HookVerdict.Deny, "parse failure: " + input.Error) : HookAnswer.Allow;
        return ClaudeHookOutput.Render(kind, answer, input.ToolResponse);
    }

    /// <summary>What <c>rampart policy explain</c> should be pointed at: the command, path or URL, else the tool class.</summary>
    static string Subject(HookEvent e)
    {
        foreach (var key in (ReadOnlySpan<string>)["command", "path", "url"])
        {
            if (e.Params.TryGetValue(key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String && v.GetString() is { Length: > 0 } s)
                return s;
        }
        return e.Tool;
    }
}
