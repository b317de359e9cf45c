using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Rampart.Core.Audit;

/// <summary>What <c>lstat</c>/<c>fstat</c> says about a file (SEC-021).</summary>
internal readonly record struct FileStatus(UnixFileKind Kind, ulong Device, ulong Inode, long Size, long MtimeNs, int Mode)
{
    public bool IsSameFile(FileStatus other) => Device == other.Device && Inode == other.Inode;
}

internal enum UnixFileKind
{
    Regular,
    Directory,
    Symlink,
    Other,
}

/// <summary>
/// The few POSIX calls the audit files need and .NET does not expose: <c>open</c> with
/// <c>O_NOFOLLOW</c>/<c>O_EXCL</c> (and without .NET's implicit advisory locks, which would clash
/// with the writer's own <c>flock</c>), <c>statx</c> for device+inode identity, blocking
/// <c>flock</c>, and directory <c>fsync</c>. Blittable signatures only, so AOT needs no marshalling
/// stubs. Linux only (the service platform); flag values differ per architecture where noted.
/// </summary>
internal static class UnixFile
{
    const int AtFdCwd = -100;
    const int AtSymlinkNoFollow = 0x100;
    const int AtEmptyPath = 0x1000;
    const uint StatxBasicStats = 0x7ff;

    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int ReadWrite = 2;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int Truncate = 0x200;
    public const int Append = 0x400;
    const int CloseOnExec = 0x80000;
    const int NonBlock = 0x800;

    // O_NOFOLLOW is 0400000 on x86/x86-64 and 0100000 on the asm-generic/arm ABIs.
    static readonly int NoFollow =
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 0x20000 : 0x8000;

    const int LockExclusive = 2;
    const int LockUnlock = 8;
    const int EIntr = 4;
    const int ENoEnt = 2;
    const int ENotDir = 20;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    struct Statx
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(112)] public long MtimeSec;
        [FieldOffset(120)] public uint MtimeNsec;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which Rampart.Core does not enable; these signatures are blittable.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    static extern int SysStatx(int dirfd, ref byte path, int flags, uint mask, ref Statx buf);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int SysOpen(ref byte path, int flags, int mode);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    static extern int SysClose(int fd);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    static extern int SysFsync(int fd);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    static extern int SysFlock(int fd, int operation);

    [DllImport("libc", EntryPoint = "readlink", SetLastError = true)]
    static extern nint SysReadlink(ref byte path, ref byte buf, nuint size);

    // openat2 has no libc wrapper: syscall(SYS_openat2, …). glibc's and musl's syscall() read the
    // integer registers only, so the variadic declaration with fixed integer arguments is safe.
    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    static extern nint SysCall4(nint number, int dirfd, ref byte path, ref OpenHow how, nuint size);
