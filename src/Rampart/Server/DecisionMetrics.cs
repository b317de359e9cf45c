using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Rampart.Server;

/// <summary>The Prometheus series of API-100, updated by each <c>/v1/tool</c> evaluation, plus <c>process_*</c>.</summary>
internal sealed class DecisionMetrics
{
    static readonly double[] Buckets = [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1];

    readonly ConcurrentDictionary<(string Action, string Policy), StrongBox> _decisions = new();
    readonly long[] _bucketCounts = new long[Buckets.Length];
    readonly Lock _histogramGate = new();
    readonly DateTimeOffset _startedAt;
    double _durationSum;
    long _durationCount;
    long _pendingApprovals;
    long _policyCount;
    long _uptimeSeconds;

    sealed class StrongBox
    {
        public long Value;
    }

    public DecisionMetrics(DateTimeOffset startedAt) => _startedAt = startedAt;

    /// <summary>A counter found by the identity of its key strings.</summary>
    sealed record RecentSeries(string Action, string Policy, StrongBox Box);

    // Hot path (issue 3): the action is a literal and the policy name the compiled set's own string,
    // so a few slots compared by reference find the counter before the dictionary hashes two strings
    // (~2 % of a decision request's CPU). A miss (a new policy set, a string from elsewhere) takes the
    // dictionary and refreshes its slot; the counter is the dictionary's either way.
    readonly RecentSeries?[] _recent = new RecentSeries?[16];

    public void Observe(string action, string policy, TimeSpan duration, int policyCount, int pendingApprovals, DateTimeOffset now)
    {
        var slot = (System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(policy) ^ System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(action)) & (_recent.Length - 1);
        var recent = Volatile.Read(ref _recent[slot]);
        StrongBox box;
        if (recent is not null && ReferenceEquals(recent.Action, action) && ReferenceEquals(recent.Policy, policy))
        {
            box = recent.Box;
        }
        else
        {
            box = _decisions.GetOrAdd((action, policy.Length == 0 ? "none" : policy), static _ => new StrongBox());
            Volatile.Write(ref _recent[slot], new RecentSeries(action, policy, box));
        }
        Interlocked.Increment(ref box.Value);
        var seconds = duration.TotalSeconds;
        lock (_histogramGate)
        {
            for (var i = 0; i < Buckets.Length; i++)
            {
                if (seconds <= Buckets[i]) _bucketCounts[i]++;
            }
            _durationSum += seconds;
            _durationCount++;
        }
        Interlocked.Exchange(ref _pendingApprovals, pendingApprovals);
        Interlocked.Exchange(ref _policyCount, policyCount);
        Interlocked.Exchange(ref _uptimeSeconds, (long)(now - _startedAt).TotalSeconds);
    }

    /// <summary>Prometheus text exposition format 0.0.4.</summary>
    public string Render()
    {
        var sb = new StringBuilder(2048);
        sb.Append("# HELP rampart_decisions_total Policy decisions by action and first matched policy.\n");
        sb.Append("# TYPE rampart_decisions_total counter\n");
        var keys = new List<(string Action, string Policy)>(_decisions.Keys);
        keys.Sort((a, b) => a.Action != b.Action ? string.CompareOrdinal(a.Action, b.Action) : string.CompareOrdinal(a.Policy, b.Policy));
        foreach (var key in keys)
        {
            sb.Append("rampart_decisions_total{action=\"").Append(Escape(key.Action)).Append("\",policy=\"").Append(Escape(key.Policy)).Append("\"} ")
              .Append(Volatile.Read(ref _decisions[key].Value).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        sb.Append("# HELP rampart_eval_duration_seconds Policy evaluation time.\n");
        sb.Append("# TYPE rampart_eval_duration_seconds histogram\n");
        lock (_histogramGate)
        {
            for (var i = 0; i < Buckets.Length; i++)
            {
                sb.Append("rampart_eval_duration_seconds_bucket{le=\"").Append(Number(Buckets[i])).Append("\"} ")
                  .Append(_bucketCounts[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            sb.Append("rampart_eval_duration_seconds_bucket{le=\"+Inf\"} ").Append(_durationCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("rampart_eval_duration_seconds_sum ").Append(Number(_durationSum)).Append('\n');
            sb.Append("rampart_eval_duration_seconds_count ").Append(_durationCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        Gauge(sb, "rampart_pending_approvals", "Pending approvals.", Interlocked.Read(ref _pendingApprovals));
        Gauge(sb, "rampart_policy_count", "Loaded policies.", Interlocked.Read(ref _policyCount));
        Gauge(sb, "rampart_uptime_seconds", "Seconds since the service started.", Interlocked.Read(ref _uptimeSeconds));

        using var process = Process.GetCurrentProcess();
        sb.Append("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n");
        sb.Append("# TYPE process_cpu_seconds_total counter\n");
        sb.Append("process_cpu_seconds_total ").Append(Number(process.TotalProcessorTime.TotalSeconds)).Append('\n');
        Gauge(sb, "process_resident_memory_bytes", "Resident memory size in bytes.", Environment.WorkingSet);
        Gauge(sb, "process_open_fds", "Number of open file descriptors.", OpenFileDescriptors());
        sb.Append("# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n");
        sb.Append("# TYPE process_start_time_seconds gauge\n");
        sb.Append("process_start_time_seconds ").Append(Number(new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0)).Append('\n');
        return sb.ToString();
    }

    static void Gauge(StringBuilder sb, string name, string help, long value)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(" gauge\n");
        sb.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    static long OpenFileDescriptors()
    {
        try
        {
            return Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    // Go's float formatting (1e-06, not 1E-06) so the output matches upstream's client library.
    static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
