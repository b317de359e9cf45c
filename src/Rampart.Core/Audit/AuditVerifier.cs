namespace Rampart.Core.Audit;

/// <summary>The verdict of <c>rampart audit verify</c> (AUD-084): the one line to print, and where a break is.</summary>
public sealed record AuditVerifyResult
{
    public required bool IsValid { get; init; }
    /// <summary>The success line (stdout) or the error line (stderr), exactly as printed.</summary>
    public required string Message { get; init; }
    /// <summary>File of the first break (null on success or when not file-specific).</summary>
    public string? File { get; init; }
    /// <summary>1-based line of the first break (0 when not line-specific).</summary>
    public int Line { get; init; }
    public long ChainEvents { get; init; }
    public int ChainFiles { get; init; }
    public long HookEvents { get; init; }
    public int HookFiles { get; init; }
}

/// <summary>
/// Verifies an audit directory without modifying it (AUD-080..AUD-084): chain files by full
/// recovery (or a linear scan with <c>--since</c> or unmanaged files), anchors, native-hook files.
/// </summary>
public static class AuditVerifier
{
    public static AuditVerifyResult Verify(string directory, DateOnly? since = null)
    {
        try
        {
            return Run(directory, since);
        }
        catch (AuditChainException ex)
        {
            return new AuditVerifyResult { IsValid = false, Message = ex.Message, File = ex.File, Line = ex.Line };
        }
        catch (IOException ex)
        {
            return new AuditVerifyResult { IsValid = false, Message = "audit: " + ex.Message };
        }
    }

    static AuditVerifyResult Run(string directory, DateOnly? since)
    {
        var dir = new AuditDirectory(Path.GetFullPath(directory));
        if (UnixFile.LStat(dir.Path) is not { Kind: UnixFileKind.Directory })
            throw new AuditChainException($"audit: {directory} is not a directory", "", 0);

        var entries = new List<string>();
        foreach (var (name, st) in dir.ListJsonl())
        {
            if (st.Kind == UnixFileKind.Directory) continue;
            if (st.Kind != UnixFileKind.Regular)
                throw new AuditChainException($"audit: {name} is {AuditDirectory.Describe(st.Kind)}, not a regular file", name, 0);
            entries.Add(name);
        }
        if (entries.Count == 0) throw new AuditChainException($"audit: no .jsonl files found in {directory}", "", 0);
        if (since is { } from)
        {
            entries = entries.FindAll(n => AuditFileNames.DateIn(n) is not { } d || d >= from);
            if (entries.Count == 0)
                throw new AuditChainException($"audit: no .jsonl files found in {directory} at or after {from:yyyy-MM-dd}", "", 0);
        }

        var hookFiles = entries.FindAll(AuditFileNames.IsNativeHook);
        var chainFiles = entries.FindAll(n => !AuditFileNames.IsNativeHook(n));
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var hashById = new Dictionary<string, string>(StringComparer.Ordinal);
        long chainEvents = 0;

        if (chainFiles.Count > 0)
        {
            if (since is null && chainFiles.TrueForAll(AuditFileNames.IsManaged))
            {
                try
                {
                    AuditRecovery.Recover(dir, e =>
                    {
                        if (ids.TryGetValue(e.Id, out var other))
                            throw new AuditChainException($"audit: duplicate event ID {e.Id} in {other} and {e.File}", e.File, e.Line);
                        ids[e.Id] = e.File;
                        hashById[e.Id] = e.Hash;
                        chainEvents++;
                    });
                }
                catch (AuditChainException ex) when (!ex.Message.StartsWith("audit: ", StringComparison.Ordinal))
                {
                    throw new AuditChainException("audit: CHAIN BROKEN: " + ex.Message, ex.File, ex.Line);
                }
            }
            else chainEvents = LinearScan(dir, chainFiles, since is not null, ids, hashById);
        }

        CheckAnchors(dir, since, hashById);

        long hookEvents = 0;
        var hookIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in hookFiles)
        {
            foreach (var (line, e) in Events(dir, file))
            {
                if (!AuditChain.Verify(e))
                    throw new AuditChainException(
                        $"audit: RECORD MODIFIED at native-hook event {e.Id} in file {file}: hash verification failed (line {line})", file, line);
                if (hookIds.TryGetValue(e.Id, out var other))
                    throw new AuditChainException($"audit: duplicate event ID {e.Id} in {other} and {file}", file, line);
                hookIds[e.Id] = file;
                hookEvents++;
            }
        }

