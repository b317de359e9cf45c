using System.Runtime.InteropServices;
using System.Text;

namespace Rampart.Cli.Doctor;

/// <summary>
/// What the kernel lets the calling user do, asked of the kernel itself (issue 5: "checked for real
/// with access/kill semantics, not guessed"): <c>access(2)</c> resolves the whole path with the
/// caller's real uid and groups, ACLs, read-only mounts and all, and <c>kill(pid, 0)</c> performs
/// the permission check of a signal without sending one. Blittable signatures; libc is linked into
/// the static binary (DirectPInvoke).
/// </summary>
internal static class AccessProbe
{
    const int ReadOk = 4;
    const int WriteOk = 2;
    const int ExecuteOk = 1;
    const int NoSuchProcess = 3; // ESRCH

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which this project does not enable; these signatures are blittable.
    [DllImport("libc", EntryPoint = "access", SetLastError = true)]
    static extern int SysAccess(ref byte path, int mode);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SysKill(int pid, int signal);
#pragma warning restore SYSLIB1054

    public static bool CanRead(string path) => Access(path, ReadOk);

    public static bool CanWrite(string path) => Access(path, WriteOk);

    /// <summary>Search permission on a directory (open things in it by name).</summary>
    public static bool CanSearch(string path) => Access(path, ExecuteOk);

    /// <summary>Whether the caller may signal <paramref name="pid"/>; null when there is no such process.</summary>
    public static bool? CanSignal(int pid)
    {
        if (SysKill(pid, 0) == 0) return true;
        return Marshal.GetLastPInvokeError() == NoSuchProcess ? null : false;
    }

    static bool Access(string path, int mode)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return SysAccess(ref bytes[0], mode) == 0;
    }
}
