using System.Diagnostics;

namespace Rampart.Agents;

/// <summary>The session label of a hook call (CLI-074): RAMPART_SESSION, else <c>&lt;repo&gt;/&lt;branch&gt;</c> from git, else "".</summary>
internal static class GitSession
{
    static readonly TimeSpan GitDeadline = TimeSpan.FromMilliseconds(500);

    public static async Task<string> ResolveAsync(string? sessionOverride, string cwd)
    {
        if (!string.IsNullOrWhiteSpace(sessionOverride)) return sessionOverride.Trim();
        return (await FindAsync(cwd).ConfigureAwait(false))?.Session ?? "";
    }

    /// <summary>
    /// The checkout <paramref name="cwd"/> belongs to, from one git call (the hook needs both the
    /// session label and, for the project policy, the top level, POL-031); null outside a repository,
    /// without git, or when git does not answer within its deadline.
    /// </summary>
    public static async Task<GitCheckout?> FindAsync(string cwd)
    {
        if (cwd.Length == 0 || !Directory.Exists(cwd)) return null;
        var (output, succeeded) = await RunGitAsync(cwd).ConfigureAwait(false);
        if (output is null) return null;
        var top = TopLevel(output);
        return top.Length == 0 ? null : new GitCheckout(top, FromRevParse(output, succeeded));
    }

    /// <summary>The first line of <c>rev-parse</c> output: the checkout's top-level directory.</summary>
    public static string TopLevel(string output) => output.Replace("\r", "").Split('\n')[0].Trim();

    /// <summary>
    /// Reads <c>git rev-parse --show-toplevel --abbrev-ref HEAD</c> output: the first line is the top
    /// level, the second the branch (<c>HEAD</c> or empty → <c>detached</c>; absent in a repository
    /// without commits, where git fails on HEAD → top-level name only).
    /// </summary>
    public static string FromRevParse(string output, bool succeeded)
    {
        var lines = output.Replace("\r", "").Split('\n');
        var top = lines[0].Trim();
        if (top.Length == 0) return "";
        var repo = Path.GetFileName(top.TrimEnd('/'));
        if (!succeeded || lines.Length < 2) return repo;
        var branch = lines[1].Trim();
        return repo + "/" + (branch is "" or "HEAD" ? "detached" : branch);
    }

    static async Task<(string? Output, bool Succeeded)> RunGitAsync(string cwd)
    {
        var psi = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in (ReadOnlySpan<string>)["-C", cwd, "rev-parse", "--show-toplevel", "--abbrev-ref", "HEAD"]) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi);
            if (process is null) return (null, false);
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(GitDeadline);
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                return (null, false);
            }
            var text = await stdout.ConfigureAwait(false);
            // A repository without commits fails on HEAD but still prints the top level first.
            return (text.Length > 0 ? text : null, process.ExitCode == 0);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (null, false); // no git installed: no session label
        }
    }
}

/// <summary>A git checkout: its top-level directory and the session label derived from it (CLI-074).</summary>
internal sealed record GitCheckout(string TopLevel, string Session);
