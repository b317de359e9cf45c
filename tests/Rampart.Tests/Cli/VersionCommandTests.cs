namespace Rampart.Tests.Cli;

public sealed class VersionCommandTests
{
    [Fact]
    public async Task Version_prints_the_build_version_and_exits_zero()
    {
        var result = await RampartProcess.RunAsync(["version"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^rampart \d+\.\d+\.\d+", result.Stdout);
    }

    [Fact]
    public async Task Unknown_command_is_an_error_naming_the_command()
    {
        var result = await RampartProcess.RunAsync(["no-such-command"]);
        Assert.Equal(1, result.ExitCode); // CLI-003: usage errors exit 1
        Assert.Contains("no-such-command", result.Stderr);
    }
}
