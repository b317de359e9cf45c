using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Regression;

/// <summary>
/// Fuzz finding (policy-yaml): 20 000 nested <c>[</c> or <c>{a: </c> (a 40 KiB file) overflowed the stack
/// while the YAML tree was built, killing the process (POL-024). Now a load error past
/// <see cref="YamlTree.MaxDepth"/> levels.
/// </summary>
public sealed class YamlDepthRegressionTests
{
    /// <summary>Runs on a thread with a small stack, like a reload on a thread-pool thread.</summary>
    static Exception? ParseOnSmallStack(string yaml)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                PolicyYaml.Parse(yaml, "/p/deep.yaml");
            }
            catch (Exception ex)
            {
                error = ex;
            }
        }, maxStackSize: 512 * 1024);
        thread.Start();
        thread.Join();
        return error;
    }

    public static TheoryData<string, string> TooDeep() => new()
    {
        { "flow sequences", "policies: " + new string('[', 20_000) + new string(']', 20_000) + "\n" },
        { "flow mappings", "policies: " + string.Concat(Enumerable.Repeat("{a: ", 20_000)) + "1" + new string('}', 20_000) + "\n" },
        { "block sequences", "policies:\n" + string.Concat(Enumerable.Repeat("- ", 5_000)) + "x\n" },
        { "block mappings", "policies:\n" + string.Concat(Enumerable.Range(1, 600).Select(i => new string(' ', i) + "a:\n")) },
        { "inside a condition", "version: \"1\"\npolicies:\n  - name: p\n    rules:\n      - action: deny\n        when:\n          command_matches: " + new string('[', 20_000) + "\"x\"" + new string(']', 20_000) + "\n" },
    };

    [Theory]
    [MemberData(nameof(TooDeep))]
    public void Nesting_past_the_limit_is_a_load_error_not_a_crash(string name, string yaml)
    {
        var error = ParseOnSmallStack(yaml);
        var load = Assert.IsType<PolicyLoadException>(error);
        Assert.Contains($"exceeded max depth of {YamlTree.MaxDepth}", load.Message);
        Assert.StartsWith("engine: parse policy file: yaml: line ", load.Message);
        Assert.NotEmpty(name);
    }

    [Fact]
    public void Nesting_just_under_the_limit_fails_only_as_a_type_error()
    {
        var depth = YamlTree.MaxDepth - 1;
        var error = ParseOnSmallStack("policies: " + new string('[', depth) + new string(']', depth) + "\n");
        var load = Assert.IsType<PolicyLoadException>(error);
        Assert.DoesNotContain("max depth", load.Message);
    }

    [Fact]
    public void The_linter_reports_a_too_deep_file_instead_of_crashing()
    {
        var findings = PolicyLinter.LintText("policies: " + new string('[', 20_000) + new string(']', 20_000) + "\n");
        Assert.Contains(findings, f => f.Severity == LintFinding.Error && f.Message.Contains("exceeded max depth", StringComparison.Ordinal));
    }
}
