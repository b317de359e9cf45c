using System.Text.Json;
using System.Text.Json.Nodes;
using Rampart.Tests.Agents;
using static Rampart.Tests.Agents.FakeRampartServer;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart doctor</c> on the real binary with a temporary HOME (CLI-060..CLI-063, issue 7).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
// Doctor also judges the machine's system install (/etc/rampart, running serve processes), which the
// deployment tests create, break on purpose and remove: never at the same time as these.
[Collection(Deployment.DeploymentCollection.Name)]
public sealed class DoctorCommandTests : IDisposable
{
    readonly string home = Directory.CreateTempSubdirectory("rampart-doctor-home-").FullName;
    string State => Path.Combine(home, ".rampart");
    string SettingsPath => Path.Combine(home, ".claude", "settings.json");
    static string BinDir => Path.GetDirectoryName(RampartProcess.BinaryPath)!;
    static string CurrentCommand => $"'{RampartProcess.BinaryPath}' hook --format claude-code";

    public void Dispose() => Directory.Delete(home, recursive: true);

    Dictionary<string, string?> Env(string? url = null) => new()
    {
        ["HOME"] = home,
        ["PATH"] = BinDir + ":/usr/bin:/bin",
        ["RAMPART_URL"] = url ?? ClosedPortUrl(),
        ["RAMPART_SERVE_URL"] = null,
        ["RAMPART_TOKEN"] = null,
        ["CLAUDE_CONFIG_DIR"] = null,
        ["NO_COLOR"] = "1",
    };

    Task<RampartProcess.Result> Run(string[] args, string? url = null) =>
        RampartProcess.RunAsync(args, env: Env(url), workdir: home, timeout: TimeSpan.FromSeconds(30));

    /// <summary>What <c>rampart init</c> + <c>serve install</c> + <c>setup claude-code</c> leave behind.</summary>
    async Task Healthy()
    {
        Directory.CreateDirectory(Path.Combine(State, "policies"));
        Directory.CreateDirectory(Path.Combine(State, "audit"));
        File.Copy(Path.Combine(Testing.SharedFiles.RepoRoot, "src", "Rampart.Core", "Policies", "Profiles", "standard.yaml"), Path.Combine(State, "policies", "standard.yaml"));
        File.WriteAllText(Path.Combine(State, "token"), "admin-token");
        File.SetUnixFileMode(Path.Combine(State, "token"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var setup = await RampartProcess.RunAsync(["setup", "claude-code"], env: Env(), workdir: home);
        Assert.Equal(0, setup.ExitCode);
    }

    /// <summary>Doctor's JSON checks as (name, status, message).</summary>
    async Task<(int ExitCode, List<(string Name, string Status, string Message)> Checks)> Doctor(string? url = null)
    {
        var result = await Run(["doctor", "--json"], url);
        using var doc = JsonDocument.Parse(result.Stdout);
        var checks = doc.RootElement.GetProperty("checks").EnumerateArray()
            .Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("status").GetString()!, c.GetProperty("message").GetString()!))
            .ToList();
        return (result.ExitCode, checks);
    }

    static (string Name, string Status, string Message) Only(List<(string Name, string Status, string Message)> checks, string name) =>
        Assert.Single(checks, c => c.Name == name);

    void EditSettings(Action<JsonObject> edit)
    {
        var root = (JsonObject)JsonNode.Parse(File.ReadAllText(SettingsPath))!;
        edit(root);
        File.WriteAllText(SettingsPath, root.ToJsonString());
    }

    void ReplaceCommand(string command) => EditSettings(root =>
    {
        var replaced = 0;
        foreach (var (_, entries) in root["hooks"]!.AsObject())
            foreach (var entry in entries!.AsArray())
                foreach (var hook in entry!["hooks"]!.AsArray())
                {
                    if ((string?)hook!["command"] != CurrentCommand) continue;
                    hook["command"] = command;
                    replaced++;
                }
        Assert.Equal(3, replaced);
    });

