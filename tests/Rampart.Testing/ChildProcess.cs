using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Rampart.Testing;

/// <summary>
/// Child processes for tests: one way to set one up (output redirected, no shell, environment
/// entries set or removed), run it to completion with a deadline, and find a free loopback port.
/// </summary>
public static class ChildProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    /// <summary>
    /// The start info of <paramref name="file"/> with <paramref name="args"/>: stdout and stderr
    /// redirected; an <paramref name="env"/> entry whose value is null is removed from the environment.
    /// </summary>
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, IDictionary<string, string?>? env = null, string? workdir = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workdir is not null) psi.WorkingDirectory = workdir;
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
            }
        }
        return psi;
    }

    /// <summary>Runs to completion, feeding <paramref name="stdin"/>; killed (with its children) and a <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string?>? env = null,
        string? stdin = null, string? workdir = null, TimeSpan timeout = default)
    {
        var psi = StartInfo(file, args, env, workdir);
        psi.RedirectStandardInput = true;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout == default ? TimeSpan.FromSeconds(60) : timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not exit in time");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A port on 127.0.0.1 that is free right now (bound to port 0, then released).</summary>
    public static int FreePort(SocketType type = SocketType.Stream, ProtocolType protocol = ProtocolType.Tcp)
    {
        using var s = new Socket(AddressFamily.InterNetwork, type, protocol);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
