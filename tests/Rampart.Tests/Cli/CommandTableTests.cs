using Rampart.Cli;

namespace Rampart.Tests.Cli;

/// <summary>Dispatch and global flags (CLI-001..CLI-003), on the real binary and on the argument rewrite.</summary>
public sealed class CommandTableTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rampart-cmdtable-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    const string DenyLs = """
        version: "1"
        default_action: allow
        policies:
          - name: no-ls
            match: {tool: [exec]}
            rules:
              - action: deny
                when: {command_matches: ["ls"]}
                message: "no listing"
        """;

    const string AllowAll = "version: \"1\"\ndefault_action: allow\npolicies: []\n";

    Task<RampartProcess.Result> Run(params string[] args) =>
        RampartProcess.RunAsync(args, env: new Dictionary<string, string?> { ["HOME"] = dir, ["NO_COLOR"] = "1" }, workdir: dir);

    string Suite()
    {
        File.WriteAllText(Path.Combine(dir, "allow.yaml"), AllowAll);
        File.WriteAllText(Path.Combine(dir, "deny.yaml"), DenyLs);
        var suite = Path.Combine(dir, "suite.yaml");
        File.WriteAllText(suite, "policy: allow.yaml\ntests:\n  - {name: ls, tool: exec, params: {command: ls}, expect: allow}\n");
        return suite;
    }

    [Fact]
    public async Task Config_before_the_command_is_the_commands_config()
    {
        var suite = Suite();
        Assert.Equal(0, (await Run("test", suite)).ExitCode); // the suite's own policy allows
        var result = await Run("--config", Path.Combine(dir, "deny.yaml"), "test", suite);
        Assert.Equal(1, result.ExitCode); // CLI-046: a non-default --config replaces the suite's policy
        Assert.Contains("❌ ls — expected allow, got deny", result.Stdout);
        Assert.Equal(1, (await Run("--config=" + Path.Combine(dir, "deny.yaml"), "test", suite)).ExitCode);
    }

    [Fact]
    public async Task Policy_test_is_rampart_test()
    {
        var suite = Suite();
        var direct = await Run("test", suite, "--config", Path.Combine(dir, "deny.yaml"));
        var viaPolicy = await Run("--config", Path.Combine(dir, "deny.yaml"), "policy", "test", suite);
        Assert.Equal(direct.ExitCode, viaPolicy.ExitCode);
        Assert.Equal(direct.Stdout, viaPolicy.Stdout);
        Assert.Equal(1, viaPolicy.ExitCode);
    }

    [Fact]
    public async Task Verbose_before_the_command_reaches_it()
    {
        var suite = Suite();
        var quiet = await Run("test", suite);
        var verbose = await Run("--verbose", "test", suite);
        Assert.Equal(0, verbose.ExitCode);
        Assert.True(verbose.Stdout.Length > quiet.Stdout.Length, verbose.Stdout);
        Assert.Equal(0, (await Run("--verbose", "policy", "lint", Path.Combine(dir, "allow.yaml"))).ExitCode);
    }

    [Fact]
    public async Task Version_flag_anywhere_before_the_command_prints_the_version()
    {
        var version = await Run("version");
        var flag = await Run("--config", "x.yaml", "--version");
        Assert.Equal(0, flag.ExitCode);
        Assert.Equal(version.Stdout, flag.Stdout);
    }

    [Fact]
    public async Task Rampart_alone_prints_help_and_succeeds()
    {
        var result = await Run();
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage: rampart <command>", result.Stdout);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--frobnicate", "test")]
    [InlineData("--config")]
    public async Task Usage_errors_exit_1(params string[] args)
    {
        var result = await Run(args);
        Assert.Equal(1, result.ExitCode);
        Assert.NotEqual("", result.Stderr.Trim());
    }

    [Fact]
    public void Leading_globals_go_before_a_double_dash_so_they_stay_flags()
    {
        Assert.Equal(["a", "--config", "c", "--", "x"], CommandTable.WithGlobals(["a", "--", "x"], ["--config", "c"]));
        Assert.Equal(["lint", "f", "--verbose"], CommandTable.WithGlobals(["lint", "f"], ["--verbose"]));
    }
}
