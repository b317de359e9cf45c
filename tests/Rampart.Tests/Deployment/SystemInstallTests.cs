using Rampart.Testing;
using Rampart.Hosting;
using Xunit.Abstractions;

namespace Rampart.Tests.Deployment;

/// <summary>
/// Issue 5's end-to-end proof of user separation: after <c>serve install --system</c>, the agent
/// user gets decisions with its eval token and nothing else — no audit, no policy change, no admin
/// token, no signal to the service, 403 on admin routes.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class SystemInstallTests(InstalledSystem system, ITestOutputHelper output) : IClassFixture<InstalledSystem>
{
    const string Agent = InstalledSystem.Agent;
    static readonly SystemLayout Layout = SystemLayout.Default;

    static void AssertDenied(ChildProcess.Result result, string what)
    {
        Assert.True(result.ExitCode != 0, $"{what} succeeded as the agent:\n{result.Output}");
        Assert.True(result.Stderr.Contains("Permission denied") || result.Stderr.Contains("Operation not permitted"),
            $"{what} failed for another reason than EACCES/EPERM:\n{result.Output}");
    }

    static PathOwnership Stat(string path) => Posix.Lstat(path) ?? throw new Xunit.Sdk.XunitException(path + " does not exist");

    static string ModeOf(string path) => Stat(path).OctalMode;

    [Fact]
    public void Dry_run_prints_the_plan_and_changes_nothing()
    {
        Assert.Equal(0, system.DryRun.ExitCode);
        Assert.Contains("dry run, nothing will be changed", system.DryRun.Stdout);
        Assert.Contains("  plan  system user rampart-svc", system.DryRun.Stdout);
        Assert.Contains("change(s) planned", system.DryRun.Stdout);
        Assert.True(system.DryRunLeftNoTrace, "the dry run created the account, /etc/rampart or the binary");
    }

    [Fact]
    public void Install_creates_the_documented_layout()
    {
        output.WriteLine(system.FirstInstall.Stdout);
        var svc = UnixAccounts.Read().User(SystemLayout.ServiceAccount);
        Assert.NotNull(svc);
        Assert.False(svc.HasLoginShell);
        Assert.Equal("/var/lib/rampart", svc.Home);
        var agent = UnixAccounts.Read().User(Agent)!;

        Assert.Equal((0u, svc.Gid, "0750", PathKind.Directory), Owner(Layout.ConfigDir));
        Assert.Equal((0u, svc.Gid, "0640", PathKind.Regular), Owner(Layout.StandardPolicy));
        Assert.Equal((svc.Uid, svc.Gid, "0700", PathKind.Directory), Owner(Layout.ServiceHome));
        Assert.Equal((svc.Uid, svc.Gid, "0700", PathKind.Directory), Owner(Layout.AuditDir));
        Assert.Equal((0u, 0u, "0755", PathKind.Regular), Owner(Layout.Binary));
        Assert.Equal((svc.Uid, svc.Gid, "0600", PathKind.Regular), Owner(Layout.ServiceState.AdminTokenFile));
        Assert.Equal((svc.Uid, svc.Gid, "0600", PathKind.Regular), Owner(Layout.ServiceState.AgentTokenStore));
        Assert.Equal((agent.Uid, agent.Gid, "0600", PathKind.Regular), Owner(Path.Combine(system.AgentHome, ".rampart", "token")));
        Assert.Equal(SystemUnit.Content, File.ReadAllText(Layout.UnitFile));
    }

    static (uint, uint, string, PathKind) Owner(string path)
    {
        var s = Stat(path);
        return (s.Uid, s.Gid, s.OctalMode, s.Kind);
    }

    [Fact]
    public void Second_install_changes_nothing_and_says_so()
    {
        Assert.Equal(0, system.SecondInstall.ExitCode);
        Assert.Contains("Nothing to change: the system install is already in place.", system.SecondInstall.Stdout);
        Assert.DoesNotContain("  done  ", system.SecondInstall.Stdout);
    }

    [Fact]
    public void Without_systemd_install_prints_the_exact_start_command()
    {
        Assert.Contains("systemd is not running on this machine", system.FirstInstall.Stdout);
        Assert.Equal("runuser -u rampart-svc -- /usr/local/bin/rampart serve --config /etc/rampart/standard.yaml --config-dir /etc/rampart --audit-dir /var/lib/rampart/audit",
            system.StartCommand);
        output.WriteLine($"start-up time (process start → first /healthz 200): {system.StartupTime.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task The_service_runs_as_rampart_svc()
    {
        var status = await File.ReadAllLinesAsync($"/proc/{system.ServerPid}/status");
        var uid = status.First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.Equal(ServiceAccount.Require().Uid.ToString(), uid);
    }

    [Fact]
    public void Agent_policies_are_moved_into_etc_rampart()
    {
        Assert.False(File.Exists(Path.Combine(system.AgentHome, ".rampart", "policies", "team.yaml")));
        Assert.Equal("0640", ModeOf(Path.Combine(Layout.ConfigDir, "team.yaml")));
    }

    [Theory]
    [InlineData("ls -la", "allow")]
    [InlineData("make deploy-prod", "deny")]   // the agent's own policy, now in /etc/rampart
    [InlineData("rm -rf /", "deny")]           // the standard policy
    public async Task Agent_hook_gets_decisions_from_the_service_with_its_eval_token(string command, string decision)
    {
        var payload = """{"session_id":"e2e","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":""" + "\"" + command + "\"}}";
        var result = await HostProcess.RunAsync("runuser",
            ["-u", Agent, "--", Layout.Binary, "hook", "--format", "claude-code", "--remote", "--serve-url", $"http://127.0.0.1:{system.Port}"],
            env: new Dictionary<string, string?> { ["RAMPART_TOKEN"] = null, ["RAMPART_URL"] = null }, stdin: payload);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"\"permissionDecision\":\"{decision}\"", result.Stdout);
    }

    [Fact]
    public async Task Agent_gets_a_decision_over_raw_http()
    {
        var answer = await system.AgentHttpAsync("POST", "/v1/tool/exec", """{"agent":"e2e","session":"s","params":{"command":"ls"}}""");
        Assert.True(answer.Status == 200, answer.Raw);
        Assert.Contains("\"decision\":\"allow\"", answer.Body);
    }

    // SEC-012: approvals, rules, reload, status, audit and SSE need admin. Tokens are managed only
    // through the CLI on the service's own files (no HTTP route), which the agent cannot read:
    // Admin_token_stays_with_the_service.
    [Theory]
    [InlineData("GET", "/v1/status")]
    [InlineData("GET", "/v1/policy")]
    [InlineData("GET", "/v1/policies")]
    [InlineData("GET", "/v1/policy/summary")]
    [InlineData("POST", "/v1/policy/reload")]
    [InlineData("POST", "/v1/test")]
    [InlineData("GET", "/v1/rules/auto-allowed")]
    [InlineData("DELETE", "/v1/rules/auto-allowed/team-no-deploy")]
    [InlineData("GET", "/v1/approvals")]
    [InlineData("POST", "/v1/approvals")]
    [InlineData("POST", "/v1/approvals/bulk-resolve")]
    [InlineData("GET", "/v1/audit/events")]
    [InlineData("GET", "/v1/audit/dates")]
    [InlineData("GET", "/v1/audit/export?date=2026-01-01")]
    [InlineData("GET", "/v1/audit/stats")]
    [InlineData("GET", "/v1/events/stream")]
    public async Task Eval_token_gets_403_on_admin_routes(string method, string path)
    {
        var answer = await system.AgentHttpAsync(method, path, method == "POST" ? "{}" : "");
        Assert.True(answer.Status == 403, $"{method} {path}: {answer.Raw}");
        Assert.Contains("this endpoint requires admin scope", answer.Body);
    }

    [Fact]
    public async Task Eval_token_cannot_approve_a_pending_request()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{system.Port}") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", system.AdminToken);
        using var created = await http.PostAsync("/v1/approvals",
            new StringContent("""{"tool":"exec","command":"make deploy-prod","agent":"e2e","message":"deploy?"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        using var doc = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = doc.RootElement.GetProperty("id").GetString()!;

        var answer = await system.AgentHttpAsync("POST", $"/v1/approvals/{id}/resolve", """{"approved":true,"resolved_by":"agent"}""");
        Assert.True(answer.Status == 403, answer.Raw);
        using var state = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"/v1/approvals/{id}"));
        Assert.Equal("pending", state.RootElement.GetProperty("status").GetString());
        using var deny = await http.PostAsync($"/v1/approvals/{id}/resolve",
            new StringContent("""{"approved":false,"resolved_by":"test"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, deny.StatusCode);
    }

    [Fact]
    public async Task Admin_token_stays_with_the_service()
    {
        Assert.NotEqual(system.AdminToken, system.AgentToken);
        AssertDenied(await InstalledSystem.AsAgentAsync("cat", Layout.ServiceState.AdminTokenFile), "reading the admin token");
        AssertDenied(await InstalledSystem.AsAgentAsync("cat", Layout.ServiceState.AgentTokenStore), "reading the token store");
    }

    [Fact]
    public async Task Agent_cannot_list_or_read_the_audit_trail()
    {
        // Every file there, plus a name the agent might guess: the 0700 directory refuses even the lookup.
        var files = Directory.GetFiles(Layout.AuditDir).Append(Path.Combine(Layout.AuditDir, "audit.jsonl"));
        AssertDenied(await InstalledSystem.AsAgentAsync("ls", Layout.AuditDir), "listing the audit directory");
        foreach (var file in files) AssertDenied(await InstalledSystem.AsAgentAsync("cat", file), "reading " + file);
        AssertDenied(await InstalledSystem.AsAgentAsync("sh", "-c", $"echo forged >> {Layout.AuditDir}/audit.jsonl"), "writing into the audit directory");
    }

    [Theory]
    [InlineData("append", "echo 'policies: []' >> /etc/rampart/standard.yaml")]
    [InlineData("replace", "cp /etc/hostname /etc/rampart/standard.yaml")]
    [InlineData("add", "echo 'version: \"1\"' > /etc/rampart/mine.yaml")]
    [InlineData("rename", "mv /etc/rampart/standard.yaml /etc/rampart/old.yaml")]
    [InlineData("delete", "rm -f /etc/rampart/team.yaml")]
    [InlineData("chmod", "chmod 0666 /etc/rampart/standard.yaml")]
    [InlineData("list", "ls /etc/rampart")]
    public async Task Agent_cannot_change_the_policy(string what, string script)
    {
        AssertDenied(await InstalledSystem.AsAgentAsync("sh", "-c", script), what);
        Assert.Equal("0640", ModeOf(Layout.StandardPolicy));
        Assert.False(File.Exists("/etc/rampart/mine.yaml"));
    }

    [Fact]
    public async Task Agent_cannot_signal_the_service()
    {
        AssertDenied(await InstalledSystem.AsAgentAsync("kill", "-TERM", system.ServerPid.ToString()), "killing the service");
        AssertDenied(await InstalledSystem.AsAgentAsync("kill", "-KILL", system.ServerPid.ToString()), "killing the service");
        Assert.False(system.Server.HasExited);
        Assert.Equal(200, (await system.AgentHttpAsync("GET", "/healthz")).Status);
    }

    [Fact]
    public async Task Doctor_as_the_agent_reports_the_separation_as_sound()
    {
        var doctor = await system.DoctorAsync(Agent);
        output.WriteLine(doctor.Output);

        Assert.True(doctor.ExitCode == 0, doctor.Output);
        Assert.Equal(0, doctor.Json.GetProperty("summary").GetProperty("issues").GetInt32());
        foreach (var name in new[] { "Separation", "Audit access", "Policy files", "Service tokens", "Serve signal", "Token auth", "Server" })
            Assert.True(doctor.Status(name) == "ok", $"{name}: {doctor.Status(name)}\n{doctor.Output}");
        Assert.Contains($"rampart serve (pid {system.ServerPid}) runs as rampart-svc", doctor.Messages("Serve user"));
        Assert.Contains("sound: rampart-e2e cannot read the audit trail, change the policy, read the service's tokens or signal serve", doctor.Messages("Separation"));
        // SEC-014: its hooks are not set up yet, and must ask the service rather than judge locally.
        Assert.Equal("rampart setup claude-code --remote", Assert.Single(doctor.Checks("Hooks")).GetProperty("hint").GetString());
    }

    [Fact]
    public async Task Doctor_and_serve_both_report_a_world_writable_policy_with_the_fix()
    {
        var policy = Path.Combine(Layout.ConfigDir, "team.yaml");
        var fix = $"chown root:rampart-svc {policy} && chmod 0640 {policy}";
        File.SetUnixFileMode(policy, (UnixFileMode)Convert.ToInt32("777", 8));
        try
        {
            // The operator's view (sudo rampart doctor) sees every file: a failed check with the fix.
            var asRoot = await system.DoctorAsync("root");
            output.WriteLine(asRoot.Output);
            Assert.Equal(1, asRoot.ExitCode);
            var finding = Assert.Single(asRoot.Checks("Service permissions"));
            Assert.Equal("fail", finding.GetProperty("status").GetString());
            Assert.Contains($"policy file {policy} (mode 0777) is writable by every user", finding.GetProperty("message").GetString());
            Assert.Equal(fix, finding.GetProperty("hint").GetString());

            // serve says the same at start-up.
            var warning = await system.ServeStartupWarningAsync($"policy file {policy} (mode 0777) is writable by every user");
            Assert.Contains(fix, warning);

            // The agent's own doctor probes for real: /etc/rampart (0750) still keeps it out of the file.
            var asAgent = await system.DoctorAsync(Agent);
            Assert.True(asAgent.Status("Separation") == "ok", asAgent.Output);

            // Open the directory too and the agent can write the policy: its doctor now fails, naming it.
            File.SetUnixFileMode(Layout.ConfigDir, (UnixFileMode)Convert.ToInt32("755", 8));
            asAgent = await system.DoctorAsync(Agent);
            output.WriteLine(asAgent.Output);
            Assert.Equal(1, asAgent.ExitCode);
            Assert.Equal("fail", asAgent.Status("Policy files"));
            Assert.Contains($"can write {policy}", asAgent.Messages("Policy files"));
            Assert.Equal("fail", asAgent.Status("Separation"));
        }
        finally
        {
            File.SetUnixFileMode(policy, (UnixFileMode)Convert.ToInt32("640", 8));
            File.SetUnixFileMode(Layout.ConfigDir, (UnixFileMode)Convert.ToInt32("750", 8));
        }
        var restored = await system.DoctorAsync("root");
        Assert.Empty(restored.Checks("Service permissions"));
        Assert.Equal(0, (await system.DoctorAsync(Agent)).ExitCode);
    }
}
