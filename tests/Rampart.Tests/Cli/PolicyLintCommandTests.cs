namespace Rampart.Tests.Cli;

public sealed class PolicyLintCommandTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "rampart-lint-" + Guid.NewGuid().ToString("N"));

    public PolicyLintCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Lint_prints_findings_with_lines_and_exits_one_on_errors()
    {
        var path = Write("bad.yaml", """
            version: "1"
            default_action: deny
            policies:
              - name: test
                match:
                  tool: exec
                rules:
                  - action: deny
                    when:
                      command_match: ["rm *"]
                    message: blocked
            """);
        var result = await RampartProcess.RunAsync(["policy", "lint", path]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"{path}:10: error: unknown condition field \"command_match\" (did you mean \"command_matches\"?)\n" +
            $"{path}: info: policy \"test\" rule 1 has no conditions — matches all tool calls in scope\n" +
            $"{path}: 1 error(s), 1 info(s)\n",
            result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Lint_of_a_clean_file_reports_no_issues_and_exits_zero()
    {
        var path = Write("good.yaml", """
            version: "1"
            default_action: deny
            policies:
              - name: safe-reads
                match:
                  tool: read
                rules:
                  - action: allow
                    when:
                      path_matches: ["/tmp/*"]
                    message: allow tmp reads
            """);
        var result = await RampartProcess.RunAsync(["policy", "lint", path]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{path}: no issues found\n", result.Stdout);
    }

    [Fact]
    public async Task Lint_with_only_warnings_exits_zero_with_the_informational_note()
    {
        var path = Write("warn.yaml", "version: \"1\"\ndefault_action: deny\npolicies: []\n");
        var result = await RampartProcess.RunAsync(["policy", "lint", path]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{path}: warning: policy has no rules\n{path}: 1 warning(s)\n\n" +
            "Warnings are informational — your policy still works.\nFix them to tighten your rules, or ignore if intentional.\n", result.Stdout);
    }

    [Fact]
    public async Task Lint_of_a_missing_file_is_a_command_error()
    {
        var path = Path.Combine(_dir, "missing.yaml");
        var result = await RampartProcess.RunAsync(["policy", "lint", path]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"file not found: {path}\n", result.Stderr);
    }
}
