using Rampart.Core.Audit;
using Rampart.Core.Audit.Export;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit.Export;

/// <summary>The export queue (AUD-097): after durability, bounded, never blocking or failing the caller.</summary>
public sealed class AuditFanOutTests
{
    readonly List<string> _warnings = [];

    AuditExportOptions Options(int capacity = 1024) => new()
    {
        AuditDirectory = "/unused",
        Cef = true,
        QueueCapacity = capacity,
        Warn = w =>
        {
            lock (_warnings) _warnings.Add(w);
        },
    };

    static AuditReceipt Receipt(string id, long seq = 1) => new(id, "sha256:" + new string('a', 64), seq, "2026-03-01.jsonl");

    [Fact]
    public async Task Targets_get_durable_events_in_order_with_the_committed_id_redacted_and_unhashed()
    {
        var target = new RecordingTarget();
        var export = new AuditFanOut(Options(), [target], Host);
        var secret = Exec("curl -H 'Authorization: Bearer abcdef123456' https://x") with { PrevHash = "sha256:1", Hash = "sha256:2" };
        Assert.True(export.Offer(secret, Receipt("01JEXPORT0000000000000001")));
        Assert.True(export.Offer(Exec("two"), Receipt("01JEXPORT0000000000000002", 2)));
        await export.DisposeAsync();

        var sent = target.Events;
        Assert.Equal(["01JEXPORT0000000000000001", "01JEXPORT0000000000000002"], sent.Select(e => e.Id));
        Assert.Equal("curl -H '[REDACTED]' https://x", sent[0].Request!.Members[0].Value.AsString);
        Assert.All(sent, e => Assert.Equal(("", ""), (e.PrevHash, e.Hash)));
        Assert.All(sent, e => Assert.Equal(Host, e.Host));
        Assert.All(sent, e => Assert.Equal(AuditEvent.CurrentSchema, e.SchemaVersion));
        Assert.Equal(new AuditExportCounters(2, 2, 0, 0), export.Counters);
        Assert.True(target.IsDisposed);
    }

    [Fact]
    public async Task A_full_queue_drops_counts_and_warns_once_per_burst_without_blocking()
    {
        using var gate = new ManualResetEventSlim(false);
        var target = new RecordingTarget { Gate = gate };
        var export = new AuditFanOut(Options(capacity: 2), [target], Host);
        Assert.True(export.Offer(Exec("in the worker"), Receipt("01JEXPORT0000000000000001")));
        Assert.True(await target.Entered.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(export.Offer(Exec("queued 1"), Receipt("01JEXPORT0000000000000002")));
        Assert.True(export.Offer(Exec("queued 2"), Receipt("01JEXPORT0000000000000003")));
        Assert.False(export.Offer(Exec("dropped 1"), Receipt("01JEXPORT0000000000000004")));
        Assert.False(export.Offer(Exec("dropped 2"), Receipt("01JEXPORT0000000000000005")));
        Assert.Equal(new AuditExportCounters(3, 0, 2, 0), export.Counters);
        Assert.Single(_warnings);
        Assert.StartsWith("audit export: queue full (2 events), dropping events (1 dropped so far)", _warnings[0], StringComparison.Ordinal);

        gate.Set();
        await export.DisposeAsync();
        Assert.Equal(["in the worker", "queued 1", "queued 2"], target.Events.Select(e => e.Request!.Members[0].Value.AsString));
        Assert.Equal(new AuditExportCounters(3, 3, 2, 0), export.Counters);
    }

    [Fact]
    public async Task A_failing_target_is_counted_and_the_worker_carries_on()
    {
        var target = new RecordingTarget
        {
            Fail = e => e.Id switch
            {
                "01JEXPORT0000000000000001" => new AuditExportUnavailableException("collector down"),
                "01JEXPORT0000000000000002" => new InvalidOperationException("bug"),
                _ => null,
            },
        };
        var export = new AuditFanOut(Options(), [target], Host);
        for (var i = 1; i <= 3; i++) Assert.True(export.Offer(Exec("n" + i), Receipt($"01JEXPORT000000000000000{i}")));
        await export.DisposeAsync();
        Assert.Equal(["01JEXPORT0000000000000003"], target.Events.Select(e => e.Id));
        Assert.Equal(new AuditExportCounters(3, 1, 0, 2), export.Counters);
        Assert.Equal(["audit export: InvalidOperationException: bug"], _warnings);
    }

    [Fact]
    public async Task Nothing_is_accepted_after_shutdown()
    {
        var target = new RecordingTarget();
        var export = new AuditFanOut(Options(), [target], Host);
        await export.DisposeAsync();
        Assert.False(export.Offer(Exec("late"), Receipt("01JEXPORT0000000000000001")));
        Assert.Empty(target.Events);
    }
}
