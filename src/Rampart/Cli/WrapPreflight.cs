using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Rampart.Cli;

/// <summary>What the shim does with one command: run it, or refuse with exit 126 and <see cref="Message"/>.</summary>
internal enum WrapOutcome
{
    /// <summary>The service allowed it and confirmed it enforced the decision.</summary>
    Allowed,
    /// <summary>The service decided against it (deny, ask, webhook).</summary>
    Blocked,
    /// <summary>No confirmed decision: unreachable, an error status, <c>enforced:false</c> (monitor mode) … (SEC-042).</summary>
    Unconfirmed,
}

/// <summary>The shim's reading of a preflight answer; <see cref="Message"/> is the line for stderr (without the <c>rampart:</c> prefix).</summary>
internal sealed record WrapVerdict(WrapOutcome Outcome, string Message, IReadOnlyList<string> Suggestions)
{
    public static WrapVerdict Unconfirmed(string detail) => new(WrapOutcome.Unconfirmed, detail, []);
}

/// <summary>
/// The request <c>rampart wrap</c>'s shell shim sends before each <c>-c</c> command and how it reads
/// the answer (CLI-095): <c>POST /v1/preflight/exec</c> with the command as <c>command_b64</c> and
/// <c>enforce: true</c>; only an answer that is allowed <b>and</b> enforced lets the command run,
/// everything else blocks with exit 126 (SEC-042). Pure, so the rules are tested without a server.
/// </summary>
internal static class WrapPreflight
{
    public const string Path = "/v1/preflight/exec";

    /// <summary>Exit status of a refused command: "found but not executable", as a shell reports a command it may not run.</summary>
    public const int BlockedExitCode = 126;

    /// <summary>
    /// The body. The command travels base64-encoded in <c>params.command_b64</c> (API-022): it
    /// reaches the policy byte for byte, whatever quoting or newlines it holds.
    /// </summary>
    public static byte[] Body(string command, string agent, string session, string cwd)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("agent", agent);
            w.WriteString("session", session);
            w.WriteString("cwd", cwd);
            w.WritePropertyName("params");
            w.WriteStartObject();
            w.WriteString("command_b64", Convert.ToBase64String(Encoding.UTF8.GetBytes(command)));
            w.WriteEndObject();
            w.WriteBoolean("enforce", true);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the service's answer (API-030 fields <c>allowed</c>, <c>enforced</c>, <c>decision</c>, <c>message</c>, <c>matched_policies</c>, <c>suggestions</c>).</summary>
    public static WrapVerdict Interpret(int status, ReadOnlySpan<byte> body)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(body.ToArray());
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return WrapVerdict.Unconfirmed(status == 200 ? "unparseable response body" : $"HTTP {status}");
        }
        if (root.ValueKind != JsonValueKind.Object) return WrapVerdict.Unconfirmed($"HTTP {status}: response body is not a JSON object");
        if (status != 200)
        {
            var error = String(root, "error");
            return WrapVerdict.Unconfirmed(error.Length > 0 ? $"HTTP {status}: {error}" : $"HTTP {status}");
        }

        var decision = String(root, "decision");
        var message = String(root, "message");
        var policy = "";
        if (root.TryGetProperty("matched_policies", out var matched) && matched.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in matched.EnumerateArray())
            {
                if (m.ValueKind == JsonValueKind.String) { policy = m.GetString()!; break; }
            }
        }
        var suggestions = new List<string>();
        if (root.TryGetProperty("suggestions", out var sugg) && sugg.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in sugg.EnumerateArray())
            {
                if (s.ValueKind == JsonValueKind.String) suggestions.Add(s.GetString()!);
            }
        }
        var byPolicy = policy.Length > 0 ? $" by policy \"{policy}\"" : "";
        var allowed = Bool(root, "allowed");
        var enforced = Bool(root, "enforced");
        switch (decision)
        {
            case "deny":
                return new WrapVerdict(WrapOutcome.Blocked, $"command blocked{byPolicy}: {(message.Length > 0 ? message : "denied")}", suggestions);
            case "ask" or "require_approval":
                return new WrapVerdict(WrapOutcome.Blocked,
                    $"command needs approval{byPolicy}{(message.Length > 0 ? ": " + message : "")}; a wrapped shell cannot wait for one, so it is blocked", suggestions);
            case "webhook":
                return new WrapVerdict(WrapOutcome.Blocked, $"command blocked{byPolicy}: its rule defers to a webhook, which preflight does not call", suggestions);
        }
        // In monitor mode the service answers allowed:true, enforced:false: nothing was enforced (API-030).
        if (enforced != true) return WrapVerdict.Unconfirmed("the service did not confirm enforcement (enforced is not true; is it in monitor mode?)");
        if (allowed == true && decision is "allow" or "watch") return new WrapVerdict(WrapOutcome.Allowed, message, suggestions);
        return WrapVerdict.Unconfirmed($"unexpected answer (decision \"{decision}\", allowed {(allowed is { } a ? a ? "true" : "false" : "missing")})");
    }

    static string String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    static bool? Bool(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null } : null;
}
