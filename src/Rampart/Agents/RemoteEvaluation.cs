using System.Buffers;
using System.Collections.Immutable;
using System.Text.Json;

namespace Rampart.Agents;

/// <summary>
/// Remote hook mode (CLI-082): the request the hook sends to <c>rampart serve</c> and how it reads the
/// answer. Pure, so the fail-closed rules are tested without a network.
/// </summary>
internal static class RemoteEvaluation
{
    public const string UnreachableRefusal = "Rampart service unreachable; refusing tool call";
    public const string UnreachableResponseRefusal = "Rampart service unreachable; refusing tool response";

    /// <summary>
    /// <c>/v1/preflight/&lt;class&gt;</c> for PreToolUse and PostToolUseFailure, <c>/v1/response/&lt;class&gt;</c>
    /// (API-130, project addition) for PostToolUse.
    /// </summary>
    public static string PathFor(HookEvent e) =>
        (e.Kind == HookEventKind.PostToolUse ? "/v1/response/" : "/v1/preflight/") + Uri.EscapeDataString(e.Tool);

    /// <summary>
    /// The JSON body (CLI-082). <paramref name="enforce"/> is false in monitor/audit mode and for
    /// PostToolUseFailure, which is a pure evaluation with agent and session left empty (CLI-076).
    /// </summary>
    public static byte[] Body(HookEvent e, string session, bool enforce)
    {
        var failure = e.Kind == HookEventKind.PostToolUseFailure;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("agent", failure ? "" : e.Agent);
            w.WriteString("session", failure ? "" : session);
            w.WriteString("run_id", e.RunId);
            w.WriteString("tool_call_id", e.ToolUseId);
            w.WriteString("cwd", e.Cwd);
            w.WritePropertyName("params");
            w.WriteStartObject();
            foreach (var (key, value) in e.Params)
            {
                w.WritePropertyName(key);
                value.WriteTo(w);
            }
            w.WriteEndObject();
            if (e.Kind == HookEventKind.PostToolUse) w.WriteString("response", e.ResponseText);
            w.WriteBoolean("enforce", enforce && !failure);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads the service's answer. Only an explicit decision counts: allow needs HTTP 200 with
    /// <c>enforced:true</c> and <c>allowed:true</c> on preflight (CLI-082); everything else is a
    /// failure the caller turns into the failure mode's answer.
    /// </summary>
    public static RemoteVerdict Interpret(HookEvent e, int status, ReadOnlySpan<byte> body)
    {
        if (status != 200) return RemoteVerdict.Failed($"HTTP {status}");
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(body.ToArray());
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return RemoteVerdict.Failed("unparseable response body");
        }
        if (root.ValueKind != JsonValueKind.Object) return RemoteVerdict.Failed("response body is not a JSON object");

        var decision = String(root, "decision");
        var message = String(root, "message");
        var allowed = Bool(root, "allowed");
        var enforced = Bool(root, "enforced");
        var policy = String(root, "policy");
        if (policy.Length == 0 && root.TryGetProperty("matched_policies", out var matched) && matched.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in matched.EnumerateArray())
            {
                if (m.ValueKind == JsonValueKind.String) { policy = m.GetString()!; break; }
            }
        }
        var suggestions = ImmutableArray.CreateBuilder<string>();
        if (root.TryGetProperty("suggestions", out var sugg) && sugg.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in sugg.EnumerateArray())
            {
                if (s.ValueKind == JsonValueKind.String) suggestions.Add(s.GetString()!);
            }
        }
        HookAnswer Refuse(HookVerdict verdict, string reason) =>
            new(verdict, reason) { Policy = policy, Suggestions = suggestions.ToImmutable(), FromProjectPolicy = reason.StartsWith("[Project Policy] ", StringComparison.Ordinal) };

        switch (decision)
        {
            case "deny":
                return RemoteVerdict.Of(Refuse(HookVerdict.Deny, message));
            case "webhook":
                return RemoteVerdict.Of(Refuse(HookVerdict.Deny, ClaudeHookMapping.WebhookRefusal));
            case "ask" or "require_approval" when e.Kind == HookEventKind.PreToolUse:
                return RemoteVerdict.Of(Refuse(HookVerdict.Ask, message));
        }
        if (e.Kind == HookEventKind.PostToolUse)
        {
            // The response route reports a blocked response as allowed:false (API-028 semantics).
            if (allowed == true && decision is "allow" or "watch") return RemoteVerdict.Of(HookAnswer.Allow);
            if (allowed == false) return RemoteVerdict.Of(Refuse(HookVerdict.Deny, message.Length > 0 ? message : "response blocked by policy"));
            return RemoteVerdict.Failed("response did not carry a decision");
        }
        if (e.Kind == HookEventKind.PostToolUseFailure)
            return decision is "allow" or "watch" or "ask" or "require_approval" ? RemoteVerdict.Of(HookAnswer.Allow) : RemoteVerdict.Failed("response did not carry a decision");
        if (decision is "allow" or "watch" && allowed == true && enforced == true) return RemoteVerdict.Of(HookAnswer.Allow);
        if (enforced == false) return RemoteVerdict.Failed("the service did not enforce the decision (enforced:false)");
        return RemoteVerdict.Failed($"unexpected decision \"{decision}\"");
    }

    static string String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    static bool? Bool(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null } : null;
}

/// <summary>Either the service's answer, or why there is none (<see cref="FailureDetail"/>).</summary>
internal sealed record RemoteVerdict(HookAnswer? Answer, string FailureDetail)
{
    public static RemoteVerdict Of(HookAnswer answer) => new(answer, "");
    public static RemoteVerdict Failed(string detail) => new(null, detail);
    public bool IsFailure => Answer is null;
}