#pragma warning restore SYSLIB1054

    [StructLayout(LayoutKind.Sequential)]
    struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    // openat2 is 437 on every Linux architecture (syscalls added after 5.1 share one number).
    const nint SysOpenat2 = 437;
    const ulong OPath = 0x200000;
    const ulong ResolveNoSymlinks = 0x04;
    const uint StatxType = 0x1;
    const int ENoSys = 38;
    const int EPerm = 1;

    // Cleared once openat2 is known to be missing (old kernel, seccomp filter), so the walk is not
    // preceded by a failing call every time.
    static volatile bool s_openat2Usable = OperatingSystem.IsLinux();

    /// <summary>Outcome of <see cref="ProbeNoSymlinks"/>.</summary>
    public enum NoSymlinkProbe
    {
        /// <summary>The path exists and no component of it (the last included) is a symbolic link.</summary>
        ExistsWithoutLinks,
        /// <summary>Some component is missing, and every component before it is a real directory (no link).</summary>
        MissingWithoutLinks,
        /// <summary>Anything else (a link somewhere, not a directory, permission, no openat2): walk it.</summary>
        Unknown,
    }

    /// <summary>
    /// One <c>openat2(O_PATH, RESOLVE_NO_SYMLINKS)</c> (+ <c>close</c>): answers "does the path resolve
    /// without following any symbolic link" in one kernel walk (POL-065 fast path).
    /// <paramref name="path0"/> is NUL-terminated UTF-8.
    /// </summary>
    public static NoSymlinkProbe ProbeNoSymlinks(ReadOnlySpan<byte> path0)
    {
        if (!s_openat2Usable) return NoSymlinkProbe.Unknown;
        var how = new OpenHow { Flags = OPath | CloseOnExec, Resolve = ResolveNoSymlinks };
        var fd = SysCall4(SysOpenat2, AtFdCwd, ref MemoryMarshal.GetReference(path0), ref how, 24);
        if (fd >= 0)
        {
            SysClose((int)fd);
            return NoSymlinkProbe.ExistsWithoutLinks;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno == ENoEnt) return NoSymlinkProbe.MissingWithoutLinks;
        // ENOSYS: a kernel before 5.6; EPERM: a seccomp filter that refuses calls it does not know.
        if (errno is ENoSys or EPerm) s_openat2Usable = false;
        return NoSymlinkProbe.Unknown;
    }

    /// <summary>
    /// <c>lstat</c> type only, without throwing: the kind, or null with <paramref name="errno"/> set.
    /// <paramref name="path0"/> is NUL-terminated UTF-8.
    /// </summary>
    public static UnixFileKind? LStatKind(ReadOnlySpan<byte> path0, out int errno)
    {
        var buf = default(Statx);
        if (SysStatx(AtFdCwd, ref MemoryMarshal.GetReference(path0), AtSymlinkNoFollow, StatxType, ref buf) == 0)
        {
            errno = 0;
            return (buf.Mode & 0xF000) switch
            {
                0x8000 => UnixFileKind.Regular,
                0x4000 => UnixFileKind.Directory,
                0xA000 => UnixFileKind.Symlink,
                _ => UnixFileKind.Other,
            };
        }
        errno = Marshal.GetLastPInvokeError();
        return null;
    }

    /// <summary><c>readlink</c>: the link's raw text, or null when it cannot be read. <paramref name="path0"/> is NUL-terminated UTF-8.</summary>
    public static string? ReadLink(ReadOnlySpan<byte> path0)
    {
        Span<byte> small = stackalloc byte[256];
        var n = SysReadlink(ref MemoryMarshal.GetReference(path0), ref MemoryMarshal.GetReference(small), (nuint)small.Length);
        if (n < 0) return null;
        if (n < small.Length) return Encoding.UTF8.GetString(small[..(int)n]);
        // Possibly truncated: retry with room for the longest path the kernel accepts.
        var big = new byte[4097];
        n = SysReadlink(ref MemoryMarshal.GetReference(path0), ref big[0], (nuint)big.Length);
        if (n < 0 || n >= big.Length) return null;
        return Encoding.UTF8.GetString(big, 0, (int)n);
    }

    static byte[] Path0(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    static FileStatus ToStatus(in Statx s)
    {
        var kind = (s.Mode & 0xF000) switch
        {
            0x8000 => UnixFileKind.Regular,
            0x4000 => UnixFileKind.Directory,
            0xA000 => UnixFileKind.Symlink,
            _ => UnixFileKind.Other,
        };
        return new FileStatus(kind, ((ulong)s.DevMajor << 32) | s.DevMinor, s.Inode, (long)s.Size,
            s.MtimeSec * 1_000_000_000L + s.MtimeNsec, s.Mode & 0xFFF);
    }

    /// <summary><c>lstat</c>: null when the path does not exist.</summary>
    public static FileStatus? LStat(string path)
    {
        var p = Path0(path);
        var buf = default(Statx);
        if (SysStatx(AtFdCwd, ref p[0], AtSymlinkNoFollow, StatxBasicStats, ref buf) == 0) return ToStatus(buf);
        var errno = Marshal.GetLastPInvokeError();
        if (errno is ENoEnt or ENotDir) return null;
        throw Error("stat", path, errno);
    }

    /// <summary><c>fstat</c> of an open handle.</summary>
    public static FileStatus FStat(SafeFileHandle handle, string pathForErrors)
    {
        var empty = new byte[1];
        var buf = default(Statx);
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var fd = (int)handle.DangerousGetHandle();
            if (SysStatx(fd, ref empty[0], AtEmptyPath, StatxBasicStats, ref buf) == 0) return ToStatus(buf);
            throw Error("fstat", pathForErrors, Marshal.GetLastPInvokeError());
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary><c>open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode)</c>; a symlink at the leaf fails (ELOOP).</summary>
    public static SafeFileHandle Open(string path, int flags, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var p = Path0(path);
        // O_NONBLOCK keeps a FIFO planted under a log name from hanging the open; regular files ignore it.
        var fd = SysOpen(ref p[0], flags | NoFollow | CloseOnExec | NonBlock, (int)mode);
        if (fd < 0) throw Error("open", path, Marshal.GetLastPInvokeError());
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Blocking exclusive <c>flock</c> (AUD-053), retried on EINTR.</summary>
    public static void LockExclusiveBlocking(SafeFileHandle handle, string pathForErrors) => Flock(handle, LockExclusive, pathForErrors);

    public static void Unlock(SafeFileHandle handle, string pathForErrors) => Flock(handle, LockUnlock, pathForErrors);

    static void Flock(SafeFileHandle handle, int op, string pathForErrors)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var fd = (int)handle.DangerousGetHandle();
            while (SysFlock(fd, op) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EIntr) throw Error("flock", pathForErrors, errno);
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>fsyncs a directory so that a create or rename in it is durable.</summary>
    public static void FsyncDirectory(string dir)
    {
        var p = Path0(dir);
        var fd = SysOpen(ref p[0], ReadOnly | CloseOnExec, 0);
        if (fd < 0) throw Error("open", dir, Marshal.GetLastPInvokeError());
        try
        {
            if (SysFsync(fd) != 0) throw Error("fsync", dir, Marshal.GetLastPInvokeError());
        }
        finally
        {
            SysClose(fd);
        }
    }

    static IOException Error(string op, string path, int errno) =>
        new($"{op} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
}
