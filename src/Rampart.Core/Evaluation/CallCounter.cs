using System.Text;

namespace Rampart.Core.Evaluation;

/// <summary>
/// Per-tool arrival times of enforced calls for <c>call_count</c> (POL-043): newest 1000 per tool,
/// nothing older than 30 days, at most 1024 distinct tool names, names up to 256 bytes.
/// In memory and per process; thread-safe.
/// </summary>
public sealed class CallCounter
{
    public const int MaxEntriesPerTool = 1000;
    public const int MaxTools = 1024;
    public const int MaxToolNameBytes = 256;
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    readonly Lock _lock = new();
    readonly Dictionary<string, Queue<DateTimeOffset>> _byTool = new(StringComparer.Ordinal);

    /// <summary>Records one call of <paramref name="tool"/> at <paramref name="now"/>; false when the name is too long or the table is full.</summary>
    public bool TryRecord(string tool, DateTimeOffset now)
    {
        if (tool.Length * 3 > MaxToolNameBytes && Encoding.UTF8.GetByteCount(tool) > MaxToolNameBytes) return false;
        lock (_lock)
        {
            if (!_byTool.TryGetValue(tool, out var times))
            {
                if (_byTool.Count >= MaxTools)
                {
                    PruneAll(now);
                    if (_byTool.Count >= MaxTools) return false;
                }
                times = new Queue<DateTimeOffset>();
                _byTool[tool] = times;
            }
            Prune(times, now);
            times.Enqueue(now);
            while (times.Count > MaxEntriesPerTool) times.Dequeue();
            return true;
        }
    }

    /// <summary>Recorded calls of <paramref name="tool"/> with time in <c>[from, to]</c>, inclusive.</summary>
    public int Count(string tool, DateTimeOffset from, DateTimeOffset to)
    {
        lock (_lock)
        {
            if (!_byTool.TryGetValue(tool, out var times)) return 0;
            var n = 0;
            foreach (var t in times)
            {
                if (t >= from && t <= to) n++;
            }
            return n;
        }
    }

    /// <summary>Recorded calls per tool (for <c>/v1/status</c>).</summary>
    public IReadOnlyDictionary<string, int> Snapshot()
    {
        lock (_lock)
        {
            var result = new Dictionary<string, int>(_byTool.Count, StringComparer.Ordinal);
            foreach (var (tool, times) in _byTool) result[tool] = times.Count;
            return result;
        }
    }

    /// <summary>All arrival times per tool, oldest first (the hook persists them between processes).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> Export()
    {
        lock (_lock)
        {
            var result = new Dictionary<string, IReadOnlyList<DateTimeOffset>>(_byTool.Count, StringComparer.Ordinal);
            foreach (var (tool, times) in _byTool) result[tool] = [.. times];
            return result;
        }
    }

    /// <summary>Re-records previously exported arrival times (oldest first), applying the same limits.</summary>
    public void Import(IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> entries, DateTimeOffset now)
    {
        foreach (var (tool, times) in entries)
        {
            foreach (var t in times)
            {
                if (now - t > Retention || t > now) continue;
                if (!TryRecord(tool, t)) break;
            }
        }
    }

    void PruneAll(DateTimeOffset now)
    {
        List<string>? empty = null;
        foreach (var (tool, times) in _byTool)
        {
            Prune(times, now);
            if (times.Count == 0) (empty ??= []).Add(tool);
        }
        if (empty is null) return;
        foreach (var tool in empty) _byTool.Remove(tool);
    }

    static void Prune(Queue<DateTimeOffset> times, DateTimeOffset now)
    {
        while (times.Count > 0 && now - times.Peek() > Retention) times.Dequeue();
    }
}
