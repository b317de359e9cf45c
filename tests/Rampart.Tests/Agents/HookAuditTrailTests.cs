using System.Text.Json;

namespace Rampart.Tests.Agents;

/// <summary>
/// The real <c>rampart hook</c> in local mode writes one audit record per run to the shared chain
/// (CLI-076, AUD-056, AUD-063), and <c>rampart audit verify</c> accepts what it wrote.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HookAuditTrailTests : IDisposable
{
    const string AuditRefusal = "Rampart audit storage is unavailable; refusing host data";

    readonly string root = Directory.CreateTempSubdirectory("rampart-hook-audit-").FullName;
    string Home => Path.Combine(root, "home");
    string AuditDir => Path.Combine(root, "audit");

    public HookAuditTrailTests() => Directory.CreateDirectory(Home);

    public void Dispose() => Directory.Delete(root, recursive: true);

    Dictionary<string, string?> Env() => new()
    {
        ["HOME"] = Home,
        ["RAMPART_SESSION"] = "repo/main",
        ["RAMPART_URL"] = null,
        ["RAMPART_SERVE_URL"] = null,
        ["RAMPART_TOKEN"] = null,
        ["RAMPART_RUN"] = null,
        ["RAMPART_NO_PROJECT_POLICY"] = "1",
        ["CLAUDE_CONVERSATION_ID"] = null,
    };

    Task<RampartProcess.Result> Hook(string stdin, params string[] flags) =>
        RampartProcess.RunAsync(["hook", "--format", "claude-code", .. flags], stdin, Env(), root, TimeSpan.FromSeconds(30));

    static string Event(string name, string toolName, string toolInput, string extra = "") =>
        $$"""{"session_id":"sess-1","cwd":"","hook_event_name":"{{name}}","tool_use_id":"toolu_01","tool_name":"{{toolName}}","tool_input":{{toolInput}}{{extra}}}""";

    static string Bash(string command) => Event("PreToolUse", "Bash", JsonSerializer.Serialize(new Dictionary<string, string> { ["command"] = command }));

    static List<JsonElement> Records(string dir)
    {
        var records = new List<JsonElement>();
        foreach (var file in Directory.GetFiles(dir, "*.jsonl").Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                if (line.Length == 0) continue;
                var e = JsonDocument.Parse(line).RootElement.Clone();
                if (e.TryGetProperty("id", out _)) records.Add(e);
            }
        }
        return records;
    }

    static string Action(JsonElement record) => record.GetProperty("decision").GetProperty("action").GetString()!;

    [Fact]
    public async Task Two_hook_runs_extend_one_chain_that_audit_verify_accepts()
    {
        var allowed = await Hook(Bash("git status"), "--audit-dir", AuditDir);
        var denied = await Hook(Bash("rm -rf /"), "--audit-dir", AuditDir);

        Assert.Equal((0, ""), (allowed.ExitCode, allowed.Stderr));
        Assert.Equal((0, ""), (denied.ExitCode, denied.Stderr));
        var verify = await RampartProcess.RunAsync(["audit", "verify", "--audit-dir", AuditDir]);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains("✓ Chain verified: 2 events", verify.Stdout);

        var records = Records(AuditDir);
        Assert.Equal(["allow", "deny"], records.Select(Action));
        Assert.Equal(records[0].GetProperty("hash").GetString(), records[1].GetProperty("prev_hash").GetString());
        foreach (var r in records)
        {
            Assert.Equal("claude-code", r.GetProperty("agent").GetString());
            Assert.Equal("repo/main", r.GetProperty("session").GetString());
            Assert.Equal("sess-1", r.GetProperty("run_id").GetString());
            Assert.Equal("toolu_01", r.GetProperty("tool_call_id").GetString());
            Assert.Equal("exec", r.GetProperty("tool").GetString());
        }
        Assert.Equal("rm -rf /", records[1].GetProperty("request").GetProperty("command").GetString());
        Assert.NotEmpty(records[1].GetProperty("decision").GetProperty("matched_policies").EnumerateArray());
    }

    [Fact]
    public async Task Without_audit_dir_the_trail_is_created_owner_only_under_home()
    {
        var result = await Hook(Bash("git status"));

        Assert.Equal(0, result.ExitCode);
        var dir = Path.Combine(Home, ".rampart", "audit");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Single(Records(dir));
    }

    [Fact]
    public async Task Monitor_mode_records_the_decision_it_let_through()
    {
        var result = await Hook(Bash("rm -rf /"), "--mode", "monitor", "--audit-dir", AuditDir);

        Assert.Contains("\"permissionDecision\":\"allow\"", result.Stdout);
        Assert.Equal("deny", Action(Assert.Single(Records(AuditDir))));
    }

    [Fact]
    public async Task A_parse_failure_is_recorded_as_an_unknown_tool_with_the_raw_error()
    {
        var result = await Hook("{not json", "--audit-dir", AuditDir);

        Assert.Contains("\"permissionDecision\":\"deny\"", result.Stdout);
        var record = Assert.Single(Records(AuditDir));
        Assert.Equal("unknown", record.GetProperty("tool").GetString());
        Assert.Equal("claude-code", record.GetProperty("agent").GetString());
        Assert.Equal("deny", Action(record));
        var rawError = record.GetProperty("request").GetProperty("raw_error").GetString()!;
        Assert.NotEmpty(rawError);
        Assert.Equal("parse failure: " + rawError, record.GetProperty("decision").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_failed_tool_is_recorded_only_when_denied_and_then_as_feedback()
    {
        var harmless = await Hook(Event("PostToolUseFailure", "Bash", """{"command":"git status"}"""), "--audit-dir", AuditDir);
        var destructive = await Hook(Event("PostToolUseFailure", "Bash", """{"command":"rm -rf /"}"""), "--audit-dir", AuditDir);

        Assert.Equal("{}\n", harmless.Stdout);
        Assert.Contains("additionalContext", destructive.Stdout);
        var record = Assert.Single(Records(AuditDir));
        Assert.Equal("feedback", Action(record));
        Assert.Equal("", record.GetProperty("session").GetString());
    }

    [Fact]
    public async Task An_unusable_audit_dir_refuses_in_enforce_and_exits_1_in_monitor()
    {
        var notADirectory = Path.Combine(root, "file");
        File.WriteAllText(notADirectory, "");

        var enforce = await Hook(Bash("git status"), "--audit-dir", notADirectory);
        var monitor = await Hook(Bash("git status"), "--audit-dir", notADirectory, "--mode", "monitor");

        Assert.Equal(0, enforce.ExitCode);
        Assert.Contains("\"permissionDecision\":\"deny\"", enforce.Stdout);
        Assert.Contains(AuditRefusal, enforce.Stdout);
        Assert.Equal("", enforce.Stderr);
        Assert.Equal(1, monitor.ExitCode);
        Assert.Equal("", monitor.Stdout);
        Assert.Contains(notADirectory, monitor.Stderr);
    }
}
