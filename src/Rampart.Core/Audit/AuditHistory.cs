using System.Globalization;

namespace Rampart.Core.Audit;

/// <summary>
/// The audit trail by calendar day, as the service's history routes see it (API-070..API-073): the
/// files of a day are every <c>*.jsonl</c> whose name starts with <c>YYYY-MM-DD</c> or
/// <c>audit-hook-YYYY-MM-DD</c>, in plain byte order (so <c>.p10</c> before <c>.p2</c>, unlike the
/// chain order — upstream behaviour, kept). The routes read these files with
/// <see cref="AuditReader.Read(string, IEnumerable{string}, AuditReadOptions)"/> and
/// <see cref="AuditReadOptions.Lenient"/>.
/// </summary>
public static class AuditHistory
{
    /// <summary>Parses a strict <c>YYYY-MM-DD</c> date.</summary>
    public static bool TryParseDate(string? text, out DateOnly date)
    {
        date = default;
        return text is { Length: 10 } && text[4] == '-' && text[7] == '-'
            && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// The date a file belongs to (its first ten characters after an <c>audit-hook-</c> prefix), or
    /// null for names that do not start with a valid date.
    /// </summary>
    public static DateOnly? DateOf(string name)
    {
        var rest = name.StartsWith(AuditFileNames.NativeHookPrefix, StringComparison.Ordinal) ? name[AuditFileNames.NativeHookPrefix.Length..] : name;
        return rest.Length >= 10 && TryParseDate(rest[..10], out var d) ? d : null;
    }

    /// <summary>
    /// The <c>*.jsonl</c> names dated in [<paramref name="from"/>, <paramref name="to"/>], in byte order;
    /// empty when the directory does not exist. Symlinks and special files are listed too: readers
    /// refuse them when opening (API-072 needs to see them to refuse the export).
    /// </summary>
    /// <exception cref="IOException">The directory exists but cannot be listed.</exception>
    public static IReadOnlyList<string> Files(string directory, DateOnly from, DateOnly to)
    {
        var names = new List<string>();
        foreach (var name in ListJsonl(directory))
        {
            if (DateOf(name) is { } d && d >= from && d <= to) names.Add(name);
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Distinct dates with audit files, newest first (API-071).</summary>
    /// <exception cref="IOException">The directory exists but cannot be listed.</exception>
    public static IReadOnlyList<DateOnly> Dates(string directory)
    {
        var dates = new SortedSet<DateOnly>();
        foreach (var name in ListJsonl(directory))
        {
            if (DateOf(name) is { } d) dates.Add(d);
        }
        var newestFirst = new List<DateOnly>(dates.Count);
        foreach (var d in dates.Reverse()) newestFirst.Add(d);
        return newestFirst;
    }

    /// <summary>
    /// Opens every file for export after checking it is a regular non-symlink file (API-072); each
    /// stream ends at the size the file had when opened, so a record being appended is not cut in half.
    /// Throws <see cref="IOException"/> (after closing what it opened) when any file is unsafe.
    /// </summary>
    public static IReadOnlyList<Stream> OpenForExport(string directory, IReadOnlyList<string> files)
    {
        var dir = new AuditDirectory(Path.GetFullPath(directory));
        var streams = new List<Stream>(files.Count);
        try
        {
            foreach (var file in files)
            {
                var handle = dir.OpenExisting(file, UnixFile.ReadOnly, out var st, chmod: false);
                streams.Add(new BoundedStream(new FileStream(handle, FileAccess.Read, 0), st.Size));
            }
            return streams;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var s in streams) s.Dispose();
            throw e as IOException ?? new IOException(e.Message, e);
        }
    }

    static List<string> ListJsonl(string directory)
    {
        var names = new List<string>();
        if (!Directory.Exists(directory)) return names;
        foreach (var (name, _) in new AuditDirectory(Path.GetFullPath(directory)).ListJsonl()) names.Add(name);
        return names;
    }

    /// <summary>A read-only view of the first <c>length</c> bytes of a stream.</summary>
    sealed class BoundedStream(Stream inner, long length) : Stream
    {
        readonly long _length = length;
        long _remaining = length;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get => _length - _remaining; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_remaining <= 0) return 0;
            var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
            _remaining -= n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_remaining <= 0) return 0;
            var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
            _remaining -= n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
