using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Rampart.Core.Audit;

/// <summary>
/// File-safety rules for the audit directory (AUD-001, AUD-043, SEC-020..SEC-024): the directory is a
/// real directory, files are regular non-symlink files whose opened handle is the file at the path
/// (device+inode before and after open), new files are created exclusively and every file is
/// chmod 0600 whatever the umask.
/// </summary>
internal sealed class AuditDirectory(string path)
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Path { get; } = path;

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates the directory 0700 if missing (an existing one keeps its mode); refuses symlinks and non-directories.</summary>
    public void Ensure(bool create)
    {
        var st = UnixFile.LStat(Path);
        if (st is null)
        {
            if (!create) throw new IOException($"audit directory {Path} does not exist");
            MakeDirectory(Path);
            st = UnixFile.LStat(Path);
        }
        if (st is not { Kind: UnixFileKind.Directory })
            throw new IOException($"audit directory {Path} is not a real directory (symlinks are refused)");
    }

    static void MakeDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the audit trail needs a Unix file system");
        Directory.CreateDirectory(path, DirectoryMode);
        // The umask may have removed bits from 0700; AUD-001 wants exactly owner-only.
        File.SetUnixFileMode(path, DirectoryMode);
    }

    internal static void Chmod(SafeFileHandle handle)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the audit trail needs a Unix file system");
        File.SetUnixFileMode(handle, FileMode);
    }

    /// <summary>Every <c>*.jsonl</c> entry with its kind (not followed), sorted in chain order (AUD-041).</summary>
    public List<(string Name, FileStatus Status)> ListJsonl()
    {
        var result = new List<(string, FileStatus)>();
        foreach (var full in Directory.EnumerateFileSystemEntries(Path, "*" + AuditFileNames.Extension))
        {
            var name = System.IO.Path.GetFileName(full);
            if (!name.EndsWith(AuditFileNames.Extension, StringComparison.Ordinal)) continue;
            if (UnixFile.LStat(full) is { } st) result.Add((name, st));
        }
        result.Sort((a, b) => AuditFileNames.Compare(a.Item1, b.Item1));
        return result;
    }

    /// <summary>Managed chain files in chain order; any <c>*.jsonl</c> that is a symlink or not a regular file is an error (AUD-040, SEC-024).</summary>
    public List<string> ManagedFiles()
    {
        var names = new List<string>();
        foreach (var (name, st) in ListJsonl())
        {
            if (st.Kind != UnixFileKind.Regular)
                throw new AuditChainException($"audit file {name} is {Describe(st.Kind)}, not a regular file", name, 0);
            if (AuditFileNames.IsManaged(name)) names.Add(name);
        }
        return names;
    }

    internal static string Describe(UnixFileKind kind) => kind switch
    {
        UnixFileKind.Symlink => "a symlink",
        UnixFileKind.Directory => "a directory",
        UnixFileKind.Regular => "a regular file",
        _ => "a special file",
    };

    /// <summary>Opens an existing regular file; the handle must be the file that was checked (SEC-021).</summary>
    public SafeFileHandle OpenExisting(string name, int access, out FileStatus status, bool chmod)
    {
        var full = Combine(name);
        var before = UnixFile.LStat(full) ?? throw new FileNotFoundException($"open {full}: no such file", full);
        if (before.Kind != UnixFileKind.Regular)
            throw new IOException($"open {full}: {Describe(before.Kind)}, not a regular file");
        var handle = UnixFile.Open(full, access);
        try
        {
            // SEC-022: owner-only on every open; a failure (e.g. someone else's file) is an error.
            if (chmod) Chmod(handle);
            status = UnixFile.FStat(handle, full);
            var after = UnixFile.LStat(full);
            if (status.Kind != UnixFileKind.Regular || !status.IsSameFile(before) || after is null || !after.Value.IsSameFile(status))
                throw new IOException($"open {full}: file changed while it was being opened");
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Creates a new file with O_EXCL, mode 0600, and (when durable) fsyncs the directory (AUD-043).</summary>
    public SafeFileHandle CreateExclusive(string name, bool fsync)
    {
        var full = Combine(name);
        var handle = UnixFile.Open(full, UnixFile.ReadWrite | UnixFile.Create | UnixFile.Exclusive, FileMode);
        try
        {
            Chmod(handle);
            if (fsync) UnixFile.FsyncDirectory(Path);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a whole small regular file (metadata, ≤ 1 MiB, SEC-023); null when missing.</summary>
    public byte[]? ReadSmall(string name, int maxBytes = AuditFileFormat.MaxMetadataBytes)
    {
        if (UnixFile.LStat(Combine(name)) is null) return null;
        using var handle = OpenExisting(name, UnixFile.ReadOnly, out var st, chmod: false);
        if (st.Size > maxBytes) throw new IOException($"{Combine(name)} exceeds {maxBytes} bytes");
        var buf = new byte[st.Size];
        var read = 0;
        while (read < buf.Length)
        {
            var n = RandomAccess.Read(handle, buf.AsSpan(read), read);
            if (n == 0) break;
            read += n;
        }
        return read == buf.Length ? buf : buf[..read];
    }

    /// <summary>
    /// Replaces <paramref name="name"/> atomically (SEC-020): random owner-only temp file in the same
    /// directory, write, fsync when durable, rename over the target, fsync the directory.
    /// </summary>
    public void ReplaceAtomically(string name, ReadOnlySpan<byte> content, string tempPrefix, bool fsync) =>
        InstallReplacement(StageReplacement(content, tempPrefix, fsync), name, fsync);

    /// <summary>
    /// First half of <see cref="ReplaceAtomically"/>: the temp file, written (and fsynced when
    /// durable). Its name goes to <see cref="InstallReplacement"/> or <see cref="DiscardReplacement"/>.
    /// </summary>
    public string StageReplacement(ReadOnlySpan<byte> content, string tempPrefix, bool fsync)
    {
        var tempName = tempPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        try
        {
            using var handle = CreateExclusive(tempName, fsync: false);
            RandomAccess.Write(handle, content, 0);
            if (fsync) RandomAccess.FlushToDisk(handle);
            return tempName;
        }
        catch
        {
            DiscardReplacement(tempName);
            throw;
        }
    }

    /// <summary>
    /// <see cref="StageReplacement"/> without the fsync: the temp file is written and its handle
    /// returned open, for the caller to fsync (and dispose) before <see cref="InstallReplacement"/>.
    /// </summary>
    public (string TempName, SafeFileHandle Handle) StageReplacementOpen(ReadOnlySpan<byte> content, string tempPrefix)
    {
        var tempName = tempPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        SafeFileHandle? handle = null;
        try
        {
            handle = CreateExclusive(tempName, fsync: false);
            RandomAccess.Write(handle, content, 0);
            return (tempName, handle);
        }
        catch
        {
            handle?.Dispose();
            DiscardReplacement(tempName);
            throw;
        }
    }

    /// <summary>Second half of <see cref="ReplaceAtomically"/>: rename over the target, fsync the directory.</summary>
    public void InstallReplacement(string tempName, string name, bool fsync)
    {
        try
        {
            var target = UnixFile.LStat(Combine(name));
            if (target is { Kind: not UnixFileKind.Regular })
                throw new IOException($"{Combine(name)} is {Describe(target.Value.Kind)}, not a regular file");
            File.Move(Combine(tempName), Combine(name), overwrite: true);
            if (fsync) UnixFile.FsyncDirectory(Path);
        }
        finally
        {
            DiscardReplacement(tempName);
        }
    }

    /// <summary>Removes a staged temp file that will not be installed (nothing if it is gone).</summary>
    public void DiscardReplacement(string tempName)
    {
        var temp = Combine(tempName);
        if (UnixFile.LStat(temp) is not null) File.Delete(temp);
    }

    /// <summary>Rewrites a small existing file in place after checking it is still the same regular file (AUD-051).</summary>
    public void RewriteInPlace(string name, ReadOnlySpan<byte> content)
    {
        using var handle = OpenExisting(name, UnixFile.WriteOnly, out _, chmod: true);
        RandomAccess.Write(handle, content, 0);
        RandomAccess.SetLength(handle, content.Length);
    }
}
