using Rampart.Core.Audit;

namespace Rampart.Server;

/// <summary>
/// Where <see cref="DecisionRecorder"/> hands audit events. <c>rampart serve</c> always uses
/// <see cref="DurableAuditSink"/>; the seam exists so the load benchmark can measure the decision
/// route of the same server pipeline without the audit trail (issue 3's "ratio ≥ 0.8 without
/// audit"), see <see cref="DiscardingAuditSink"/>.
/// </summary>
internal interface IAuditSink : IAsyncDisposable
{
    /// <summary>Whether appended records end up in a durable audit trail (<c>/v1/status</c> says <c>"disabled"</c> otherwise).</summary>
    bool IsDurable { get; }
    bool IsHealthy { get; }
    string? LastError { get; }
    string DirectoryPath { get; }
    /// <summary>Completes once the event is durable (AUD-055); throws <see cref="AuditUnavailableException"/> when it cannot be.</summary>
    ValueTask<AuditReceipt> AppendAsync(AuditEvent e, CancellationToken cancellationToken);
}

/// <summary>The audit trail itself: the group-committing, fsyncing <see cref="AuditWriter"/>.</summary>
internal sealed class DurableAuditSink(AuditWriter writer) : IAuditSink
{
    public bool IsDurable => true;
    public bool IsHealthy => writer.IsHealthy;
    public string? LastError => writer.LastError;
    public string DirectoryPath => writer.DirectoryPath;
    public ValueTask<AuditReceipt> AppendAsync(AuditEvent e, CancellationToken cancellationToken) => writer.AppendAsync(e, cancellationToken);
    public ValueTask DisposeAsync() => writer.DisposeAsync();
}

/// <summary>
/// Drops every record: BENCHMARK BUILDS ONLY. Reachable solely through
/// <see cref="ServeOptions.DiscardAuditForBenchmark"/>, which the CLI sets only in a binary built
/// with <c>-p:RampartBenchmarkBuild=true</c> (flag <c>--benchmark-discard-audit</c>); the shipped
/// binary has no way to turn the audit off, like upstream.
/// </summary>
/// <remarks>
/// Why a build-time switch and not a runtime flag: a decision service whose evidence can be turned
/// off by a command-line flag invites exactly that in a unit file, and an agent that can edit its
/// supervisor's arguments could then act without a trace. A separate build keeps the measured code
/// identical — same routes, JSON, Kestrel limits, recorder, SSE fan-out; only this sink differs — and
/// the shipped binary free of the switch. The server still says what it does: a warning on every
/// start and <c>"audit":"disabled"</c> in <c>/v1/status</c>; audit ids in answers are fresh ULIDs
/// that point at nothing.
/// </remarks>
internal sealed class DiscardingAuditSink(string directory) : IAuditSink
{
    long _sequence;

    /// <summary>Announces loudly, on every start, that nothing is being audited.</summary>
    public static DiscardingAuditSink ForBenchmark(string directory, TextWriter stderr)
    {
        stderr.WriteLine("serve: WARNING: BENCHMARK BUILD with --benchmark-discard-audit: decisions are NOT audited; never run this binary for real agents");
        return new DiscardingAuditSink(directory);
    }

    public bool IsDurable => false;
    public bool IsHealthy => true;
    public string? LastError => null;
    public string DirectoryPath => directory;

    public ValueTask<AuditReceipt> AppendAsync(AuditEvent e, CancellationToken cancellationToken) =>
        new(new AuditReceipt(e.Id, "", Interlocked.Increment(ref _sequence), ""));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
