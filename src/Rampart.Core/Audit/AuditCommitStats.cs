using System.Diagnostics;

namespace Rampart.Core.Audit;

/// <summary>
/// Counters of an <see cref="AuditWriter"/>'s group commit, cumulative since it was opened: how many
/// commits (one write + one fsync each, per file touched), how many records they carried, and where
/// the committer's time went (<see cref="Metadata"/> is everything after durability; <see cref="Checkpoint"/>
/// and <see cref="Anchor"/> are its parts, the anchor's counting the wait for its staged temp file;
/// <see cref="SealedAhead"/> counts records the gather had already chained when their commit came). For benchmarks and tests that check batching; reading them is cheap.
/// </summary>
internal readonly record struct AuditCommitStats(
    long Commits,
    long Records,
    long Fsyncs,
    int LargestBatch,
    long GatherWaits,
    TimeSpan Refresh,
    TimeSpan Write,
    TimeSpan Fsync,
    TimeSpan Metadata,
    TimeSpan Gather,
    TimeSpan Checkpoint,
    TimeSpan Anchor,
    long GatherShort,
    long SealedAhead = 0)
{
    /// <summary>Mean records per commit (0 before the first).</summary>
    public double MeanBatch => Commits == 0 ? 0 : (double)Records / Commits;

    public override string ToString() =>
        $"commits={Commits} records={Records} mean-batch={MeanBatch:F1} largest={LargestBatch} fsyncs={Fsyncs} " +
        $"gathers={GatherWaits} (short={GatherShort}) sealed-ahead={SealedAhead} per-commit µs: refresh={PerCommit(Refresh):F1} write={PerCommit(Write):F1} " +
        $"fsync={PerCommit(Fsync):F1} metadata={PerCommit(Metadata):F1} (checkpoint={PerCommit(Checkpoint):F1} " +
        $"anchor={PerCommit(Anchor):F1}) gather={PerCommit(Gather):F1}";

    double PerCommit(TimeSpan t) => Commits == 0 ? 0 : t.TotalMicroseconds / Commits;

    internal static TimeSpan Ticks(long stopwatchTicks) => Stopwatch.GetElapsedTime(0, stopwatchTicks);
}
