using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Rampart.Core.Audit;

/// <summary>What <see cref="AuditRepair.RepairTornTail"/> did: nothing (<see cref="TornFile"/> null), or which bytes it moved.</summary>
public sealed record AuditRepairResult(string? File, long KeptBytes, long TornBytes, string? TornFile);

/// <summary>
/// <c>rampart audit repair</c> (AUD-072, EXTENDED): the operator's answer to a torn final line, the
/// one crash case the server refuses to start on. A crash mid-append (power loss, or a kill during a
/// multi-page write, which the kernel may cut at a page boundary) leaves bytes after the last
/// <c>\n</c> of the newest managed file. No response was ever sent for them (a decision is answered
/// only after its whole record is durable, AUD-055), so they are evidence of a crash, not of a
/// decision. Repair moves exactly those bytes into <c>&lt;file&gt;.torn-&lt;UTC time&gt;</c> (0600, kept
/// for inspection, not a managed name), truncates the file to its last <c>\n</c>, and never touches a
/// complete record. It runs under the writer lock (AUD-053), so it cannot race a live writer; the
/// next start then rebuilds the checkpoint from the log (AUD-071).
/// </summary>
public static class AuditRepair
{
    public static AuditRepairResult RepairTornTail(string directory, DateTimeOffset now)
    {
        var names = AuditReader.FilesOrFail(directory);
        string? last = null;
        for (var i = names.Count - 1; i >= 0 && last is null; i--)
            if (AuditFileNames.IsManaged(names[i])) last = names[i];
        if (last is null) return new AuditRepairResult(null, 0, 0, null);

        var full = Path.GetFullPath(directory);
        var lockPath = Path.Combine(full, AuditFileNames.Lock);
        using var lockHandle = UnixFile.Open(lockPath, UnixFile.ReadWrite | UnixFile.Create);
        UnixFile.LockExclusiveBlocking(lockHandle, lockPath);
        try
        {
            var path = Path.Combine(full, last);
            using var log = UnixFile.Open(path, UnixFile.ReadWrite);
            var size = RandomAccess.GetLength(log);
            var keep = KeptLength(log, size);
            if (keep == size) return new AuditRepairResult(last, size, 0, null);

            var torn = new byte[size - keep];
            var read = 0;
            while (read < torn.Length)
            {
                var n = RandomAccess.Read(log, torn.AsSpan(read), keep + read);
                if (n == 0) throw new IOException($"audit repair: {path} shrank while being read");
                read += n;
            }
            var tornName = last + ".torn-" + now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
            var tornPath = Path.Combine(full, tornName);
            // The torn bytes are made durable before the log loses them.
            using (var copy = UnixFile.Open(tornPath, UnixFile.WriteOnly | UnixFile.Create | UnixFile.Exclusive))
            {
                RandomAccess.Write(copy, torn, 0);
                RandomAccess.FlushToDisk(copy);
            }
            UnixFile.FsyncDirectory(full);
            RandomAccess.SetLength(log, keep);
            RandomAccess.FlushToDisk(log);
            return new AuditRepairResult(last, keep, torn.Length, tornName);
        }
        finally
        {
            UnixFile.Unlock(lockHandle, lockPath);
        }
    }

    /// <summary>Bytes up to and including the last <c>\n</c> (0 when there is none).</summary>
    static long KeptLength(SafeFileHandle log, long size)
    {
        var buffer = new byte[64 * 1024];
        var end = size;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            var chunk = buffer.AsSpan(0, (int)(end - start));
            var read = 0;
            while (read < chunk.Length)
            {
                var n = RandomAccess.Read(log, chunk[read..], start + read);
                if (n == 0) throw new IOException("audit repair: the file shrank while being read");
                read += n;
            }
            var at = chunk.LastIndexOf((byte)'\n');
            if (at >= 0) return start + at + 1;
            end = start;
        }
        return 0;
    }
}
