using System.Diagnostics;

namespace Rampart.Tests;

/// <summary>Runs the real <c>rampart</c> executable built beside the tests (or <c>RAMPART_BIN</c>, e.g. the AOT binary).</summary>
public static class RampartProcess
{
    public static string BinaryPath { get; } =
        Environment.GetEnvironmentVariable("RAMPART_BIN") is { Length: > 0 } bin ? bin : Path.Combine(AppContext.BaseDirectory, "rampart");

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string[] args, string? stdin = null, IDictionary<string, string?>? env = null,
        string? workdir = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workdir ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
            }
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + BinaryPath);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rampart {string.Join(' ', args)} did not exit in time");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
