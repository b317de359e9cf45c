namespace Rampart.Core.Audit;

/// <summary>Where the chain ends and where the writer continues (AUD-070).</summary>
internal sealed record ChainTail
{
    public long EventCount { get; init; }
    public string LastHash { get; init; } = "";
    /// <summary>The last managed file (the writer continues here); "" when there is none.</summary>
    public string CurrentFile { get; init; } = "";
    public long CurrentSize { get; init; }
    public string LastEventFile { get; init; } = "";
    public long LastEventStart { get; init; }
    public long LastEventSize { get; init; }

    public ChainState ToState() => new()
    {
        EventCount = EventCount,
        LastHash = LastHash,
        CurrentFile = CurrentFile,
        CurrentSize = CurrentSize,
        LastEventFile = LastEventFile,
        LastEventStart = LastEventStart,
        LastEventSize = LastEventSize,
    };

    public static ChainTail From(ChainState s) => new()
    {
        EventCount = s.EventCount,
        LastHash = s.LastHash,
        CurrentFile = s.CurrentFile,
        CurrentSize = s.CurrentSize,
        LastEventFile = s.LastEventFile,
        LastEventStart = s.LastEventStart,
        LastEventSize = s.LastEventSize,
    };
}

/// <summary>An event met during recovery (reported in chain order), for callers that cross-check ids, anchors and checkpoints.</summary>
internal readonly record struct RecoveredEvent(string File, int Line, string Id, string Hash, string PrevHash);

/// <summary>
/// Full recovery (AUD-070): every managed file in chain order, every line checked, with the legacy
/// link recovery of AUD-073 when (and only when) a <c>prev_hash</c> or <c>chain_continue</c> does not
/// follow on. Errors name the file and 1-based line, in upstream's wording.
/// </summary>
internal static class AuditRecovery
{
    public static ChainTail Recover(AuditDirectory dir, Action<RecoveredEvent>? onEvent = null)
    {
        var files = dir.ManagedFiles();
        var strict = TryLinear(dir, files, onEvent);
        return strict ?? RecoverLinks(dir, files, onEvent);
    }

    /// <summary>The normal case: one linear chain. Null when a link mismatch calls for link recovery.</summary>
    static ChainTail? TryLinear(AuditDirectory dir, List<string> files, Action<RecoveredEvent>? onEvent)
    {
        var events = onEvent is null ? null : new List<RecoveredEvent>();
        long count = 0;
        var last = "";
        string lastEventFile = "";
        long lastStart = 0, lastSize = 0, currentSize = 0;
        var previousFile = "";
        foreach (var file in files)
        {
            using var handle = dir.OpenExisting(file, UnixFile.ReadOnly, out var st, chmod: false);
            var reader = new AuditLineReader(handle, file, 0, st.Size);
            var seenRecord = false;
            while (reader.TryRead(out var line))
            {
                if (line.IsBlank && line.IsTerminated) continue;
                var parsed = ParseChecked(file, line);
                if (!parsed.IsEvent)
                {
                    CheckHeader(file, line.Number, parsed, seenRecord, previousFile);
                    seenRecord = true;
                    if (parsed.ChainContinue != last) return null;
                    continue;
                }
                seenRecord = true;
                var e = parsed.Event;
                if (!AuditChain.Verify(e)) throw HashMismatch(file, line.Number, e.Id);
                if (e.PrevHash != last) return null;
                last = e.Hash;
                count++;
                lastEventFile = file;
                lastStart = line.Offset;
                lastSize = line.SizeOnDisk;
                events?.Add(new RecoveredEvent(file, line.Number, e.Id, e.Hash, e.PrevHash));
            }
            previousFile = file;
            currentSize = st.Size;
        }
        if (events is not null) foreach (var ev in events) onEvent!(ev);
        return new ChainTail
        {
            EventCount = count,
            LastHash = last,
            CurrentFile = files.Count > 0 ? files[^1] : "",
            CurrentSize = currentSize,
            LastEventFile = lastEventFile,
            LastEventStart = lastStart,
            LastEventSize = lastSize,
        };
    }

