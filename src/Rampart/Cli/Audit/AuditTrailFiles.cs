using Rampart.Core.Audit;

namespace Rampart.Cli.Audit;

/// <summary>One event read back by a CLI reader, with where it is.</summary>
internal sealed record AuditLine(string File, int Line, AuditEvent Event);

/// <summary>
/// The files the CLI readers look at (CLI-055..CLI-059): every regular, non-symlink <c>*.jsonl</c>
/// of the audit directory in chain order (AUD-041), read per AUD-090.
/// </summary>
internal static class AuditTrailFiles
{
    /// <summary>Every readable <c>*.jsonl</c> in chain order (bare names); a missing directory is an error.</summary>
    public static List<string> All(string directory)
    {
        var info = new DirectoryInfo(directory);
        if (!info.Exists) throw new AuditReadException($"audit: audit directory {directory} does not exist");
        if (info.LinkTarget is not null) throw new AuditReadException($"audit: audit directory {directory} is a symlink");
        var names = new List<string>();
        foreach (var entry in info.EnumerateFileSystemInfos("*" + AuditFileNames.Extension))
        {
            // AUD-090: only regular, non-symlink files are opened.
            if (entry.LinkTarget is not null || entry is not FileInfo) continue;
            if (!entry.Name.EndsWith(AuditFileNames.Extension, StringComparison.Ordinal)) continue;
            names.Add(entry.Name);
        }
        return AuditFileNames.Sort(names);
    }

    /// <summary>Like <see cref="All"/>, but no files at all is an error.</summary>
    public static List<string> AllOrFail(string directory)
    {
        var names = All(directory);
        if (names.Count == 0) throw new AuditReadException($"audit: no .jsonl files found in {directory}");
        return names;
    }

    /// <summary>CLI-055: the newest managed file, or the newest <c>*.jsonl</c> when no managed file exists.</summary>
    public static string? Newest(List<string> names)
    {
        for (var i = names.Count - 1; i >= 0; i--)
            if (AuditFileNames.IsManaged(names[i])) return names[i];
        return names.Count > 0 ? names[^1] : null;
    }

    /// <summary>Every event of the given files, in file order.</summary>
    public static IEnumerable<AuditLine> Read(string directory, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var cursor = new AuditFileCursor(directory, name);
            foreach (var line in cursor.ReadNew()) yield return line;
        }
    }
}

/// <summary>A trail that cannot be read; the message is printed as is.</summary>
internal sealed class AuditReadException(string message) : Exception(message);

/// <summary>
/// Reads one audit file incrementally: only complete (LF-terminated) lines are returned, so a record
/// still being written is picked up by the next call (AUD-090); a file that became shorter than the
/// read offset is read again from the start (rotation or replacement under the follower).
/// </summary>
internal sealed class AuditFileCursor(string directory, string name)
{
    const int MaxRecordBytes = 2 * 1024 * 1024;

    long _offset;
    int _lineNumber;

    public string Name { get; } = name;

    public string Path { get; } = System.IO.Path.Combine(directory, name);

    public List<AuditLine> ReadNew()
    {
        var result = new List<AuditLine>();
        var info = new FileInfo(Path);
        if (!info.Exists || info.LinkTarget is not null) return result;
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        var length = stream.Length;
        if (length < _offset)
        {
            _offset = 0;
            _lineNumber = 0;
        }
        if (length == _offset) return result;
        stream.Position = _offset;
        var pending = new MemoryStream();
        var buffer = new byte[64 * 1024];
        var position = _offset;
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < n; i++)
            {
                if (buffer[i] != (byte)'\n') continue;
                pending.Write(buffer, start, i - start);
                position += i - start + 1;
                start = i + 1;
                _lineNumber++;
                Accept(pending, result);
                _offset = position;
                pending.SetLength(0);
            }
            pending.Write(buffer, start, n - start);
            position += n - start;
            if (pending.Length > MaxRecordBytes) throw TooLong(_lineNumber + 1);
        }
        // An unterminated tail stays unread: it may still be being written (AUD-090).
        return result;
    }

    void Accept(MemoryStream pending, List<AuditLine> result)
    {
        if (pending.Length > MaxRecordBytes) throw TooLong(_lineNumber);
        var bytes = pending.GetBuffer().AsSpan(0, (int)pending.Length);
        if (bytes.Trim(" \t\r"u8).IsEmpty) return;
        AuditEvent e;
        try
        {
            e = AuditChain.ParseLine(bytes);
        }
        catch (AuditFormatException ex)
        {
            // AUD-090: CLI readers treat an unparseable line as an error.
            throw new AuditReadException($"audit: parse {Name} line {_lineNumber}: {ex.Message}");
        }
        if (e.Id.Length == 0) return; // continuation header (AUD-050) or another record without id
        result.Add(new AuditLine(Name, _lineNumber, e));
    }

    AuditReadException TooLong(int line) =>
        new($"audit: {Name} line {line}: record exceeds {MaxRecordBytes}-byte limit");
}
