namespace Rampart.Core.Audit;

/// <summary>One event read back, with the file and 1-based line it is on.</summary>
public sealed record AuditEntry(string File, int Line, AuditEvent Event);

/// <summary>A trail a strict reader cannot read; the message names the problem and is shown as is (CLI-003).</summary>
public sealed class AuditReadException(string message) : Exception(message);

/// <summary>
/// What a reader does with what it cannot use. Every reader of the trail shares the rest of AUD-090
/// (see <see cref="AuditReader"/>); the CLI and the API history routes differ only here.
/// </summary>
public sealed record AuditReadOptions
{
    /// <summary>
    /// False: an unparseable line ends the read with an <see cref="AuditReadException"/> naming file
    /// and line (AUD-090 "CLI readers treat an unparseable line as an error"). True: the line is
    /// skipped and the rest of the file is read (API-070 "unparseable lines skipped").
    /// </summary>
    /// <remarks>
    /// AUD-090 also says "the API skips the file"; API-070, the route's own requirement, skips the
    /// line, and so do the endpoint tests. We read AUD-090's whole-file skip as applying to files that
    /// cannot be read at all (<see cref="OnUnreadableFile"/>), which satisfies both texts.
    /// </remarks>
    public bool SkipUnparseableLines { get; init; }

    /// <summary>
    /// Null: a file that cannot be read (I/O error, not a regular file, a line over 2 MiB) ends the
    /// read with the exception. Set: the file is reported here and skipped whole, nothing of it is
    /// returned (API-070 "per-file read errors logged and skipped").
    /// </summary>
    public Action<string, Exception>? OnUnreadableFile { get; init; }

    /// <summary>The CLI readers' rules (<c>audit tail/search/stats/replay</c>, <c>log</c>): any problem is an error.</summary>
    public static AuditReadOptions Strict { get; } = new();

    /// <summary>The API history routes' rules (API-070, API-073): read what can be read, report the rest.</summary>
    public static AuditReadOptions Lenient(Action<string, Exception> onUnreadableFile) =>
        new() { SkipUnparseableLines = true, OnUnreadableFile = onUnreadableFile };
}

/// <summary>
/// The one reader of audit records (AUD-090) behind the API history routes and the CLI's
/// <c>audit tail/search/stats/replay</c> and <c>log</c>: only regular non-symlink files are opened,
/// a line over 2 MiB is an error, blank lines and records without an id (continuation headers,
/// AUD-050) are skipped, and a final line without LF is left unread (it may still be being
/// written). Which files to read is the caller's choice: <see cref="Files"/> for the CLI,
/// <see cref="AuditHistory.Files"/> for a range of days. The differences between callers are the
/// <see cref="AuditReadOptions"/>.
/// </summary>
public static class AuditReader
{
    /// <summary>
    /// The files the CLI reads (CLI-055..CLI-059): every regular, non-symlink <c>*.jsonl</c> of the
    /// directory, native-hook and unmanaged files included, in chain order (AUD-041).
    /// </summary>
    /// <exception cref="AuditReadException">The directory does not exist or is a symlink.</exception>
    public static List<string> Files(string directory)
    {
        var full = Path.GetFullPath(directory);
        var st = UnixFile.LStat(full);
        // A dangling symlink reads as missing, a symlink to a directory as a symlink.
        if (st is not { Kind: UnixFileKind.Directory or UnixFileKind.Symlink } || !Directory.Exists(full))
            throw new AuditReadException($"audit: audit directory {directory} does not exist");
        if (st.Value.Kind == UnixFileKind.Symlink) throw new AuditReadException($"audit: audit directory {directory} is a symlink");
        var names = new List<string>();
        foreach (var (name, status) in new AuditDirectory(full).ListJsonl())
            if (status.Kind == UnixFileKind.Regular) names.Add(name);
        return names;
    }

    /// <summary>Like <see cref="Files"/>, but no files at all is an error (AUD-080's message).</summary>
    public static List<string> FilesOrFail(string directory)
    {
        var names = Files(directory);
        if (names.Count == 0) throw new AuditReadException($"audit: no .jsonl files found in {directory}");
        return names;
    }

