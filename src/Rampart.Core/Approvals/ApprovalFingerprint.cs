using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rampart.Core.Evaluation;

namespace Rampart.Core.Approvals;

/// <summary>
/// The identity of a call for approvals (API-042, API-045): SHA-256 over a canonical JSON object
/// <c>{agent, agent_depth, session, run_id, tool_call_id, tool, workdir, params, input}</c> with
/// every map's keys sorted, so the same call always hashes the same and any changed field does not.
/// </summary>
public static class ApprovalFingerprint
{
    /// <summary>Lower-case hex SHA-256 of the canonical form of <paramref name="call"/>.</summary>
    public static string Of(ToolCall call)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("agent", call.Agent);
            w.WriteNumber("agent_depth", call.AgentDepth);
            w.WriteString("session", call.Session);
            w.WriteString("run_id", call.RunId);
            w.WriteString("tool_call_id", call.ToolCallId);
            w.WriteString("tool", call.Tool);
            w.WriteString("workdir", call.Workdir);
            w.WritePropertyName("params");
            WriteMap(w, call.Params);
            w.WritePropertyName("input");
            if (call.Input is null) w.WriteNullValue();
            else WriteMap(w, call.Input);
            w.WriteEndObject();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>
    /// The key a replay grant is filed under, or null when the call cannot be replayed (run_id or
    /// tool_call_id empty, API-045). Owner-bound keys keep one agent's approval from serving another.
    /// </summary>
    public static string? ReplayKey(ToolCall call, string ownerScope) =>
        call.RunId.Length == 0 || call.ToolCallId.Length == 0 ? null : Bind(Of(call), ownerScope);

    /// <summary>The key used to find a duplicate pending request (API-042): only calls with a tool_call_id.</summary>
    public static string? DedupKey(ToolCall call, string ownerScope) =>
        call.ToolCallId.Length == 0 ? null : Bind(Of(call), ownerScope);

    static string Bind(string fingerprint, string ownerScope) =>
        ownerScope.Length == 0 ? fingerprint : "v2-" + Sha256Hex($"approval-replay-v2\0{fingerprint}\0{ownerScope}");

    /// <summary>The owner scope of a per-agent credential: <c>sha256_hex("approval-owner-v1" 0x00 token_hash)</c> (API-040).</summary>
    public static string OwnerScopeOf(string tokenHash) => Sha256Hex("approval-owner-v1\0" + tokenHash);

    /// <summary>Display label of an owner scope (API-040).</summary>
    public static string CredentialOwner(string ownerScope) =>
        ownerScope.Length == 0 ? "server/admin" : "credential-" + ownerScope[..Math.Min(12, ownerScope.Length)];

    /// <summary>Whether <paramref name="ownerScope"/> is a valid owner-bound scope (64 lower-case hex).</summary>
    public static bool IsOwnerScope(string ownerScope)
    {
        if (ownerScope.Length != 64) return false;
        foreach (var c in ownerScope)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        }
        return true;
    }

    static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    static void WriteMap(Utf8JsonWriter w, IReadOnlyDictionary<string, JsonElement> map)
    {
        var keys = new string[map.Count];
        var i = 0;
        foreach (var k in map.Keys) keys[i++] = k;
        Array.Sort(keys, StringComparer.Ordinal);
        w.WriteStartObject();
        foreach (var k in keys)
        {
            w.WritePropertyName(k);
            WriteValue(w, map[k]);
        }
        w.WriteEndObject();
    }

    static void WriteValue(Utf8JsonWriter w, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new List<string>();
                foreach (var p in value.EnumerateObject()) names.Add(p.Name);
                names.Sort(StringComparer.Ordinal);
                w.WriteStartObject();
                // Duplicate keys keep the last value, as a decoder into a map would.
                string? previous = null;
                foreach (var name in names)
                {
                    if (name == previous) continue;
                    previous = name;
                    JsonElement last = default;
                    foreach (var p in value.EnumerateObject())
                    {
                        if (p.Name == name) last = p.Value;
                    }
                    w.WritePropertyName(name);
                    WriteValue(w, last);
                }
                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in value.EnumerateArray()) WriteValue(w, item);
                w.WriteEndArray();
                break;
            default:
                // Strings are re-escaped by the writer; numbers, booleans and null keep their text.
                value.WriteTo(w);
                break;
        }
    }
}
