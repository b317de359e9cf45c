using System.Diagnostics;

namespace Rampart.Hosting;

/// <summary>What a host tool printed and how it exited.</summary>
internal sealed record HostCommandResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs the host's own administration tools (<c>useradd</c>, <c>usermod</c>, <c>systemctl</c>) for
/// the system install: account databases and the service manager have owners, and editing their
/// files behind their back would skip locking, nscd and shadow handling.
/// </summary>
internal static class HostCommand
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; stdout and stderr come back together.</summary>
    public static HostCommandResult Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi) ?? throw new IOException($"could not start {file}");
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new HostCommandResult(process.ExitCode, (stdout + stderr.Result).Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"could not run {file}: {e.Message}", e);
        }
    }

    /// <summary>Runs the tool and turns a non-zero exit into an <see cref="IOException"/> carrying its output.</summary>
    public static string Require(string file, params string[] args)
    {
        var result = Run(file, args);
        if (!result.Succeeded)
            throw new IOException($"{file} {string.Join(' ', args)} failed (exit {result.ExitCode}){(result.Output.Length > 0 ? ": " + result.Output : "")}");
        return result.Output;
    }
}
