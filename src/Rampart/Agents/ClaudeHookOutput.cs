using System.Text;
using System.Text.Json;

namespace Rampart.Agents;

/// <summary>Claude Code's hook output JSON for an answer (CLI-077): one line, key order and escaping as upstream.</summary>
internal static class ClaudeHookOutput
{
    public const string ReasonPrefix = "Rampart: ";

    /// <summary>
    /// The stdout text (with its trailing newline) for <paramref name="answer"/> to an event of kind
    /// <paramref name="kind"/>. A deny on a post event is a block; <paramref name="toolResponse"/> is
    /// echoed back redacted. <paramref name="subject"/> names the operation in PostToolUseFailure guidance.
    /// </summary>
    public static string Render(HookEventKind kind, HookAnswer answer, JsonElement? toolResponse = null, string subject = "")
    {
        var sb = new StringBuilder(128);
        switch (kind)
        {
            case HookEventKind.PreToolUse:
                sb.Append("{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"");
                sb.Append(answer.Verdict switch { HookVerdict.Deny => "deny", HookVerdict.Ask => "ask", _ => "allow" }).Append('"');
                if (answer.Verdict != HookVerdict.Allow)
                {
                    sb.Append(",\"permissionDecisionReason\":");
                    GoJson.WriteString(sb, ReasonPrefix + answer.Reason);
                }
                sb.Append("}}");
                break;
            case HookEventKind.PostToolUse:
                if (answer.Verdict != HookVerdict.Deny) { sb.Append("{}"); break; }
                sb.Append("{\"decision\":\"block\",\"reason\":");
                GoJson.WriteString(sb, ReasonPrefix + answer.Reason);
                if (toolResponse is { } response)
                {
                    sb.Append(",\"hookSpecificOutput\":{\"hookEventName\":\"PostToolUse\",\"updatedToolOutput\":");
                    sb.Append(ToolResponseText.RedactedJson(response));
                    sb.Append('}');
                }
                sb.Append('}');
                break;
            case HookEventKind.PostToolUseFailure:
                if (answer.Verdict != HookVerdict.Deny) { sb.Append("{}"); break; }
                sb.Append("{\"hookSpecificOutput\":{\"hookEventName\":\"PostToolUseFailure\",\"additionalContext\":");
                GoJson.WriteString(sb, Guidance(answer, subject));
                sb.Append("}}");
                break;
        }
        return sb.Append('\n').ToString();
    }

    /// <summary>
    /// What the model reads after a failed call that policy denies (CLI-077): why, that it must not
    /// retry or work around it, where a human can look, and the suggestions only a human may run.
    /// </summary>
    public static string Guidance(HookAnswer answer, string subject)
    {
        var sb = new StringBuilder();
        if (answer.Reason.Length > 0)
        {
            sb.Append("⛔ Blocked [").Append(answer.Policy.Length > 0 ? answer.Policy : "rampart").Append(']');
            if (answer.FromProjectPolicy) sb.Append(" [Project Policy]");
            sb.Append(": ").Append(answer.Reason).Append("\n\n");
        }
        sb.Append("This operation is restricted by Rampart policy. Do not retry it and do not try to work around the restriction ")
          .Append("(for example with a different command or tool that achieves the same effect).\n");
        sb.Append("To see which rule applies, a human can run: rampart policy explain ").Append(ShellQuote(subject))
          .Append("\nTo watch decisions live: rampart watch");
        if (!answer.Suggestions.IsDefaultOrEmpty)
        {
            sb.Append("\n\nIf this operation is needed, a human must run one of these (do not run them yourself):");
            foreach (var s in answer.Suggestions) sb.Append("\n  ").Append(s);
        }
        return sb.ToString();
    }

    /// <summary>POSIX single quoting.</summary>
    public static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