    internal static ParsedRecord ParseChecked(string file, AuditLine line)
    {
        if (!line.IsTerminated)
            throw new AuditChainException($"read {file} line {line.Number}: unterminated audit record", file, line.Number);
        ParsedRecord parsed;
        try
        {
            parsed = AuditEventJson.Parse(line.Bytes.Span);
        }
        catch (AuditFormatException ex)
        {
            throw new AuditChainException($"parse {file} line {line.Number}: {ex.Message}", file, line.Number);
        }
        if (!parsed.IsEvent && !parsed.IsHeader)
            throw new AuditChainException($"parse {file} line {line.Number}: record has no event id", file, line.Number);
        return parsed;
    }

    static void CheckHeader(string file, int line, ParsedRecord header, bool seenRecord, string previousFile)
    {
        if (seenRecord)
            throw new AuditChainException($"verify {file} line {line}: chain continuation must be the first record", file, line);
        if (header.PrevFile != previousFile)
            throw new AuditChainException(
                $"verify {file} line {line}: prev_file \"{header.PrevFile}\" does not match previous audit file \"{previousFile}\"", file, line);
    }

    static AuditChainException HashMismatch(string file, int line, string id) =>
        new($"verify {file} line {line} event {id}: hash mismatch", file, line);

    sealed class Node
    {
        public required string File;
        public required int FileIndex;
        public required int Line;
        public required long Offset;
        public required long Size;
        public required AuditEvent Event;
        public Node? Successor;
        public bool Visited;
    }

    sealed record HeaderInfo(string File, int FileIndex, int Line, string ChainContinue, string PrevFile);

