using System.Runtime.InteropServices;
using System.Text;

namespace Rampart.Hosting;

/// <summary>Who owns a path and how it may be used, as <c>lstat</c> reports it (symlinks are not followed).</summary>
internal readonly record struct PathOwnership(uint Uid, uint Gid, UnixFileMode Mode, PathKind Kind)
{
    public bool IsGroupOrOtherAccessible => (Mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0;

    /// <summary>Permission bits as the usual four octal digits, e.g. <c>0640</c>.</summary>
    public string OctalMode => "0" + Convert.ToString((int)Mode & 0xFFF, 8).PadLeft(3, '0');
}

internal enum PathKind
{
    Regular,
    Directory,
    Symlink,
    Other,
}

/// <summary>
/// The POSIX identity calls .NET does not expose: the effective uid, a path's owner (<c>statx</c>
/// without following symlinks) and <c>lchown</c>. Deployment checks (SEC-061) and the system
/// install (CLI-033) need real ownership, not guesses from mode bits. Blittable signatures only, so
/// Native AOT needs no marshalling stubs; libc is linked into the static binary.
/// </summary>
internal static class Posix
{
    const int AtFdCwd = -100;
    const int AtSymlinkNoFollow = 0x100;
    const uint StatxBasicStats = 0x7ff;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    struct Statx
    {
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which this project does not enable; these signatures are blittable.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    static extern int SysStatx(int dirfd, ref byte path, int flags, uint mask, ref Statx buf);

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    static extern int SysLchown(ref byte path, uint owner, uint group);

    [DllImport("libc", EntryPoint = "geteuid")]
    static extern uint SysGeteuid();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SysKill(int pid, int signal);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int SysOpen(ref byte path, int flags, int mode);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    static extern int SysFsync(int fd);

    [DllImport("libc", EntryPoint = "close")]
    static extern int SysClose(int fd);
#pragma warning restore SYSLIB1054

    /// <summary>The effective user id of this process.</summary>
    public static uint EffectiveUserId => SysGeteuid();

    /// <summary>Owner, group, mode and kind of <paramref name="path"/>, or null when it does not exist.</summary>
    public static PathOwnership? Lstat(string path)
    {
        var name = Path0(path);
        var buffer = default(Statx);
        if (SysStatx(AtFdCwd, ref name[0], AtSymlinkNoFollow, StatxBasicStats, ref buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20) return null; // ENOENT, ENOTDIR
            throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var kind = (buffer.Mode & 0xF000) switch
        {
            0x8000 => PathKind.Regular,
            0x4000 => PathKind.Directory,
            0xA000 => PathKind.Symlink,
            _ => PathKind.Other,
        };
        return new PathOwnership(buffer.Uid, buffer.Gid, (UnixFileMode)(buffer.Mode & 0xFFF), kind);
    }

    /// <summary>Changes owner and group of <paramref name="path"/> itself (never a symlink's target).</summary>
    public static void Chown(string path, uint uid, uint gid)
    {
        var name = Path0(path);
        if (SysLchown(ref name[0], uid, gid) != 0)
            throw new IOException($"chown {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>Sends SIGTERM to <paramref name="pid"/>; false when there is no such process.</summary>
    public static bool Terminate(int pid)
    {
        if (SysKill(pid, 15) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == 3) return false; // ESRCH
        throw new IOException($"kill {pid}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>
    /// fsync of a directory, so that a create, rename or unlink in it is durable (SEC-020). .NET
    /// cannot do this itself: <c>File.OpenHandle</c> refuses directories. A file system that cannot
    /// sync directories (EINVAL) has nothing more to make durable; any other failure throws.
    /// </summary>
    public static void FsyncDirectory(string dir)
    {
        const int ReadOnlyCloexec = 0x80000; // O_RDONLY | O_CLOEXEC (the same value on every Linux architecture, unlike O_DIRECTORY)
        var name = Path0(dir);
        var fd = SysOpen(ref name[0], ReadOnlyCloexec, 0);
        if (fd < 0) throw new IOException($"open {dir}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (SysFsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != 22)
                throw new IOException($"fsync {dir}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        finally
        {
            SysClose(fd);
        }
    }

    static byte[] Path0(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }
}