    [Fact]
    public async Task A_healthy_local_install_passes_and_lists_the_checks_in_order()
    {
        await Healthy();
        var (exit, checks) = await Doctor();
        Assert.True(exit == 0, string.Join("\n", checks));
        Assert.Equal(["Version", "PATH", "Token", "Policy", "Hook binary", "Hooks", "Audit", "Server", "Token endpoint"], checks.Select(c => c.Name).Take(9));
        Assert.Equal("System", checks[^1].Name);
        Assert.DoesNotContain(checks, c => c.Status == "fail");
        Assert.Equal("ok", Only(checks, "Hook binary").Status);
        Assert.Equal("ok", Only(checks, "Hooks").Status);
        // Only the local command hook is installed: a stopped server is information, not a failure.
        Assert.Equal("info", Only(checks, "Server").Status);
    }

    [Fact]
    public async Task Text_output_has_the_header_one_line_per_check_and_hints()
    {
        var result = await Run(["doctor"]);
        Assert.Equal(1, result.ExitCode); // no token, no policies
        var lines = result.Stdout.Split('\n');
        Assert.Equal("🩺 Rampart Doctor", lines[0]);
        Assert.Equal("", lines[1]);
        Assert.Contains("✗ Token: no token found (RAMPART_TOKEN unset, ~/.rampart/token missing)", lines);
        Assert.Contains("    💡 Try this: rampart serve install", lines);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task A_missing_hook_binary_is_a_failure()
    {
        await Healthy();
        ReplaceCommand("'/opt/gone/rampart' hook --format claude-code");
        var (exit, checks) = await Doctor();
        Assert.Equal(1, exit);
        var check = Only(checks, "Hook binary");
        Assert.Equal("fail", check.Status);
        Assert.Contains("/opt/gone/rampart does not exist", check.Message);
    }

    [Fact]
    public async Task A_hook_binary_that_is_not_executable_is_a_failure()
    {
        await Healthy();
        var fake = Path.Combine(home, "bin", "rampart");
        Directory.CreateDirectory(Path.GetDirectoryName(fake)!);
        File.WriteAllText(fake, "not a program");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        ReplaceCommand($"'{fake}' hook --format claude-code");
        var check = Only((await Doctor()).Checks, "Hook binary");
        Assert.Equal("fail", check.Status);
        Assert.Contains("is not executable", check.Message);
    }

    [Fact]
    public async Task A_relative_hook_path_that_does_not_resolve_is_a_failure()
    {
        await Healthy();
        ReplaceCommand("bin/rampart hook --format claude-code");
        var check = Only((await Doctor()).Checks, "Hook binary");
        Assert.Equal("fail", check.Status);
        Assert.Contains("not an absolute path", check.Message);
    }

    [Fact]
    public async Task Hooks_missing_for_an_event_are_a_failure()
    {
        await Healthy();
        EditSettings(root => root["hooks"]!.AsObject().Remove("PreToolUse"));
        var (exit, checks) = await Doctor();
        Assert.Equal(1, exit);
        var check = Only(checks, "Hooks");
        Assert.Equal("fail", check.Status);
        Assert.Equal("Claude Code hooks missing for PreToolUse", check.Message);
    }

    [Fact]
    public async Task Hooks_switched_off_by_disableAllHooks_are_a_failure()
    {
        await Healthy();
        EditSettings(root => root["disableAllHooks"] = true);
        var (exit, checks) = await Doctor();
        Assert.Equal(1, exit);
        Assert.Contains(checks, c => c.Name == "Hooks" && c.Status == "fail" && c.Message.StartsWith("disableAllHooks is set in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unparseable_settings_are_a_failure()
    {
        await Healthy();
        File.WriteAllText(SettingsPath, "{ not json");
        var check = Only((await Doctor()).Checks, "Hooks");
        Assert.Equal("fail", check.Status);
        Assert.Contains(SettingsPath, check.Message);
    }

    [Fact]
    public async Task No_claude_hooks_is_a_warning_and_then_a_stopped_server_fails()
    {
        await Healthy();
        File.Delete(SettingsPath);
        var (_, checks) = await Doctor();
        Assert.Equal("warn", Only(checks, "Hooks").Status);
        Assert.Equal("fail", Only(checks, "Server").Status);
    }

    [Fact]
    public async Task A_remote_hook_with_the_server_down_fails()
    {
        await Healthy();
        ReplaceCommand(CurrentCommand + " --remote");
        var check = Only((await Doctor()).Checks, "Server");
        Assert.Equal("fail", check.Status);
    }

    [Fact]
    public async Task A_policy_file_with_lint_errors_fails()
    {
        await Healthy();
        File.WriteAllText(Path.Combine(State, "policies", "broken.yaml"), "version: \"1\"\npolicies:\n  - name: p\n    rules:\n      - action: explode\n");
        var check = Only((await Doctor()).Checks, "Policy");
        Assert.Equal("fail", check.Status);
        Assert.Contains("broken.yaml", check.Message);
    }

    [Fact]
    public async Task A_group_readable_token_file_fails()
    {
        await Healthy();
        File.SetUnixFileMode(Path.Combine(State, "token"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var check = Only((await Doctor()).Checks, "Secrets");
        Assert.Equal("fail", check.Status);
    }

    const string Health = """{"service":"rampart","status":"ok","mode":"enforce","uptime_seconds":12,"version":"v1.8.0"}""";

    [Fact]
    public async Task A_running_server_is_asked_through_v1_status_and_a_rejected_token_fails()
    {
        await Healthy();
        await using var server = new FakeRampartServer(r => r.Path switch
        {
            "/healthz" => Json(Health),
            _ => Json("""{"error":"unauthorized"}""", 401),
        });
        var (exit, checks) = await Doctor(server.Url);
        Assert.Equal(1, exit);
        Assert.Equal("ok", Only(checks, "Server").Status);
        Assert.Equal(("Token auth", "fail", "token rejected by server (HTTP 401)"), Only(checks, "Token auth"));
        var status = Assert.Single(server.Requests, r => r.Path == "/v1/status");
        Assert.Equal("Bearer admin-token", status.Headers["Authorization"]);
    }

    [Fact]
    public async Task A_server_with_no_policies_fails_and_pending_approvals_warn()
    {
        await Healthy();
        await using var server = new FakeRampartServer(r => r.Path switch
        {
            "/healthz" => Json(Health),
            "/v1/status" => Json("""{"config_path":"","mode":"enforce","default_action":"deny","policy_count":0,"rule_count":0,"call_counts":{}}"""),
            "/v1/approvals" => Json("""{"approvals":[{"id":"a1","tool":"exec","status":"pending"}],"run_groups":[],"run_grant_ttl_ms":120000}"""),
            _ => Json("{}", 404),
        });
        var (exit, checks) = await Doctor(server.Url);
        Assert.Equal(1, exit);
        Assert.Equal("ok", Only(checks, "Token auth").Status);
        Assert.Equal(("Policies API", "fail", "server reports 0 policies loaded"), Only(checks, "Policies API"));
        Assert.Equal("warn", Only(checks, "Pending approvals").Status);
    }

    [Fact]
    public async Task Something_on_the_port_that_is_not_rampart_is_not_a_server()
    {
        await Healthy();
        await using var server = new FakeRampartServer(_ => Json("""{"status":"ok"}"""));
        var check = Only((await Doctor(server.Url)).Checks, "Server");
        Assert.Equal("info", check.Status);
    }

    [Fact]
    public async Task Json_output_carries_the_schema_and_summary()
    {
        await Healthy();
        ReplaceCommand("'/opt/gone/rampart' hook --format claude-code");
        var result = await Run(["doctor", "--json"]);
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.Equal("rampart.doctor.v1", root.GetProperty("schema_version").GetString());
        var summary = root.GetProperty("summary");
        Assert.Equal(root.GetProperty("checks").GetArrayLength(), summary.GetProperty("checks").GetInt32());
        Assert.Equal(summary.GetProperty("issues").GetInt32(), root.GetProperty("issues").GetInt32());
        Assert.Contains("Hook binary", root.GetProperty("issue_checks").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["schema_version", "generated_at", "build_version", "summary", "checks", "warnings", "issues", "warning_checks", "issue_checks"],
            root.EnumerateObject().Select(p => p.Name));
    }
}
