using Rampart.Testing;

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
        var r = await ChildProcess.RunAsync(BinaryPath, args, env, stdin, workdir, timeout ?? TimeSpan.FromSeconds(60));
        return new Result(r.ExitCode, r.Stdout, r.Stderr);
    }
}
