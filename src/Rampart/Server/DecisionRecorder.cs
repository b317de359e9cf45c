using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Rampart.Core.Audit;
using Rampart.Core.Audit.Export;
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
/// completes only once the record is durable (the writer's group commit has fsynced it), so
/// callers send a decision response strictly after it. Every durable record is also broadcast to
/// SSE subscribers in its redacted, before-hash form (API-080, AUD-020), and offered to the SIEM
/// export, if any (AUD-097: only durable records leave; offering never blocks a decision).
/// </summary>
internal sealed class DecisionRecorder : IAsyncDisposable
{
    readonly IAuditSink _writer;
    readonly EventBroadcaster _events;
    readonly TimeProvider _time;
    readonly IAuditExport? _export;

    public DecisionRecorder(IAuditSink writer, EventBroadcaster events, TimeProvider time, IAuditExport? export = null)
    {
        _writer = writer;
        _events = events;
        _time = time;
        _export = export;
    }

    /// <summary>The SIEM export's counters (for <c>/metrics</c>); null without <c>--syslog</c>/<c>--cef</c>.</summary>
    public AuditExportCounters? ExportCounters => _export?.Counters;

    public string AuditDir => _writer.DirectoryPath;

    /// <summary>Whether records go to a durable audit trail (false only in a benchmark build's <see cref="DiscardingAuditSink"/>).</summary>
    public bool IsConfigured => _writer.IsDurable;

    /// <summary>False after a failed commit until a later one succeeds.</summary>
    public bool IsHealthy => _writer.IsHealthy;

    public string? LastError => _writer.LastError;

    // Every durable record waits for its fsync, so this method always completes asynchronously: a
    // pooled state machine box instead of a new one per decision (every caller awaits it once).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RecordOutcome> RecordAsync(DecisionRecord record, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var call = record.Call;
        var decision = record.Decision;
        var evt = new AuditEvent
        {
            SchemaVersion = AuditEvent.CurrentSchema,
            Id = record.EventId ?? AuditIds.NewUlid(now),
            Timestamp = AuditTimestamp.FromDateTimeOffset(now),
            Agent = call.Agent,
            Session = call.Session,
            RunId = call.RunId,
            ToolCallId = call.ToolCallId,
            Tool = call.Tool,
            Request = AuditValue.FromJson(record.Request),
            Decision = new AuditDecision
            {
                Action = record.ActionText ?? decision.Action.ToWire(),
                MatchedPolicies = decision.MatchedPolicies.IsDefault ? [] : decision.MatchedPolicies,
                EvaluationTimeUs = (long)decision.EvalDuration.TotalMicroseconds,
                Message = decision.Message,
                Suggestions = decision.Suggestions.IsDefault ? [] : decision.Suggestions,
            },
            Response = record.ResponseFlags is { } flags ? new AuditResponse { DurationMs = 0, Flags = [.. flags] } : null,
        };
        AuditReceipt receipt;
        try
        {
            receipt = await _writer.AppendAsync(evt, cancellationToken);
            _export?.Offer(evt, receipt);
        }
        catch (AuditUnavailableException e)
        {
            return new RecordOutcome(null, e.Message);
        }
        catch (ObjectDisposedException)
        {
            return new RecordOutcome(null, "audit: writer is closed");
        }
        if (_events.SubscriberCount > 0) _events.Publish(AuditEventFrame(AuditRedactor.Redact(evt with { Id = receipt.EventId })));
        return new RecordOutcome(receipt.EventId, null);
    }

    /// <summary>Flushes and closes the trail (CLI-016).</summary>
    public async ValueTask DisposeAsync()
    {
        // The export drains what it queued before the trail closes (wiring contract of AuditExport).
        if (_export is not null) await _export.DisposeAsync();
        await _writer.DisposeAsync();
    }

    /// <summary><c>{"type":"audit","event":…}</c> in the audit JSON shape (AUD-010), before hashing.</summary>
    internal static string AuditEventFrame(AuditEvent evt)
    {
        // Hashes stay empty: subscribers see the event before it is chained (API-080).
        var json = AuditChain.Serialize(evt with { PrevHash = "", Hash = "" });
        return "{\"type\":\"audit\",\"event\":" + Encoding.UTF8.GetString(json) + "}";
    }
}
