using System.Text.Json;
using System.Text.RegularExpressions;
using Rampart.Testing;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart test</c> on the real binary: suites, inline tests, single calls (POL-101..POL-108, CLI-045, CLI-046).</summary>
public sealed class TestCommandTests : IDisposable
{
    static readonly string[] ProfileNames =
        ["standard", "paranoid", "yolo", "block-prompt-injection", "research-agent", "mcp-server", "openclaw", "guard"];

    readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("rampart-test-cmd-");

    public void Dispose() => _temp.Delete(recursive: true);

    string Write(string relative, string content)
    {
        var path = Path.Combine(_temp.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    // A HOME without ~/.rampart, so the user's own policies never leak into a test.
    Dictionary<string, string?> Env(string? home = null) => new()
    {
        ["HOME"] = home ?? Directory.CreateDirectory(Path.Combine(_temp.FullName, "home")).FullName,
        ["NO_COLOR"] = "1",
    };

    Task<RampartProcess.Result> RunTest(params string[] args) => RampartProcess.RunAsync(["test", .. args], env: Env(), workdir: _temp.FullName);

    static string[] Lines(string text) => text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

    static string ProfileFile(string name) =>
        Path.Combine(SharedFiles.RepoRoot, "src", "Rampart.Core", "Policies", "Profiles", name + ".yaml");

    public static TheoryData<string> Profiles => new(ProfileNames);

    // ── shipped profiles ────────────────────────────────────────────────────────────────────

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Every_shipped_profile_passes_its_inline_tests(string name)
    {
        var result = await RunTest(ProfileFile(name), "--no-color");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.DoesNotContain("❌", result.Stdout);
        Assert.DoesNotContain("⚠️", result.Stdout);
        Assert.Matches(@"^\d+ passed, 0 failed \(\d+ total\)$", Lines(result.Stdout)[^1]);
    }

    // ── upstream's example suites ───────────────────────────────────────────────────────────

    sealed record ExampleCase(string Name, string Expect, string UpstreamAction, string UpstreamMessage, List<object?> UpstreamMatched);

    /// <summary>rampart-tests.yaml's cases joined with upstream's own answers for them (engine.yaml).</summary>
    static List<ExampleCase> ExampleSuite(string suiteFile, string suiteId)
    {
        var upstream = ConformanceYaml.LoadList(SharedFiles.Conformance("engine.yaml"))
            .Cast<Dictionary<string, object?>>()
            .Single(s => s.Str("id") == suiteId)
            .List("cases")!
            .Cast<Dictionary<string, object?>>()
            .ToDictionary(c => c.Str("name"), c => c.Map("expect")!);
        var cases = ConformanceYaml.LoadMap(SharedFiles.Fixture(suiteFile)).List("tests")!.Cast<Dictionary<string, object?>>();
        return cases.Select(c =>
        {
            var u = upstream[c.Str("name")];
            return new ExampleCase(c.Str("name"), c.Str("expect"), u.Str("action"), u.Str("message"), u.List("matched_policies") ?? []);
        }).ToList();
    }

    static string[] UpstreamExampleArgs => [SharedFiles.Fixture("rampart-tests.yaml"), "--config", SharedFiles.Fixture("standard.yaml")];

    [Fact]
    public async Task Upstream_example_suite_reports_exactly_the_stale_env_cases_as_failed()
    {
        var cases = ExampleSuite("rampart-tests.yaml", "SUITE-127");
        var stale = cases.Where(c => (c.Expect == "log" ? "watch" : c.Expect) != c.UpstreamAction).ToList();
        // fixtures/upstream/README.md: the two .env reads expect deny, v1.8.0 answers watch
        Assert.Equal(["deny read env file (absolute path)", "deny read env file (bare)"], stale.Select(c => c.Name));

        var result = await RunTest([.. UpstreamExampleArgs, "--no-color"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stderr);
        var expectedLines = cases.Select(c => stale.Contains(c)
            ? $"  ❌ {c.Name} — expected {c.Expect}, got {c.UpstreamAction}"
            : $"  ✅ {c.Name}").ToList();
        expectedLines.Add("");
        expectedLines.Add($"{cases.Count - stale.Count} passed, {stale.Count} failed ({cases.Count} total)");
        Assert.Equal(expectedLines, Lines(result.Stdout));
    }

    [Fact]
    public async Task Json_output_counts_and_describes_each_case()
    {
        var cases = ExampleSuite("rampart-tests.yaml", "SUITE-127");
        var result = await RunTest([.. UpstreamExampleArgs, "--json"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("{\n  \"passed\": ", result.Stdout.Replace("\r\n", "\n"));
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.Equal(["passed", "failed", "errors", "total", "tests"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(cases.Count - 2, root.GetProperty("passed").GetInt32());
        Assert.Equal(2, root.GetProperty("failed").GetInt32());
        Assert.Equal(0, root.GetProperty("errors").GetInt32());
        Assert.Equal(cases.Count, root.GetProperty("total").GetInt32());
        var tests = root.GetProperty("tests").EnumerateArray().ToList();
        Assert.Equal(cases.Select(c => c.Name), tests.Select(t => t.GetProperty("name").GetString()));
        foreach (var (test, c) in tests.Zip(cases))
        {
            if (test.GetProperty("passed").GetBoolean())
            {
                Assert.Equal(["name", "passed"], test.EnumerateObject().Select(p => p.Name));
                continue;
            }
            Assert.Equal(["name", "passed", "expected", "got", "message"], test.EnumerateObject().Select(p => p.Name));
            Assert.Equal("deny", test.GetProperty("expected").GetString());
            Assert.Equal(c.UpstreamAction, test.GetProperty("got").GetString());
            Assert.Equal(c.UpstreamMessage, test.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task Inline_tests_of_the_upstream_policy_example_pass()
    {
        var cases = ExampleSuite("policy-with-tests.yaml", "SUITE-128");
        Assert.All(cases, c => Assert.Equal(c.Expect, c.UpstreamAction));
        var result = await RunTest(SharedFiles.Fixture("policy-with-tests.yaml"), "--no-color");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(cases.Select(c => $"  ✅ {c.Name}").Append("").Append($"{cases.Count} passed, 0 failed ({cases.Count} total)"),
            Lines(result.Stdout));
    }

    [Fact]
    public async Task Run_keeps_only_cases_whose_name_matches_the_glob()
    {
        var result = await RunTest([.. UpstreamExampleArgs, "--no-color", "--run", "allow git*"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["  ✅ allow git status", "  ✅ allow git push", "", "2 passed, 0 failed (2 total)"], Lines(result.Stdout));
    }

    [Fact]
    public async Task Run_with_no_matching_case_is_an_error()
    {
        var result = await RunTest([.. UpstreamExampleArgs, "--run", "nothing*"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("test: no tests match filter \"nothing*\"", result.Stderr.Trim());
    }

    [Fact]
    public async Task Verbose_adds_message_matched_policies_and_eval_time()
    {
        var sudo = ExampleSuite("rampart-tests.yaml", "SUITE-127").Single(c => c.Name == "ask approval for sudo");
        var result = await RunTest([.. UpstreamExampleArgs, "--no-color", "--verbose", "--run", "ask approval for sudo"]);
        Assert.Equal(0, result.ExitCode);
        var lines = Lines(result.Stdout);
        Assert.Equal("  ✅ ask approval for sudo", lines[0]);
        Assert.Equal($"       message: {sudo.UpstreamMessage}", lines[1]);
        Assert.Equal($"       matched: {string.Join(", ", sudo.UpstreamMatched)}", lines[2]);
        Assert.Matches(@"^       eval:    \d+(μs|ms)$", lines[3]);
        Assert.Equal(["", "1 passed, 0 failed (1 total)"], lines[4..]);
    }

    // ── our own suites: errors, messages, policy resolution ─────────────────────────────────

    const string DenyRm = """
        version: "1"
        default_action: allow
        policies:
          - name: no-rm
            match: {tool: exec}
            rules:
              - action: deny
                when: {command_matches: ["rm *"]}
                message: "rm/unlink blocked"
          - name: log-curl
            match: {tool: exec}
            rules:
              - action: log
                when: {command_matches: ["curl *"]}
                message: "curl seen"
        """;

    [Fact]
    public async Task Bad_expectations_and_missing_tools_are_errors_not_failures()
    {
        var policy = Write("policy.yaml", DenyRm);
        var suite = Write("suite.yaml", $$"""
            policy: {{Path.GetFileName(policy)}}
            tests:
              - {name: removed action, tool: exec, params: {command: "ls"}, expect: require_approval}
              - {name: unknown action, tool: exec, params: {command: "ls"}, expect: block}
              - {name: no tool, params: {command: "ls"}, expect: allow}
              - {name: fine, tool: exec, params: {command: "ls"}, expect: allow}
            """);

        var result = await RunTest(suite, "--no-color");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([
            "  ⚠️ removed action — invalid expect value \"require_approval\": action \"require_approval\" was removed in v0.9.9; use \"ask\" instead (see migration guide)",
            "  ⚠️ unknown action — invalid expect value \"block\": unknown action: \"block\"",
            "  ⚠️ no tool — test case \"no tool\": tool is required",
            "  ✅ fine",
            "",
            "1 passed, 0 failed, 3 error(s) (4 total)",
        ], Lines(result.Stdout));

        var json = await RunTest(suite, "--json");
        Assert.Equal(1, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal(3, doc.RootElement.GetProperty("errors").GetInt32());
        var first = doc.RootElement.GetProperty("tests")[0];
        Assert.Equal(["name", "passed", "error"], first.EnumerateObject().Select(p => p.Name));
        Assert.False(first.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task Expect_message_is_a_filepath_glob_where_star_stops_at_slash()
    {
        Write("policy.yaml", DenyRm);
        var suite = Write("suite.yaml", """
            policy: policy.yaml
            tests:
              - {name: star crosses no slash, tool: exec, params: {command: "rm x"}, expect: deny, expect_message: "rm*"}
              - {name: slash spelled out, tool: exec, params: {command: "rm x"}, expect: deny, expect_message: "rm/*"}
              - {name: escaped star, tool: exec, params: {command: "rm x"}, expect: deny, expect_message: 'rm/unlink \*'}
              - {name: log means watch, tool: exec, params: {command: "curl https://a.example"}, expect: log}
            """);

        var result = await RunTest(suite, "--no-color");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([
            "  ❌ star crosses no slash — expected deny, got deny",
            "  ✅ slash spelled out",
            "  ❌ escaped star — expected deny, got deny",
            "  ✅ log means watch",
            "",
            "2 passed, 2 failed (4 total)",
        ], Lines(result.Stdout));
    }

    [Fact]
    public async Task Suite_policy_is_resolved_against_the_suite_directory_and_config_overrides_it()
    {
        Write("policies/main.yaml", DenyRm);
        Write("allow-all.yaml", "default_action: allow\npolicies: []\n");
        var suite = Write("suites/one.yaml", """
            policy: ../policies/main.yaml
            tests:
              - {name: rm is denied, tool: exec, params: {command: "rm -f x"}, expect: deny}
            """);
        var elsewhere = Directory.CreateDirectory(Path.Combine(_temp.FullName, "elsewhere")).FullName;

        var result = await RampartProcess.RunAsync(["test", suite, "--no-color"], env: Env(), workdir: elsewhere);
        Assert.Equal(0, result.ExitCode);

        var overridden = await RampartProcess.RunAsync(["test", suite, "--no-color", "--config", "../allow-all.yaml"], env: Env(), workdir: elsewhere);
        Assert.Equal(1, overridden.ExitCode);
        Assert.Contains("  ❌ rm is denied — expected deny, got allow", Lines(overridden.Stdout));
    }

    [Fact]
    public async Task A_suite_without_policy_runs_against_the_embedded_standard_policy()
    {
        // Issue 2 over POL-104's upstream behaviour (the suite file loaded as an empty policy, so
        // every case got "no matching policy"): a suite naming no policy uses the embedded default.
        var suite = Write("self.yaml", """
            tests:
              - {name: rm is denied, tool: exec, params: {command: "rm -rf /"}, expect: deny, expect_message: "Destructive command blocked*"}
              - {name: git is fine, tool: exec, params: {command: "git status"}, expect: allow}
            """);
        var result = await RunTest(suite, "--no-color");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("2 passed, 0 failed (2 total)", result.Stdout);
        Assert.Equal("⚠ The suite names no policy — using embedded standard policy", result.Stderr.Trim());
    }

    [Fact]
    public async Task A_broken_policy_is_reported_with_its_file_line_and_column()
    {
        var policy = Write("broken.yaml", "version: \"1\"\npolicies:\n  - name: a\n    rulez: []\n");
        var result = await RunTest("--config", policy, "ls");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "test: load policy: engine: parse policy file: yaml: unmarshal errors:\n  line 4: field rulez not found in type engine.Policy\n" +
            $"  (first error at {policy}:4:5)",
            result.Stderr.Replace("\r\n", "\n").Trim());

        var regex = Write("regex.yaml", "version: \"1\"\npolicies:\n  - name: a\n    rules:\n      - action: deny\n        when: { response_matches: [\"(abc\"] }\n");
        var explained = await RampartProcess.RunAsync(["policy", "explain", "--config", regex, "ls"], env: Env(), workdir: _temp.FullName);
        Assert.Equal(1, explained.ExitCode);
        Assert.EndsWith($" (at {regex}:5)", explained.Stderr.Trim());
    }

    [Fact]
    public async Task Path_flag_tests_a_read_call()
    {
        foreach (var args in new[] { new[] { "--tool", "read", "--path", "~/.ssh/id_rsa" }, ["--path=~/.ssh/id_rsa"], ["--tool", "read", "~/.ssh/id_rsa"] })
        {
            var result = await RunTest(args);
            Assert.Equal(1, result.ExitCode);
            Assert.StartsWith("🛡️ DENY — ", result.Stdout);
        }
    }

    [Fact]
    public async Task Url_and_command_flags_test_fetch_and_exec_calls()
    {
        var fetch = await RunTest("--url", "https://api.github.com/repos", "--json");
        Assert.Equal(0, fetch.ExitCode);
        Assert.Contains("\"command\": \"https://api.github.com/repos\"", fetch.Stdout);

        var exec = await RunTest("--command", "rm -rf /");
        Assert.Equal(1, exec.ExitCode);
        Assert.StartsWith("🛡️ DENY — Destructive command blocked", exec.Stdout);
    }

    [Theory]
    [InlineData("--tool", "exec", "--path", "/etc/passwd")]
    [InlineData("--path", "/a", "--url", "https://x")]
    [InlineData("--path", "/a", "positional")]
    public async Task Conflicting_single_call_flags_are_usage_errors(params string[] args)
    {
        var result = await RunTest(args);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.NotEqual("", result.Stderr.Trim());
    }

    [Fact]
    public async Task Single_call_output_is_plain_when_piped_even_without_NO_COLOR()
    {
        var env = Env();
        env.Remove("NO_COLOR");
        var result = await RampartProcess.RunAsync(["test", "rm -rf /"], env: new Dictionary<string, string?>(env) { ["NO_COLOR"] = null }, workdir: _temp.FullName);
        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("\e[", result.Stdout);
        Assert.StartsWith("🛡️ DENY", result.Stdout);
    }

    [Fact]
    public async Task A_file_without_tests_is_an_error()
    {
        var policy = Write("plain.yaml", DenyRm);
        var result = await RunTest(policy);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"test: {policy} contains no tests", result.Stderr.Trim());
    }

    [Fact]
    public async Task An_unknown_key_in_a_test_case_is_reported()
    {
        var policy = Write("strict.yaml", DenyRm + "\ntests:\n  - {name: x, tool: exec, session: s, expect: allow}\n");
        var result = await RunTest(policy);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("test: ", result.Stderr);
        Assert.Contains("session", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task A_policy_that_does_not_load_is_reported()
    {
        Write("broken.yaml", "default_action: maybe\npolicies: []\n");
        var suite = Write("suite.yaml", "policy: broken.yaml\ntests:\n  - {name: x, tool: exec, params: {command: ls}, expect: allow}\n");
        var result = await RunTest(suite);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("test: load policy: ", result.Stderr);
        Assert.Contains("invalid default_action", result.Stderr);
    }

    [Fact]
    public async Task Without_an_argument_the_suite_in_the_current_directory_runs()
    {
        var empty = await RunTest();
        Assert.Equal(1, empty.ExitCode);
        Assert.Equal("test: no test file found; pass a file path or create rampart-tests.yaml", empty.Stderr.Trim());

        Write("policy.yaml", DenyRm);
        Write("rampart-tests.yaml", "policy: policy.yaml\ntests:\n  - {name: rm, tool: exec, params: {command: rm -f x}, expect: deny}\n");
        var found = await RunTest("--no-color");
        Assert.Equal(0, found.ExitCode);
        Assert.Equal(["  ✅ rm", "", "1 passed, 0 failed (1 total)"], Lines(found.Stdout));
    }

    // ── single-call mode ────────────────────────────────────────────────────────────────────

    const string SingleCallPolicy = """
        version: "1"
        default_action: allow
        policies:
          - name: no-curl
            match: {tool: exec}
            rules:
              - action: deny
                when: {command_matches: ["curl *"]}
                message: "curl blocked"
          - name: ask-sudo
            match: {tool: exec}
            rules:
              - action: ask
                when: {command_matches: ["sudo *"]}
                message: "sudo needs a human"
          - name: log-make
            match: {tool: exec}
            rules:
              - action: watch
                when: {command_matches: ["make *"]}
                message: "make seen"
          - name: fetch-paths
            match: {tool: fetch}
            rules:
              - action: deny
                when: {path_matches: ["/private/**"]}
                message: "private area"
        """;

    [Fact]
    public async Task A_denied_call_prints_the_shield_policies_eval_and_how_to_allow_it_and_exits_one()
    {
        var policy = Write("p.yaml", SingleCallPolicy);
        var result = await RunTest("--config", policy, "curl https://api.example.com/v1/items");
        Assert.Equal(1, result.ExitCode);
        var lines = Lines(result.Stdout);
        Assert.Equal("🛡️ DENY — curl blocked", lines[0]);
        Assert.Equal("   Policy: no-curl, ask-sudo, log-make", lines[1]);
        Assert.Matches(@"^   Eval: \d+(μs|ms)$", lines[2]);
        Assert.Equal(["", "   💡 To allow this:"], lines[3..5]);
        Assert.Contains("      rampart allow \"curl https://api.example.com/v1/items\"", lines);
        Assert.Equal("", result.Stderr);
    }

    [Theory]
    [InlineData("ls -la", "✅ ALLOW — no matching rule; using default action")]
    [InlineData("make build", "📝 LOG — make seen")]
    // CLI-045 fixes upstream's quirk of labelling an ask ALLOW
    [InlineData("sudo reboot", "❓ ASK — sudo needs a human")]
    public async Task Calls_that_are_not_denied_exit_zero_with_their_label(string command, string firstLine)
    {
        var policy = Write("p.yaml", SingleCallPolicy);
        var result = await RunTest("--config", policy, command);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(firstLine, Lines(result.Stdout)[0]);
    }

    [Fact]
    public async Task Fetch_calls_carry_the_url_path_and_domain()
    {
        var policy = Write("p.yaml", SingleCallPolicy);
        var result = await RunTest("--config", policy, "--tool", "fetch", "https://files.example/private/report.pdf?x=1");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("🛡️ DENY — private area", result.Stdout);
    }

    [Fact]
    public async Task Json_single_call_has_the_documented_keys_and_always_exits_zero()
    {
        var policy = Write("p.yaml", SingleCallPolicy);
        var denied = await RunTest("--config", policy, "--json", "curl https://x.example");
        Assert.Equal(0, denied.ExitCode);
        using (var doc = JsonDocument.Parse(denied.Stdout))
        {
            var root = doc.RootElement;
            Assert.Equal(["command", "action", "message", "matched_policies", "policy_scope"], root.EnumerateObject().Select(p => p.Name));
            Assert.Equal("curl https://x.example", root.GetProperty("command").GetString());
            Assert.Equal("deny", root.GetProperty("action").GetString());
            Assert.Equal("curl blocked", root.GetProperty("message").GetString());
            Assert.Equal("global", root.GetProperty("policy_scope").GetString());
            Assert.Equal(JsonValueKind.Array, root.GetProperty("matched_policies").ValueKind);
        }

        var unmatched = await RunTest("--config", policy, "--json", "--tool", "read", "README.md");
        using var none = JsonDocument.Parse(unmatched.Stdout);
        Assert.Equal("[]", none.RootElement.GetProperty("matched_policies").GetRawText());
    }

    [Fact]
    public async Task An_unsupported_tool_is_an_error()
    {
        var result = await RunTest("--tool", "mcp", "anything");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("test: unsupported tool \"mcp\" (supported: exec, read, write, edit, fetch, web_fetch, http, browser)", result.Stderr.Trim());
    }

    [Fact]
    public async Task Without_any_policy_file_the_embedded_standard_profile_decides()
    {
        var denied = await RunTest("rm -rf /");
        Assert.Equal(1, denied.ExitCode);
        Assert.StartsWith("⚠ No policy file found — using embedded standard policy\n\n", denied.Stderr.Replace("\r\n", "\n"));
        Assert.StartsWith("🛡️ DENY — Destructive command blocked", denied.Stdout);

        var allowed = await RunTest("git status");
        Assert.Equal(0, allowed.ExitCode);
        Assert.StartsWith("✅ ALLOW — No standard rule objected", allowed.Stdout);
    }

    [Fact]
    public async Task The_user_policy_directory_is_merged_only_with_the_default_config()
    {
        var home = Path.Combine(_temp.FullName, "userhome");
        Write("userhome/.rampart/policies/custom.yaml", """
            policies:
              - name: no-deploys
                match: {tool: exec}
                rules:
                  - action: deny
                    when: {command_matches: ["make deploy"]}
                    message: "deploys are manual"
            """);
        Write("rampart.yaml", "default_action: allow\npolicies: []\n");

        var merged = await RampartProcess.RunAsync(["test", "make deploy"], env: Env(home), workdir: _temp.FullName);
        Assert.Equal(1, merged.ExitCode);
        Assert.StartsWith("🛡️ DENY — deploys are manual", merged.Stdout);

        var alone = await RampartProcess.RunAsync(["test", "--config", Path.Combine(_temp.FullName, "rampart.yaml"), "make deploy"],
            env: Env(home), workdir: _temp.FullName);
        Assert.Equal(0, alone.ExitCode);
    }

    [Fact]
    public async Task An_unknown_flag_is_a_usage_error()
    {
        var result = await RunTest("--frobnicate");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unknown flag: --frobnicate", result.Stderr);
    }

    [Fact]
    public void Durations_print_microseconds_below_a_millisecond()
    {
        Assert.Equal("250μs", global::Rampart.Cli.TestCommand.FormatDuration(TimeSpan.FromMicroseconds(250)));
        Assert.Equal("3ms", global::Rampart.Cli.TestCommand.FormatDuration(TimeSpan.FromMilliseconds(3.7)));
        Assert.Matches(new Regex("^0μs$"), global::Rampart.Cli.TestCommand.FormatDuration(TimeSpan.Zero));
    }
}