    /// <summary>CLI-055, CLI-059: the newest managed file, or the newest of any when no managed file exists.</summary>
    public static string? Newest(IReadOnlyList<string> names)
    {
        for (var i = names.Count - 1; i >= 0; i--)
            if (AuditFileNames.IsManaged(names[i])) return names[i];
        return names.Count > 0 ? names[^1] : null;
    }

    /// <summary>Every event of every file of <see cref="Files"/>, strictly.</summary>
    public static IEnumerable<AuditEntry> Read(string directory) => Read(directory, Files(directory), AuditReadOptions.Strict);

    /// <summary>Every event of <paramref name="files"/> (names in <paramref name="directory"/>), in file order.</summary>
    public static IEnumerable<AuditEntry> Read(string directory, IEnumerable<string> files, AuditReadOptions options)
    {
        foreach (var file in files)
        {
            List<AuditEntry> entries;
            try
            {
                entries = new AuditFileCursor(directory, file, options).ReadNew();
            }
            catch (Exception e) when (options.OnUnreadableFile is not null && e is IOException or UnauthorizedAccessException or AuditReadException)
            {
                options.OnUnreadableFile(file, e);
                continue;
            }
            foreach (var entry in entries) yield return entry;
        }
    }
}

/// <summary>
/// Reads one audit file incrementally under the rules of <see cref="AuditReader"/>: each call returns
/// the complete lines added since the last one, so a record still being written is picked up next
/// time; a file that became shorter than what was read is read again from the start (rotation or
/// replacement under a follower, AUD-090). A file that has gone has nothing to read.
/// </summary>
public sealed class AuditFileCursor
{
    readonly AuditDirectory _directory;
    readonly AuditReadOptions _options;
    long _offset;
    int _lines;

    public AuditFileCursor(string directory, string name, AuditReadOptions options)
    {
        _directory = new AuditDirectory(Path.GetFullPath(directory));
        _options = options;
        Name = name;
    }

    /// <summary>The file's name in the directory.</summary>
    public string Name { get; }

    /// <exception cref="AuditReadException">A line over 2 MiB, or (strict) an unparseable line.</exception>
    /// <exception cref="IOException">The file cannot be opened or read, or is not a regular file.</exception>
    public List<AuditEntry> ReadNew()
    {
        var result = new List<AuditEntry>();
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        FileStatus st;
        try
        {
            handle = _directory.OpenExisting(Name, UnixFile.ReadOnly, out st, chmod: false);
        }
        catch (FileNotFoundException)
        {
            return result;
        }
        using (handle)
        {
            if (st.Size < _offset)
            {
                _offset = 0;
                _lines = 0;
            }
            var reader = new AuditLineReader(handle, Name, _offset, st.Size, _lines);
            while (Next(reader, out var line))
            {
                if (!line.IsTerminated) break; // may still be being written (AUD-090)
                _offset = line.Offset + line.SizeOnDisk;
                _lines = line.Number;
                if (line.IsBlank) continue;
                ParsedRecord parsed;
                try
                {
                    parsed = AuditEventJson.Parse(line.Bytes.Span);
                }
                catch (AuditFormatException ex)
                {
                    if (_options.SkipUnparseableLines) continue;
                    throw new AuditReadException($"audit: parse {Name} line {line.Number}: {ex.Message}");
                }
                // Records without an id are continuation headers (AUD-050), not events (API-070's deliberate deviation).
                if (parsed.IsEvent) result.Add(new AuditEntry(Name, line.Number, parsed.Event));
            }
        }
        return result;
    }

    bool Next(AuditLineReader reader, out AuditLine line)
    {
        try
        {
            return reader.TryRead(out line);
        }
        catch (AuditChainException ex)
        {
            // The line reader's only error: a record over the 2 MiB limit (AUD-026, AUD-090).
            throw new AuditReadException($"audit: {Name} line {ex.Line}: record exceeds {AuditCompaction.MaxRecordBytes}-byte limit");
        }
    }
}
