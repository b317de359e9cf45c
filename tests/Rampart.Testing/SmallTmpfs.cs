using System.Diagnostics;

namespace Rampart.Testing;

/// <summary>
/// A size-limited tmpfs for disk-full faults (issue 4, issue 8): mounting needs root, so callers
/// fall back to another fault when <see cref="TryMount"/> says no.
/// </summary>
public static class SmallTmpfs
{
    public static bool TryMount(string path, string size) =>
        OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess &&
        Run("mount", $"-t tmpfs -o size={size},mode=0700 tmpfs {path}") == 0;

    /// <summary>Lazy unmount: a server that still holds a file there must not keep the test from cleaning up.</summary>
    public static void Unmount(string path) => Run("umount", "-l " + path);

    /// <summary>Writes <paramref name="path"/> until the file system reports no space left.</summary>
    public static void FillUp(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
        var chunk = new byte[1024];
        long offset = 0;
        try
        {
            while (true)
            {
                RandomAccess.Write(handle, chunk, offset);
                offset += chunk.Length;
            }
        }
        catch (IOException)
        {
            // No space left on device: full.
        }
    }

    static int Run(string file, string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
