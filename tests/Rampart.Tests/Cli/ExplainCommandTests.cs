using Rampart.Testing;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart policy explain</c> on the real binary (CLI-051, POL-053).</summary>
public sealed class ExplainCommandTests : IDisposable
{
    readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("rampart-explain-");

    public void Dispose() => _temp.Delete(recursive: true);

    Dictionary<string, string?> Env() => new()
    {
        ["HOME"] = Directory.CreateDirectory(Path.Combine(_temp.FullName, "home")).FullName,
        ["NO_COLOR"] = "1",
    };

    Task<RampartProcess.Result> Explain(params string[] args) =>
        RampartProcess.RunAsync(["policy", "explain", .. args], env: Env(), workdir: _temp.FullName);

    static readonly string Standard = SharedFiles.Fixture("standard.yaml");

    [Fact]
    public async Task Deny_names_the_winning_policy_rule_and_matching_spelling()
    {
        var r = await Explain("--config", Standard, "/bin/rm -rf /");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("Evaluating: exec \"/bin/rm -rf /\"\n  Agent: * | Session: * | Tool: exec\n\nMatching policies:\n", r.Stdout);
        Assert.Contains("block-destructive (priority 100)  [WINNER]", r.Stdout);
        Assert.Contains("-> Rule 1: DENY \"Destructive command blocked\"", r.Stdout);
        Assert.Contains("Matched: command_matches \"rm -rf /\" on canonical rm alias \"rm -rf /\"", r.Stdout);
        Assert.Contains("Why it won: deny wins over everything", r.Stdout);
        Assert.Contains("Final decision: DENY\n  Winning policy: block-destructive\n  Message: Destructive command blocked\n", r.Stdout);
    }

    [Fact]
    public async Task Compound_command_matches_through_a_component()
    {
        var r = await Explain("--config", Standard, "cd /tmp && rm -rf /");
        Assert.Contains("on component \"rm -rf /\"", r.Stdout);
        Assert.Contains("Final decision: DENY", r.Stdout);
    }

    [Fact]
    public async Task Read_tool_and_scope_flags_are_honoured()
    {
        var r = await Explain("--config", Standard, "--tool", "read", "--agent", "claude-code", "--session", "s1", "/home/u/.ssh/id_rsa");
        Assert.Contains("  Agent: claude-code | Session: s1 | Tool: read\n", r.Stdout);
        Assert.Contains("Matched: path_matches", r.Stdout);
        Assert.Contains("Final decision: DENY", r.Stdout);
    }

    [Fact]
    public async Task Allow_falls_through_to_the_catch_all_with_no_rule_lines_for_others()
    {
        var r = await Explain("--config", Standard, "git status");
        Assert.Contains("-> Policy matched scope, but no rule matched this call", r.Stdout);
        Assert.Contains("Final decision: ALLOW", r.Stdout);
        Assert.Contains("Why it won: allow: nothing stronger matched", r.Stdout);
    }

    [Fact]
    public async Task Verbose_lists_every_rule_considered()
    {
        var r = await Explain("--config", Standard, "--verbose", "git status");
        Assert.Contains("rule 1 DENY: no match (command_matches/command_contains did not match)", r.Stdout);
    }

    [Fact]
    public async Task Without_any_config_the_error_says_what_was_tried()
    {
        var r = await Explain("ls");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("policy: no config found. Tried ~/.rampart/policies/standard.yaml and rampart.yaml; pass --config <path> or run 'rampart init'", r.Stderr);
    }

    [Fact]
    public async Task Installed_standard_policy_is_used_when_no_config_is_given()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_temp.FullName, "home", ".rampart", "policies"));
        File.Copy(Standard, Path.Combine(dir.FullName, "standard.yaml"));
        var r = await Explain("rm -rf /");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Source: " + Path.Combine(dir.FullName, "standard.yaml"), r.Stdout);
    }
}
