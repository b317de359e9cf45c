using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rampart.Core.Evaluation;

namespace Rampart.Server;

/// <summary>What one audit record of a tool call says (AUD-060/AUD-061), before the writer adds ids, host and hashes.</summary>
/// <param name="Request">The canonicalised params plus any phase keys (never <c>input</c>, AUD-060).</param>
/// <param name="ResponseFlags">Non-null for response-phase records (AUD-012 flags).</param>
internal sealed record DecisionRecord(ToolCall Call, Decision Decision, IReadOnlyDictionary<string, JsonElement> Request, IReadOnlyList<string>? ResponseFlags = null)
{
    /// <summary>A fixed event id (approval resolutions reuse the approval id, AUD-062); null = a new ULID.</summary>
    public string? EventId { get; init; }
    /// <summary>A decision action outside the policy vocabulary (AUD-062: approved, denied, authorized); null = the decision's.</summary>
    public string? ActionText { get; init; }
}

/// <summary>The result of recording: the audit id once durable, or why it could not be written.</summary>
internal readonly record struct RecordOutcome(string? AuditId, string? Error)
{
    public bool Failed => Error is not null;
}

/// <summary>
/// The one place the server hands decisions to the audit trail (AUD-055): <see cref="RecordAsync"/>
/// completes only once the record is durable, so callers send a decision response strictly after
/// it. Every recorded event is also broadcast to SSE subscribers (API-080).
/// </summary>
/// <remarks>
/// Wiring point for the audit writer (issue: audit). Until it is wired the recorder runs without
/// a trail: it assigns ids, broadcasts, and reports <see cref="IsConfigured"/> false.
/// </remarks>
internal sealed class DecisionRecorder : IAsyncDisposable
{
    readonly EventBroadcaster _events;
    readonly TimeProvider _time;

    public DecisionRecorder(string? auditDir, EventBroadcaster events, TimeProvider time)
    {
        AuditDir = auditDir;
        _events = events;
        _time = time;
    }

    public string? AuditDir { get; }

    /// <summary>Whether records go to a durable audit trail.</summary>
    public bool IsConfigured => false;

    /// <summary>Whether the last append succeeded (always true without a trail).</summary>
    public bool IsHealthy => true;

    public string? LastError => null;

    public ValueTask<RecordOutcome> RecordAsync(DecisionRecord record, CancellationToken cancellationToken)
    {
        var id = record.EventId ?? NewUlid(_time.GetUtcNow());
        _events.Publish(AuditEventFrame(id, _time.GetUtcNow(), record));
        return ValueTask.FromResult(new RecordOutcome(id, null));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary><c>{"type":"audit","event":…}</c> in the audit JSON shape (AUD-010), before hashing.</summary>
    internal static string AuditEventFrame(string id, DateTimeOffset timestamp, DecisionRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "audit");
            w.WritePropertyName("event");
            w.WriteStartObject();
            w.WriteString("schema_version", "rampart.audit.v1");
            w.WriteString("id", id);
            w.WriteString("timestamp", AgentTokenStore.FormatTime(timestamp));
            w.WriteString("agent", record.Call.Agent);
            w.WriteString("session", record.Call.Session);
            if (record.Call.RunId.Length > 0) w.WriteString("run_id", record.Call.RunId);
            if (record.Call.ToolCallId.Length > 0) w.WriteString("tool_call_id", record.Call.ToolCallId);
            w.WriteString("tool", record.Call.Tool);
            w.WritePropertyName("request");
            w.WriteStartObject();
            foreach (var (k, v) in record.Request)
            {
                w.WritePropertyName(k);
                v.WriteTo(w);
            }
            w.WriteEndObject();
            w.WritePropertyName("decision");
            w.WriteStartObject();
            w.WriteString("action", record.ActionText ?? record.Decision.Action.ToWire());
            if (!record.Decision.MatchedPolicies.IsDefaultOrEmpty)
            {
                w.WriteStartArray("matched_policies");
                foreach (var p in record.Decision.MatchedPolicies) w.WriteStringValue(p);
                w.WriteEndArray();
            }
            w.WriteNumber("evaluation_time_us", (long)record.Decision.EvalDuration.TotalMicroseconds);
            if (record.Decision.Message.Length > 0) w.WriteString("message", record.Decision.Message);
            if (!record.Decision.Suggestions.IsDefaultOrEmpty)
            {
                w.WriteStartArray("suggestions");
                foreach (var s in record.Decision.Suggestions) w.WriteStringValue(s);
                w.WriteEndArray();
            }
            w.WriteEndObject();
            if (record.ResponseFlags is { } flags)
            {
                w.WritePropertyName("response");
                w.WriteStartObject();
                w.WriteNumber("duration_ms", 0);
                if (flags.Count > 0)
                {
                    w.WriteStartArray("flags");
                    foreach (var f in flags) w.WriteStringValue(f);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A ULID (AUD-015): 48-bit millisecond time + 80 CSPRNG bits, Crockford base32.</summary>
    internal static string NewUlid(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)ms;
            ms >>= 8;
        }
        RandomNumberGenerator.Fill(bytes[6..]);
        var value = new UInt128(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes), System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        Span<char> chars = stackalloc char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Crockford[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }
}
