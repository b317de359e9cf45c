using System.Threading.Channels;

namespace Rampart.Core.Audit.Export;

/// <summary>
/// The fan-out behind the trail (AUD-097): durable events go into a bounded queue (1024) drained by
/// one background thread that redacts them, applies the writer's defaults and hands them to every
/// target. A full queue drops the event (counted, warned once per burst) instead of blocking the
/// decision; a failing target is counted and never reaches the caller. Disposal drains the queue,
/// then closes the targets.
/// </summary>
internal sealed class AuditFanOut : IAuditExport
{
    readonly AuditExportOptions _options;
    readonly IExportTarget[] _targets;
    readonly AuditHost _host;
    readonly Channel<(AuditEvent Event, AuditReceipt Receipt)> _queue;
    readonly Thread _worker;
    long _queued, _delivered, _dropped, _failed;
    int _dropping;
    int _disposed;

    public AuditFanOut(AuditExportOptions options, IExportTarget[] targets, AuditHost host)
    {
        _options = options;
        _targets = targets;
        _host = host;
        _queue = Channel.CreateBounded<(AuditEvent, AuditReceipt)>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails fast; we count the drop
        });
        _worker = new Thread(Run) { IsBackground = true, Name = "rampart-audit-export" };
        _worker.Start();
    }

    public AuditExportCounters Counters => new(
        Interlocked.Read(ref _queued), Interlocked.Read(ref _delivered), Interlocked.Read(ref _dropped), Interlocked.Read(ref _failed));

    public bool Offer(AuditEvent e, AuditReceipt durable)
    {
        if (Volatile.Read(ref _disposed) != 0) return false;
        if (_queue.Writer.TryWrite((e, durable)))
        {
            Interlocked.Increment(ref _queued);
            Volatile.Write(ref _dropping, 0);
            return true;
        }
        var dropped = Interlocked.Increment(ref _dropped);
        if (Interlocked.Exchange(ref _dropping, 1) == 0)
            _options.Warn($"audit export: queue full ({_options.QueueCapacity} events), dropping events ({dropped} dropped so far); the audit trail itself is complete");
        return false;
    }

    void Run()
    {
        foreach (var target in _targets) target.Start();
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var item))
            {
                var e = Prepare(item.Event, item.Receipt);
                foreach (var target in _targets)
                {
                    try
                    {
                        target.Send(e);
                        Interlocked.Increment(ref _delivered);
                    }
                    catch (AuditExportUnavailableException)
                    {
                        Interlocked.Increment(ref _failed);
                    }
                    catch (Exception ex)
                    {
                        // A bug in a target must not kill the worker (and with it every later export).
                        Interlocked.Increment(ref _failed);
                        _options.Warn($"audit export: {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// What secondaries see (AUD-020, AUD-096): the committed id, the writer's defaults, redacted,
    /// hash and prev_hash empty. Redacting again is idempotent and makes sure no raw value leaves
    /// even if a caller hands over its pre-redaction event.
    /// </summary>
    AuditEvent Prepare(AuditEvent e, AuditReceipt receipt)
    {
        var prepared = e with
        {
            SchemaVersion = string.IsNullOrWhiteSpace(e.SchemaVersion) ? AuditEvent.CurrentSchema : e.SchemaVersion,
            Id = receipt.EventId,
            Timestamp = e.Timestamp.IsZero ? AuditTimestamp.FromDateTimeOffset(_options.Clock.GetUtcNow()) : e.Timestamp,
            Host = e.Host is { Hostname.Length: > 0, Os.Length: > 0, Arch.Length: > 0 } h ? h : _host,
            PrevHash = "",
            Hash = "",
        };
        return AuditRedactor.Redact(prepared);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        if (_worker.IsAlive) await Task.Run(_worker.Join).ConfigureAwait(false);
        foreach (var target in _targets) target.Dispose();
    }
}