        var message = (chainFiles.Count > 0, hookFiles.Count > 0) switch
        {
            (true, false) => $"✓ Chain verified: {chainEvents} events across {chainFiles.Count} files, no tampering detected",
            (false, true) => $"✓ Record hashes verified: {hookEvents} native-hook events across {hookFiles.Count} files, no modification detected",
            _ => $"✓ Audit verified: {chainEvents} chained events across {chainFiles.Count} files and {hookEvents} native-hook events across {hookFiles.Count} files, no modification detected",
        };
        return new AuditVerifyResult
        {
            IsValid = true,
            Message = message,
            ChainEvents = chainEvents,
            ChainFiles = chainFiles.Count,
            HookEvents = hookEvents,
            HookFiles = hookFiles.Count,
        };
    }

    /// <summary>AUD-081 second form; upstream's messages, with the line appended so the break can be found.</summary>
    static long LinearScan(AuditDirectory dir, List<string> files, bool partial, Dictionary<string, string> ids,
        Dictionary<string, string> hashById)
    {
        long count = 0;
        string? previous = null;
        foreach (var file in files)
        {
            foreach (var (line, e) in Events(dir, file))
            {
                string Broken(string why) => $"audit: CHAIN BROKEN at event {e.Id} in file {file}: {why} (line {line})";
                if (previous is null)
                {
                    if (!partial && e.PrevHash.Length > 0) throw new AuditChainException(Broken("first event has non-empty prev_hash"), file, line);
                }
                else if (e.PrevHash != previous) throw new AuditChainException(Broken("prev_hash mismatch"), file, line);
                if (!AuditChain.Verify(e)) throw new AuditChainException(Broken("hash verification failed"), file, line);
                if (ids.TryGetValue(e.Id, out var other))
                    throw new AuditChainException($"audit: duplicate event ID {e.Id} in {other} and {file}", file, line);
                ids[e.Id] = file;
                hashById[e.Id] = e.Hash;
                previous = e.Hash;
                count++;
            }
        }
        return count;
    }

    /// <summary>Events of one file (records without id skipped); unreadable lines are errors.</summary>
    static IEnumerable<(int Line, AuditEvent Event)> Events(AuditDirectory dir, string file)
    {
        using var handle = dir.OpenExisting(file, UnixFile.ReadOnly, out var st, chmod: false);
        var reader = new AuditLineReader(handle, file, 0, st.Size);
        while (reader.TryRead(out var line))
        {
            if (line.IsBlank && line.IsTerminated) continue;
            ParsedRecord parsed;
            try
            {
                parsed = AuditRecovery.ParseChecked(file, line);
            }
            catch (AuditChainException ex) when (ex.Message.Contains("record has no event id", StringComparison.Ordinal))
            {
                continue;
            }
            catch (AuditChainException ex)
            {
                throw new AuditChainException("audit: " + ex.Message, ex.File, ex.Line);
            }
            if (parsed.IsEvent) yield return (line.Number, parsed.Event);
        }
    }

    static void CheckAnchors(AuditDirectory dir, DateOnly? since, Dictionary<string, string> hashById)
    {
        foreach (var full in Directory.EnumerateFiles(dir.Path, "*.json"))
        {
            var name = Path.GetFileName(full);
            if (name != AuditFileNames.Anchor && !name.EndsWith(".anchor.json", StringComparison.Ordinal)) continue;
            AuditAnchor anchor;
            try
            {
                anchor = AuditFileFormat.ParseAnchor(dir.ReadSmall(name) ?? []);
            }
            catch (AuditFormatException ex)
            {
                throw new AuditChainException($"audit: parse anchor {name}: {ex.Message}", name, 0);
            }
            if (anchor.EventId.Length == 0) continue;
            if (!hashById.TryGetValue(anchor.EventId, out var hash))
            {
                if (since is { } from && AuditTimestamp.TryParse(anchor.Timestamp, out var ts) &&
                    DateOnly.FromDateTime(ts.ToDateTimeOffset().UtcDateTime) < from)
                    continue;
                throw new AuditChainException($"audit: CHAIN BROKEN at event {anchor.EventId} in file {name}: anchor event not found", name, 0);
            }
            if (hash != anchor.Hash)
                throw new AuditChainException($"audit: CHAIN BROKEN at event {anchor.EventId} in file {name}: anchor hash mismatch", name, 0);
        }
    }
}
