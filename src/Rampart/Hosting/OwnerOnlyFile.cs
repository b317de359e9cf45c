namespace Rampart.Hosting;

/// <summary>
/// Reads and atomically replaces Rampart-owned secret/state files under the file-safety rules:
/// no symlinks or special files (SEC-021), owner-only mode forced on every read and write
/// (SEC-022), bounded reads (SEC-023), temp file + fsync + rename + directory fsync (SEC-020).
/// </summary>
internal static class OwnerOnlyFile
{
    public const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The file's bytes, or null when it does not exist. Throws <see cref="IOException"/> with a clear message otherwise.</summary>
    public static byte[]? ReadAllBytes(string path, long maxBytes)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            if (info.LinkTarget is not null) throw new IOException($"{path} is a dangling symlink; refusing to read it");
            if (Directory.Exists(path)) throw new IOException($"{path} is a directory, not a regular file");
            return null;
        }
        Refuse(info);
        File.SetUnixFileMode(path, OwnerReadWrite);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        // Re-check after opening: a swap between the check and the open must not go unnoticed.
        var after = new FileInfo(path);
        Refuse(after);
        if (stream.Length > maxBytes) throw new IOException($"{path} is larger than {maxBytes} bytes; refusing to read it");
        var buffer = new byte[stream.Length];
        stream.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> atomically: 0600 temp file in the same directory, fsync, rename, directory fsync.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) throw new IOException($"{path} is a symlink; refusing to replace it");
        if (Directory.Exists(path)) throw new IOException($"{path} is a directory, not a regular file");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            // The mode is set at creation, before any secret byte is written (SEC-020).
            using (var stream = new FileStream(temp, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew,
                       Access = FileAccess.Write,
                       Share = FileShare.None,
                       UnixCreateMode = OwnerReadWrite,
                   }))
            {
                stream.Write(content);
                if (durable) stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
        if (durable) SyncDirectory(dir);
    }

    static void Refuse(FileInfo info)
    {
        if (info.LinkTarget is not null) throw new IOException($"{info.FullName} is a symlink; refusing to use it");
        if ((info.Attributes & (FileAttributes.Directory | FileAttributes.Device)) != 0)
            throw new IOException($"{info.FullName} is not a regular file");
    }

    /// <summary>
    /// fsync of the directory so the rename itself is durable (SEC-020). This used to open the
    /// directory with <c>File.OpenHandle</c>, which .NET refuses for directories
    /// (<see cref="UnauthorizedAccessException"/>, swallowed as "best effort"): the directory was
    /// never synced, so a crash right after start-up could lose a token or signing key that had
    /// already been announced.
    /// </summary>
    internal static void SyncDirectory(string dir) => Posix.FsyncDirectory(dir);
}
