namespace Rampart.Core.Audit;

/// <summary>Filters for tail/search/stats (all optional; combined with AND).</summary>
public sealed record AuditQuery
{
    /// <summary><c>decision.action</c>, e.g. <c>deny</c> (case-insensitive).</summary>
    public string? Decision { get; init; }
    public string? Tool { get; init; }
    public string? Agent { get; init; }
    /// <summary>Inclusive lower bound on the event time.</summary>
    public DateTimeOffset? Since { get; init; }
    /// <summary>Exclusive upper bound on the event time.</summary>
    public DateTimeOffset? Until { get; init; }
    /// <summary>Case-insensitive substring of agent, session, tool, message, policies or any request string.</summary>
    public string? Text { get; init; }

    public bool Matches(AuditEvent e)
    {
        if (Decision is { Length: > 0 } d && !string.Equals(e.Decision.Action, d, StringComparison.OrdinalIgnoreCase)) return false;
        if (Tool is { Length: > 0 } t && !string.Equals(e.Tool, t, StringComparison.Ordinal)) return false;
        if (Agent is { Length: > 0 } a && !string.Equals(e.Agent, a, StringComparison.Ordinal)) return false;
        if (Since is not null || Until is not null)
        {
            var at = e.Timestamp.ToDateTimeOffset();
            if (Since is { } from && at < from) return false;
            if (Until is { } to && at >= to) return false;
        }
        if (Text is { Length: > 0 } text && !ContainsText(e, text)) return false;
        return true;
    }

    static bool ContainsText(AuditEvent e, string text)
    {
        if (Has(e.Agent) || Has(e.Session) || Has(e.Tool) || Has(e.Decision.Message)) return true;
        foreach (var p in e.Decision.MatchedPolicies) if (Has(p)) return true;
        return e.Request is not null && InValue(e.Request);

        bool Has(string s) => s.Contains(text, StringComparison.OrdinalIgnoreCase);

        bool InValue(AuditValue v)
        {
            switch (v.Kind)
            {
                case AuditValueKind.String: return Has(v.AsString);
                case AuditValueKind.Array:
                    foreach (var item in v.Items) if (InValue(item)) return true;
                    return false;
                case AuditValueKind.Object:
                    foreach (var (_, m) in v.Members) if (InValue(m)) return true;
                    return false;
                default: return false;
            }
        }
    }
}

/// <summary>One event read back, with where it is.</summary>
public sealed record AuditEntry(string File, int Line, AuditEvent Event);

/// <summary>Counts for <c>rampart audit stats</c>.</summary>
public sealed record AuditStats(
    long Events,
    IReadOnlyDictionary<string, long> ByDecision,
    IReadOnlyDictionary<string, long> ByTool,
    IReadOnlyDictionary<string, long> ByAgent,
    AuditTimestamp? First,
    AuditTimestamp? Last);

/// <summary>
/// Streaming readers for history, tail, search and stats (AUD-090): regular non-symlink files only,
/// records over 2 MiB are errors, blank lines and records without id skipped, a final line without
/// LF ignored (it may still be being written). CLI readers treat an unparseable line as an error;
/// the API skips the file (<paramref name="skipBrokenFiles"/>).
/// </summary>
public static class AuditReader
{
    /// <summary>Files read for history: managed files in chain order, plus unmanaged ones whose name starts with a date.</summary>
    public static IReadOnlyList<string> HistoryFiles(string directory)
    {
        var dir = new AuditDirectory(Path.GetFullPath(directory));
        if (UnixFile.LStat(dir.Path) is not { Kind: UnixFileKind.Directory }) return [];
        var names = new List<string>();
        foreach (var (name, st) in dir.ListJsonl())
        {
            if (st.Kind != UnixFileKind.Regular) continue;
            if (AuditFileNames.IsManaged(name) || (name.Length >= 10 && AuditFileNames.DateIn(name[..10]) is not null)) names.Add(name);
        }
        return names;
    }

    /// <summary>Every matching event, oldest first.</summary>
    public static IEnumerable<AuditEntry> Read(string directory, AuditQuery? query = null, bool skipBrokenFiles = false)
    {
        var dir = new AuditDirectory(Path.GetFullPath(directory));
        foreach (var file in HistoryFiles(directory))
        {
            var entries = skipBrokenFiles ? ReadFileOrNothing(dir, file) : ReadFile(dir, file);
            foreach (var entry in entries)
                if (query is null || query.Matches(entry.Event)) yield return entry;
        }
    }

    /// <summary>The last <paramref name="count"/> matching events, oldest first.</summary>
    public static IReadOnlyList<AuditEntry> Tail(string directory, int count, AuditQuery? query = null, bool skipBrokenFiles = false)
    {
        var ring = new Queue<AuditEntry>(Math.Max(1, count));
        if (count <= 0) return [];
        foreach (var entry in Read(directory, query, skipBrokenFiles))
        {
            if (ring.Count == count) ring.Dequeue();
            ring.Enqueue(entry);
        }
        return [.. ring];
    }

    public static AuditStats Stats(string directory, AuditQuery? query = null, bool skipBrokenFiles = false)
    {
        long total = 0;
        var byDecision = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byTool = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byAgent = new SortedDictionary<string, long>(StringComparer.Ordinal);
        AuditTimestamp? first = null, last = null;
        foreach (var (_, _, e) in Read(directory, query, skipBrokenFiles))
        {
            total++;
            Bump(byDecision, e.Decision.Action);
            Bump(byTool, e.Tool);
            Bump(byAgent, e.Agent);
            if (first is null || e.Timestamp.CompareInstant(first.Value) < 0) first = e.Timestamp;
            if (last is null || e.Timestamp.CompareInstant(last.Value) > 0) last = e.Timestamp;
        }
        return new AuditStats(total, byDecision, byTool, byAgent, first, last);

        static void Bump(SortedDictionary<string, long> map, string key) =>
            map[key] = map.TryGetValue(key, out var n) ? n + 1 : 1;
    }

    static IEnumerable<AuditEntry> ReadFileOrNothing(AuditDirectory dir, string file)
    {
        List<AuditEntry> all;
        try
        {
            all = [.. ReadFile(dir, file)];
        }
        catch (Exception ex) when (ex is AuditChainException or IOException)
        {
            yield break;
        }
        foreach (var e in all) yield return e;
    }

    static IEnumerable<AuditEntry> ReadFile(AuditDirectory dir, string file)
    {
        using var handle = dir.OpenExisting(file, UnixFile.ReadOnly, out var st, chmod: false);
        var reader = new AuditLineReader(handle, file, 0, st.Size);
        while (reader.TryRead(out var line))
        {
            if (!line.IsTerminated) yield break; // may still be being written (AUD-090)
            if (line.IsBlank) continue;
            ParsedRecord parsed;
            try
            {
                parsed = AuditEventJson.Parse(line.Bytes.Span);
            }
            catch (AuditFormatException ex)
            {
                throw new AuditChainException($"parse {file} line {line.Number}: {ex.Message}", file, line.Number);
            }
            if (parsed.IsEvent) yield return new AuditEntry(file, line.Number, parsed.Event);
        }
    }
}
