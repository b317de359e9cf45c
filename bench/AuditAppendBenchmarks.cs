using BenchmarkDotNet.Attributes;
using Rampart.Core.Audit;

namespace Rampart.Bench;

/// <summary>
/// Durable audit appends per second with N concurrent writers: group commit (one write + one fsync
/// per batch) against one fsync per record (batches of one, upstream's model) and no fsync at all.
/// Each invocation appends <see cref="Appends"/> records spread evenly over the writers; 1, 4, 16
/// and 64 writers are the client counts of issue 4. The files go to TMPDIR, so the disk measured is
/// the one it is on. <c>--job short</c> is enough for the ratios (the fsync-per-record cases dominate).
/// Each case ends with one <c>// AuditCommitStats …</c> line in the log: commits, records per commit
/// (mean and largest), fsyncs, gathers and the committer's time per commit by phase — the batch
/// sizes are what explains the ratios (counted over the whole process: pilot, warm-up and runs).
/// <c>AUDIT_BENCH_WRITERS=16</c> (comma-separated) runs only those writer counts, <c>AUDIT_BENCH_MODES</c> only those modes, for short paired runs.
/// </summary>
[MemoryDiagnoser]
public class AuditAppendBenchmarks
{
    const int Appends = 1024; // divisible by every writer count

    public enum Durability
    {
        GroupCommit,
        FsyncPerRecord,
        NoFsync,
    }

    [ParamsSource(nameof(WriterCounts))]
    public int Writers { get; set; }

    /// <summary>1, 4, 16, 64, or the counts in <c>AUDIT_BENCH_WRITERS</c> (the runner's child processes inherit it).</summary>
    public static IEnumerable<int> WriterCounts =>
        Environment.GetEnvironmentVariable("AUDIT_BENCH_WRITERS") is { Length: > 0 } only
            ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)
            : [1, 4, 16, 64];

    [ParamsSource(nameof(Modes))]
    public Durability Mode { get; set; }

    /// <summary>All three, or the modes in <c>AUDIT_BENCH_MODES</c> (comma-separated names, e.g. <c>GroupCommit,FsyncPerRecord</c>).</summary>
    public static IEnumerable<Durability> Modes =>
        Environment.GetEnvironmentVariable("AUDIT_BENCH_MODES") is { Length: > 0 } only
            ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Enum.Parse<Durability>)
            : [Durability.GroupCommit, Durability.FsyncPerRecord, Durability.NoFsync];

    string _root = "";
    AuditWriter _writer = null!;
    AuditEvent _event = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "rampart-bench-audit-" + Guid.NewGuid().ToString("N"));
        _writer = AuditWriter.Open(new AuditWriterOptions
        {
            Directory = Path.Combine(_root, "audit"),
            Fsync = Mode != Durability.NoFsync,
            MaxBatchRecords = Mode == Durability.FsyncPerRecord ? 1 : 4096,
        });
        _event = new AuditEvent
        {
            Agent = "claude-code",
            Session = "repo/main",
            Tool = "exec",
            Request = AuditValue.Object([
                new("command", AuditValue.From("git status --porcelain")),
                new("workdir", AuditValue.From("/home/dev/repo")),
            ]),
            Decision = new AuditDecision { Action = "allow", MatchedPolicies = ["allow-git"], EvaluationTimeUs = 9, Message = "git allowed" },
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // One line per case in the log: batch sizes explain the ratios.
        Console.WriteLine($"// AuditCommitStats Writers={Writers} Mode={Mode}: {_writer.CommitStats}");
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Appends)]
    public async Task Append_durably()
    {
        var perWriter = Appends / Writers;
        var tasks = new Task[Writers];
        for (var w = 0; w < Writers; w++) tasks[w] = AppendMany(perWriter);
        await Task.WhenAll(tasks);
    }

    async Task AppendMany(int count)
    {
        for (var i = 0; i < count; i++) await _writer.AppendAsync(_event);
    }
}
