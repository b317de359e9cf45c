using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Policies;

public sealed class PolicyLinterTests
{
    static readonly List<object?> Cases = ConformanceYaml.LoadList(SharedFiles.Conformance("lint.yaml"));

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases) data.Add(((Dictionary<string, object?>)c!).Str("id"));
        return data;
    }

    static Dictionary<string, object?> Case(string id)
    {
        foreach (var c in Cases)
        {
            var map = (Dictionary<string, object?>)c!;
            if (map.Str("id") == id) return map;
        }
        throw new KeyNotFoundException(id);
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Lint_produces_upstream_findings_in_order(string id)
    {
        var c = Case(id);
        var expected = new List<string>();
        foreach (var f in c.List("expect_findings")!)
        {
            var m = (Dictionary<string, object?>)f!;
            expected.Add($"{m.Str("severity")}|{m.Str("line")}|{m.Str("message")}");
        }
        var actual = new List<string>();
        foreach (var f in PolicyLinter.LintText(c.Str("policy"))) actual.Add($"{f.Severity}|{f.Line}|{f.Message}");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Missing_file_is_a_single_read_error()
    {
        var findings = PolicyLinter.Lint(Path.Combine(Path.GetTempPath(), "rampart-no-such-" + Guid.NewGuid().ToString("N") + ".yaml"));
        var finding = Assert.Single(findings);
        Assert.Equal("error", finding.Severity);
        Assert.StartsWith("cannot read file: ", finding.Message);
    }

    [Fact]
    public void Format_lists_findings_then_counts_only_non_zero_severities()
    {
        var text = PolicyLinter.Format("p.yaml", [new("error", 3, "bad"), new("info", 0, "note")]);
        Assert.Equal("p.yaml:3: error: bad\np.yaml: info: note\np.yaml: 1 error(s), 1 info(s)\n", text);
    }

    [Fact]
    public void Format_adds_the_informational_note_when_only_warnings()
    {
        var text = PolicyLinter.Format("p.yaml", [new("warning", 0, "w")]);
        Assert.Equal("p.yaml: warning: w\np.yaml: 1 warning(s)\n\nWarnings are informational — your policy still works.\n" +
            "Fix them to tighten your rules, or ignore if intentional.\n", text);
    }

    [Fact]
    public void Format_reports_no_issues_for_a_clean_file()
    {
        Assert.Equal("p.yaml: no issues found\n", PolicyLinter.Format("p.yaml", []));
    }

    [Theory]
    [InlineData("standard.yaml", 0, 0, 22)]
    [InlineData("ci.yaml", 0, 1, -1)]
    [InlineData("mcp-server.yaml", 0, 1, -1)]
    [InlineData("yolo.yaml", 0, 1, -1)]
    [InlineData("block-prompt-injection.yaml", 0, 1, -1)]
    public void Shipped_profiles_lint_without_errors(string fixture, int errors, int warnings, int infos)
    {
        var findings = PolicyLinter.Lint(SharedFiles.Fixture(fixture));
        Assert.Equal(errors, findings.Count(f => f.Severity == "error"));
        Assert.Equal(warnings, findings.Count(f => f.Severity == "warning"));
        if (infos >= 0) Assert.Equal(infos, findings.Count(f => f.Severity == "info"));
    }

    [Fact]
    public void Lint_reports_every_bound_a_double_star_pattern_breaks()
    {
        var pattern = "**" + new string('a', 300) + "**/**";
        var yaml = $"version: \"1\"\ndefault_action: deny\npolicies:\n  - name: p\n    rules:\n      - action: deny\n        when:\n          path_matches: [\"{pattern}\"]\n";
        var messages = PolicyLinter.LintText(yaml).Where(f => f.Severity == "error").Select(f => f.Message).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Contains("double-star pattern is 307 bytes (max 256)", messages[0]);
        Assert.Contains("has 3 ** occurrences (max 2)", messages[1]);
    }

    [Fact]
    public void Duplicate_keys_are_a_structure_error()
    {
        var finding = Assert.Single(PolicyLinter.LintText("version: \"1\"\nversion: \"1\"\n"));
        Assert.Equal("invalid YAML structure: yaml: unmarshal errors:\n  line 2: mapping key \"version\" already defined at line 1", finding.Message);
    }

    [Fact]
    public void Type_errors_are_a_policy_structure_error()
    {
        var finding = Assert.Single(PolicyLinter.LintText("policies:\n  - name: p\n    priority: high\n"));
        Assert.Equal("invalid policy structure: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `high` into int", finding.Message);
    }
}
