namespace Rampart.Core.Audit;

/// <summary>
/// Validation of the shared checkpoint before it is trusted (AUD-071). Anything doubtful returns
/// null, which sends the caller to full recovery: the checkpoint is coordination data, never an
/// integrity authority.
/// </summary>
internal static class ChainStateCheck
{
    const long MaxLastEventSize = AuditCompaction.MaxRecordBytes + 1;

    public static ChainTail? TryAdopt(AuditDirectory dir, ChainState s)
    {
        if (s.Version != 1 || s.EventCount < 0) return null;
        if (!IsBareManaged(s.CurrentFile)) return null;
        List<string> files;
        try
        {
            files = dir.ManagedFiles();
        }
        catch (AuditChainException)
        {
            return null;
        }
        if (files.Count == 0 || files[^1] != s.CurrentFile) return null;
        var current = UnixFile.LStat(dir.Combine(s.CurrentFile));
        if (current is not { Kind: UnixFileKind.Regular } || current.Value.Size != s.CurrentSize) return null;
        if ((s.EventCount == 0) != (s.LastHash.Length == 0)) return null;
        if (s.EventCount == 0)
        {
            var clean = s.CurrentSize == 0 && s.LastEventFile.Length == 0 && s.LastEventStart == 0 && s.LastEventSize == 0;
            return clean ? ChainTail.From(s) : null;
        }

        if (!IsBareManaged(s.LastEventFile) || !files.Contains(s.LastEventFile)) return null;
        if (s.LastEventStart < 0 || s.LastEventSize <= 0 || s.LastEventSize > MaxLastEventSize) return null;
        var tail = ReadRecord(dir, s.LastEventFile, s.LastEventStart, s.LastEventSize, mustEndFile: true);
        if (tail is not { IsEvent: true } || tail.Event.Hash != s.LastHash || !AuditChain.Verify(tail.Event)) return null;

        if (s.LastEventFile != s.CurrentFile)
        {
            var last = LastRecord(dir, s.CurrentFile, s.CurrentSize);
            var follows = last switch
            {
                { IsHeader: true } h => h.ChainContinue == tail.Event.Hash,
                { IsEvent: true } e => e.Event.Hash == tail.Event.PrevHash,
                _ => false,
            };
            if (!follows) return null;
        }
        return ChainTail.From(s);
    }

    static bool IsBareManaged(string name) =>
        name.Length > 0 && name.IndexOf('/') < 0 && name.IndexOf('\\') < 0 && AuditFileNames.IsManaged(name);

    static ParsedRecord? ReadRecord(AuditDirectory dir, string file, long start, long size, bool mustEndFile)
    {
        try
        {
            using var handle = dir.OpenExisting(file, UnixFile.ReadOnly, out var st, chmod: false);
            if (mustEndFile && start + size != st.Size) return null;
            var buf = new byte[size];
            var n = 0;
            while (n < buf.Length)
            {
                var got = RandomAccess.Read(handle, buf.AsSpan(n), start + n);
                if (got == 0) return null;
                n += got;
            }
            if (buf[^1] != '\n') return null;
            return AuditEventJson.Parse(buf.AsSpan(0, buf.Length - 1));
        }
        catch (Exception ex) when (ex is IOException or AuditFormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The last non-blank record of a file (which must end in LF), or null.</summary>
    static ParsedRecord? LastRecord(AuditDirectory dir, string file, long size)
    {
        if (size == 0) return null;
        try
        {
            using var handle = dir.OpenExisting(file, UnixFile.ReadOnly, out _, chmod: false);
            var window = (int)Math.Min(size, MaxLastEventSize + 1);
            var buf = new byte[window];
            var n = 0;
            while (n < window)
            {
                var got = RandomAccess.Read(handle, buf.AsSpan(n), size - window + n);
                if (got == 0) return null;
                n += got;
            }
            if (buf[^1] != '\n') return null;
            var end = buf.Length - 1;
            while (true)
            {
                var startIdx = buf.AsSpan(0, end).LastIndexOf((byte)'\n') + 1;
                var line = buf.AsSpan(startIdx, end - startIdx);
                if (!line.Trim(" \t\r"u8).IsEmpty)
                {
                    if (startIdx == 0 && window < size) return null; // record longer than the window
                    return AuditEventJson.Parse(line);
                }
                if (startIdx == 0) return null;
                end = startIdx - 1;
            }
        }
        catch (Exception ex) when (ex is IOException or AuditFormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
