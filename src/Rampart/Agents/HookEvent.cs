using System.Collections.Immutable;
using System.Text.Json;

namespace Rampart.Agents;

/// <summary>The Claude Code hook events Rampart answers (CLI-070).</summary>
public enum HookEventKind
{
    PreToolUse,
    PostToolUse,
    PostToolUseFailure,
}

/// <summary>
/// One validated Claude Code hook event (CLI-071..CLI-074). <see cref="Params"/> is the normalised
/// <c>tool_input</c> (aliases resolved, canonical keys written back); it is both params and input of the call.
/// </summary>
public sealed record HookEvent
{
    public HookEventKind Kind { get; init; }
    /// <summary>Always <c>claude-code</c> for this host (CLI-074).</summary>
    public string Agent { get; init; } = "claude-code";
    /// <summary>Claude's own tool name (<c>Bash</c>, <c>mcp__fs__read_file</c>).</summary>
    public string ToolName { get; init; } = "";
    /// <summary>Rampart tool class (<c>exec</c>, <c>read</c>, <c>mcp-destructive</c>, …; <c>unknown</c> only on post events).</summary>
    public string Tool { get; init; } = "";
    public IReadOnlyDictionary<string, JsonElement> Params { get; init; } = ImmutableDictionary<string, JsonElement>.Empty;
    public string SessionId { get; init; } = "";
    public string Cwd { get; init; } = "";
    public string ToolUseId { get; init; } = "";
    /// <summary>RAMPART_RUN → session_id → CLAUDE_CONVERSATION_ID (CLI-074).</summary>
    public string RunId { get; init; } = "";
    public int AgentDepth { get; init; }
    /// <summary>The host's <c>tool_response</c>, if the payload had one.</summary>
    public JsonElement? ToolResponse { get; init; }
    /// <summary>The text response rules scan (CLI-076); "" without a response.</summary>
    public string ResponseText { get; init; } = "";

    public bool IsPostTool => Kind is not HookEventKind.PreToolUse;
}

/// <summary>What the hook tells Claude Code: allow, deny (a block on post events) or ask, with the reason.</summary>
public enum HookVerdict
{
    Allow,
    Deny,
    Ask,
}

/// <summary>The hook's answer to one event; <see cref="Reason"/> is shown to the model prefixed with <c>Rampart: </c> (CLI-077).</summary>
public sealed record HookAnswer(HookVerdict Verdict, string Reason = "")
{
    public static readonly HookAnswer Allow = new(HookVerdict.Allow);

    /// <summary>First matched policy, for the PostToolUseFailure guidance.</summary>
    public string Policy { get; init; } = "";
    public bool FromProjectPolicy { get; init; }
    public ImmutableArray<string> Suggestions { get; init; } = [];
}

/// <summary>Process values the hook mapping reads (CLI-004); passed in so the mapping stays pure.</summary>
/// <param name="RunOverride">RAMPART_RUN.</param>
/// <param name="ConversationId">CLAUDE_CONVERSATION_ID.</param>
/// <param name="AgentDepth">RAMPART_AGENT_DEPTH, already parsed (invalid/negative → 0).</param>
public readonly record struct HookEnvironment(string RunOverride = "", string ConversationId = "", int AgentDepth = 0)
{
    public static HookEnvironment FromProcess() => new(
        Environment.GetEnvironmentVariable("RAMPART_RUN")?.Trim() ?? "",
        Environment.GetEnvironmentVariable("CLAUDE_CONVERSATION_ID")?.Trim() ?? "",
        ParseDepth(Environment.GetEnvironmentVariable("RAMPART_AGENT_DEPTH")));

    public static int ParseDepth(string? value) =>
        int.TryParse(value?.Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var d) && d > 0 ? d : 0;
}

/// <summary>Outcome of reading the hook's stdin.</summary>
public enum HookInputStatus
{
    Parsed,
    /// <summary>Empty stdin or a clean end of input: upstream answers allow (CLI-079, kept).</summary>
    Empty,
    Invalid,
}

/// <summary>
/// The result of parsing one hook payload. For <see cref="HookInputStatus.Invalid"/> the event may still
/// be known to be a post-tool one (so the failure is a block, with the response redacted if present).
/// </summary>
public sealed record HookInput(HookInputStatus Status, HookEvent? Event, string Error, bool IsPostTool, JsonElement? ToolResponse)
{
    public static HookInput Valid(HookEvent e) => new(HookInputStatus.Parsed, e, "", e.IsPostTool, e.ToolResponse);
    public static readonly HookInput EmptyInput = new(HookInputStatus.Empty, null, "", false, null);
}
