namespace Rampart.Tests.Cli;

/// <summary>
/// CLI-002: <c>--config</c> and <c>--verbose</c> are accepted by every command, before the command
/// (<c>rampart --verbose &lt;cmd&gt; …</c>) or after its own arguments, and change nothing for a
/// command that gives them no meaning. Each command line here ends in a deterministic answer, so
/// the plain run and the runs with global flags must agree exactly.
/// </summary>
public sealed class GlobalFlagsTests : IDisposable
{
    readonly string home = Directory.CreateTempSubdirectory("rampart-global-flags-").FullName;

    public void Dispose() => Directory.Delete(home, recursive: true);

    /// <summary>Nothing listens on port 1 of the loopback: commands that talk to serve fail the same way each time.</summary>
    const string Closed = "http://127.0.0.1:1";

    public static TheoryData<string[]> CommandLines() => new()
    {
        new[] { "serve", "--mode", "loud" },
        new[] { "token", "show" },
        new[] { "token", "list" },
        new[] { "pending", "--api", Closed, "--token", "t" },
        new[] { "approve", "01J000000000000000000000", "--api", Closed, "--token", "t" },
        new[] { "deny", "01J000000000000000000000", "--api", Closed, "--token", "t" },
        new[] { "audit", "verify", "--audit-dir", "missing" },
        new[] { "audit", "tail", "--audit-dir", "missing" },
        new[] { "audit", "stats", "--audit-dir", "missing" },
        new[] { "audit", "search", "rm", "--audit-dir", "missing" },
        new[] { "audit", "replay", "--audit-dir", "missing" },
        new[] { "log", "--audit-dir", "missing" },
        new[] { "health", "--url", Closed },
    };

    Task<RampartProcess.Result> Run(string[] args) =>
        RampartProcess.RunAsync(args, env: new Dictionary<string, string?> { ["HOME"] = home, ["RAMPART_TOKEN"] = null, ["RAMPART_URL"] = null, ["NO_COLOR"] = "1" },
            workdir: home, timeout: TimeSpan.FromSeconds(30));

    [Theory]
    [MemberData(nameof(CommandLines))]
    public async Task Global_flags_before_or_after_the_command_change_nothing(string[] commandLine)
    {
        var plain = await Run(commandLine);
        var leading = await Run(["--verbose", .. commandLine]);
        var trailing = await Run([.. commandLine, "--config", Path.Combine(home, "rampart.yaml"), "--verbose"]);

        Assert.DoesNotContain("unknown flag", leading.Stderr);
        Assert.DoesNotContain("unknown flag", trailing.Stderr);
        Assert.Equal(plain, leading);
        Assert.Equal(plain, trailing);
    }
}
