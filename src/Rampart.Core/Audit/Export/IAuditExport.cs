namespace Rampart.Core.Audit.Export;

/// <summary>
/// Secondary audit outputs (syslog, CEF file) behind the hash-chained trail (AUD-097). Hand an
/// event over only once it is durable — the <see cref="AuditReceipt"/> from
/// <see cref="AuditWriter.AppendAsync"/> is the proof. <see cref="Offer"/> never blocks and never
/// throws: a decision must not wait for, or fail because of, a SIEM.
/// </summary>
public interface IAuditExport : IAsyncDisposable
{
    /// <summary>Queues the durable event for export; false when it was dropped (queue full or export closed).</summary>
    bool Offer(AuditEvent e, AuditReceipt durable);

    /// <summary>What happened to offered events so far.</summary>
    AuditExportCounters Counters { get; }
}

/// <summary>Export counters: accepted into the queue, delivered, dropped because the queue was full, failed to send.</summary>
public sealed record AuditExportCounters(long Queued, long Delivered, long Dropped, long Failed);