    /// <summary>
    /// Legacy link recovery (AUD-073) for trails of releases that reopened a base file after rotation
    /// or restarted the chain on service restart. One strengthening (not in upstream): an event
    /// whose predecessor is in the same file must come after it, so lines swapped inside a file are
    /// reported instead of being accepted as a valid link structure.
    /// </summary>
    static ChainTail RecoverLinks(AuditDirectory dir, List<string> files, Action<RecoveredEvent>? onEvent)
    {
        var nodes = new List<Node>();
        var byHash = new Dictionary<string, Node>(StringComparer.Ordinal);
        var headers = new List<HeaderInfo>();
        var firstEventOfFile = new Node?[files.Count];
        var headerOfFile = new HeaderInfo?[files.Count];
        long lastFileSize = 0;

        for (var fi = 0; fi < files.Count; fi++)
        {
            var file = files[fi];
            using var handle = dir.OpenExisting(file, UnixFile.ReadOnly, out var st, chmod: false);
            var reader = new AuditLineReader(handle, file, 0, st.Size);
            var seenRecord = false;
            while (reader.TryRead(out var line))
            {
                if (line.IsBlank && line.IsTerminated) continue;
                var parsed = ParseChecked(file, line);
                if (!parsed.IsEvent)
                {
                    CheckHeader(file, line.Number, parsed, seenRecord, fi == 0 ? "" : files[fi - 1]);
                    seenRecord = true;
                    var h = new HeaderInfo(file, fi, line.Number, parsed.ChainContinue!, parsed.PrevFile!);
                    headers.Add(h);
                    headerOfFile[fi] = h;
                    continue;
                }
                seenRecord = true;
                var e = parsed.Event;
                if (!AuditChain.Verify(e)) throw HashMismatch(file, line.Number, e.Id);
                if (byHash.ContainsKey(e.Hash))
                    throw new AuditChainException($"verify {file} line {line.Number} event {e.Id}: duplicate event hash {e.Hash}", file, line.Number);
                var node = new Node { File = file, FileIndex = fi, Line = line.Number, Offset = line.Offset, Size = line.SizeOnDisk, Event = e };
                nodes.Add(node);
                byHash[e.Hash] = node;
                firstEventOfFile[fi] ??= node;
            }
            lastFileSize = st.Size;
        }

        var roots = new List<Node>();
        foreach (var n in nodes)
        {
            var prev = n.Event.PrevHash;
            if (prev.Length == 0)
            {
                roots.Add(n);
                continue;
            }
            if (!byHash.TryGetValue(prev, out var p))
                throw new AuditChainException(
                    $"verify {n.File} line {n.Line} event {n.Event.Id}: prev_hash \"{prev}\" does not reference an audit event", n.File, n.Line);
            if (p.Successor is { } other)
                throw new AuditChainException(
                    $"verify {n.File} line {n.Line} event {n.Event.Id}: chain fork: event {p.Event.Id} is already followed by event {other.Event.Id} ({other.File} line {other.Line})",
                    n.File, n.Line);
            if (p.FileIndex == n.FileIndex && p.Line > n.Line)
                throw new AuditChainException(
                    $"verify {n.File} line {n.Line} event {n.Event.Id}: prev_hash references event {p.Event.Id} at later line {p.Line}: records are out of order",
                    n.File, n.Line);
            p.Successor = n;
        }

        // Epochs: each root starts one; later epochs must start strictly after the previous one ended.
        Node? tail = null;
        var visited = 0;
        var chainOrder = new List<Node>(nodes.Count);
        List<Node>? previousEpoch = null;
        foreach (var root in roots)
        {
            if (root.Event.Timestamp.IsZero)
                throw new AuditChainException($"verify {root.File} line {root.Line} event {root.Event.Id}: chain root has no timestamp", root.File, root.Line);
            if (previousEpoch is not null)
            {
                foreach (var earlier in previousEpoch)
                {
                    if (root.Event.Timestamp.CompareInstant(earlier.Event.Timestamp) <= 0)
                        throw new AuditChainException(
                            $"verify {root.File} line {root.Line} event {root.Event.Id}: chain restart is not later than event {earlier.Event.Id} of the previous chain",
                            root.File, root.Line);
                }
            }
            var epoch = new List<Node>();
            for (var n = root; n is not null; n = n.Successor)
            {
                if (n.Visited) break;
                n.Visited = true;
                visited++;
                epoch.Add(n);
                chainOrder.Add(n);
                tail = n;
            }
            previousEpoch = epoch;
        }
        if (visited != nodes.Count)
        {
            var lost = nodes.First(n => !n.Visited);
            throw new AuditChainException(
                $"verify {lost.File} line {lost.Line} event {lost.Event.Id}: event is not reachable from a chain start (cycle or disconnected records)",
                lost.File, lost.Line);
        }

        foreach (var h in headers)
        {
            var first = firstEventOfFile[h.FileIndex];
            if (h.ChainContinue.Length > 0)
            {
                if (h.FileIndex == 0 || !byHash.TryGetValue(h.ChainContinue, out var target) ||
                    target.FileIndex > IndexOf(files, h.PrevFile))
                    throw new AuditChainException(
                        $"verify {h.File} line {h.Line}: chain continuation \"{h.ChainContinue}\" does not reference an audit event", h.File, h.Line);
            }
            else if (h.PrevFile.Length > 0 && nodes.Count > 0 && !(roots.Count > 1 && first is not null && first.Event.PrevHash.Length == 0))
            {
                throw new AuditChainException($"verify {h.File} line {h.Line}: empty chain continuation after {h.PrevFile}", h.File, h.Line);
            }
            if (first is not null && first.Event.PrevHash != h.ChainContinue)
                throw new AuditChainException(
                    $"verify {first.File} line {first.Line} event {first.Event.Id}: prev_hash does not match the file's chain continuation", first.File, first.Line);
        }

        if (onEvent is not null)
            foreach (var n in chainOrder) onEvent(new RecoveredEvent(n.File, n.Line, n.Event.Id, n.Event.Hash, n.Event.PrevHash));

        return new ChainTail
        {
            EventCount = nodes.Count,
            LastHash = tail?.Event.Hash ?? "",
            CurrentFile = files.Count > 0 ? files[^1] : "",
            CurrentSize = lastFileSize,
            LastEventFile = tail?.File ?? "",
            LastEventStart = tail?.Offset ?? 0,
            LastEventSize = tail?.Size ?? 0,
        };
    }

    static int IndexOf(List<string> files, string name)
    {
        var i = files.IndexOf(name);
        return i < 0 ? -1 : i;
    }
}
