using Rampart.Core.Audit;
using Rampart.Core.Audit.Export;

namespace Rampart.Core.Tests.Audit.Export;

/// <summary>A target that keeps what it is sent; optionally blocks on a gate first, or fails.</summary>
internal sealed class RecordingTarget : IExportTarget
{
    readonly List<AuditEvent> _events = [];

    public ManualResetEventSlim? Gate { get; init; }
    public SemaphoreSlim Entered { get; } = new(0);
    public Func<AuditEvent, Exception?> Fail { get; init; } = static _ => null;
    public bool IsDisposed { get; private set; }

    public List<AuditEvent> Events
    {
        get
        {
            lock (_events) return [.. _events];
        }
    }

    public void Start()
    {
    }

    public void Send(AuditEvent e)
    {
        Entered.Release();
        Gate?.Wait(TimeSpan.FromSeconds(30));
        if (Fail(e) is { } ex) throw ex;
        lock (_events) _events.Add(e);
    }

    public void Dispose() => IsDisposed = true;
}
