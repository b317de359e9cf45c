using System.Text.Json;
using Rampart.Tests.Agents;
using static Rampart.Tests.Agents.FakeRampartServer;

namespace Rampart.Tests.Cli;

/// <summary>The real <c>rampart hook --remote</c> binary against a real HTTP server on 127.0.0.1 (CLI-082).</summary>
public sealed class HookCommandTests : IDisposable
{
    const string Allow = """{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}""" + "\n";
    const string Unreachable = """{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: Rampart service unreachable; refusing tool call"}}""" + "\n";
    const string AllowBody = """{"allowed":true,"decision":"allow","message":"ok","matched_policies":null,"eval_duration_us":3,"enforced":true,"enforcement_requested":true}""";

    const string BashLs = """{"session_id":"sess-1","transcript_path":"/home/agent/.claude/projects/x.jsonl","cwd":"/work/repo","permission_mode":"default","hook_event_name":"PreToolUse","tool_use_id":"toolu_01","tool_name":"Bash","tool_input":{"command":"ls -la","description":"List files"}}""";

    readonly string home = Directory.CreateTempSubdirectory("rampart-hook-home-").FullName;

    public void Dispose() => Directory.Delete(home, recursive: true);

    Dictionary<string, string?> Env(string url, string? token = "eval-token") => new()
    {
        ["HOME"] = home,
        ["RAMPART_URL"] = url,
        ["RAMPART_TOKEN"] = token,
        ["RAMPART_SESSION"] = "repo/main",
        ["RAMPART_SERVE_URL"] = null,
        ["RAMPART_RUN"] = null,
        ["CLAUDE_CONVERSATION_ID"] = null,
        ["RAMPART_AGENT_DEPTH"] = null,
    };

    Task<RampartProcess.Result> Hook(string stdin, string url, params string[] extra) =>
        RampartProcess.RunAsync(["hook", "--format", "claude-code", "--remote", .. extra], stdin, Env(url), timeout: TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Allowed_call_prints_allow_and_sends_the_call_to_preflight_with_the_eval_token()
    {
        await using var server = new FakeRampartServer(_ => Json(AllowBody));
        var result = await Hook(BashLs, server.Url);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Allow, result.Stdout);
        Assert.Equal("", result.Stderr);

        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/preflight/exec", request.Path);
        Assert.Equal("Bearer eval-token", request.Headers["Authorization"]);
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("claude-code", root.GetProperty("agent").GetString());
        Assert.Equal("repo/main", root.GetProperty("session").GetString());
        Assert.Equal("sess-1", root.GetProperty("run_id").GetString());
        Assert.Equal("toolu_01", root.GetProperty("tool_call_id").GetString());
        Assert.Equal("/work/repo", root.GetProperty("cwd").GetString());
        Assert.Equal("ls -la", root.GetProperty("params").GetProperty("command").GetString());
        Assert.True(root.GetProperty("enforce").GetBoolean());
    }

    [Fact]
    public async Task Denied_call_prints_deny_with_the_policy_message_and_exits_zero()
    {
        await using var server = new FakeRampartServer(_ => Json("""{"allowed":false,"decision":"deny","message":"Destructive command <rm>","matched_policies":["block-destructive"],"enforced":true}"""));
        var result = await Hook("""{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}""", server.Url);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: Destructive command \u003crm\u003e"}}""" + "\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Ask_decision_hands_the_call_to_the_native_prompt()
    {
        await using var server = new FakeRampartServer(_ => Json("""{"allowed":false,"decision":"ask","message":"deploys need a human","enforced":true}"""));
        var result = await Hook(BashLs, server.Url);
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask","permissionDecisionReason":"Rampart: deploys need a human"}}""" + "\n", result.Stdout);
    }

    public static TheoryData<string, string> ToolSamples() => new()
    {
        { """{"hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"/work/repo/README.md"}}""", "/v1/preflight/read" },
        { """{"hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":"/work/repo/out.txt","content":"hi"}}""", "/v1/preflight/write" },
        { """{"hook_event_name":"PreToolUse","tool_name":"Edit","tool_input":{"file_path":"/work/repo/a.cs","old_string":"a","new_string":"b"}}""", "/v1/preflight/write" },
        { """{"hook_event_name":"PreToolUse","tool_name":"Grep","tool_input":{"pattern":"TODO","path":"/work/repo"}}""", "/v1/preflight/read" },
        { """{"hook_event_name":"PreToolUse","tool_name":"WebFetch","tool_input":{"url":"https://example.com/docs","prompt":"summarise"}}""", "/v1/preflight/fetch" },
        { """{"hook_event_name":"PreToolUse","tool_name":"WebSearch","tool_input":{"query":"rampart policy"}}""", "/v1/preflight/fetch" },
        { """{"hook_event_name":"PreToolUse","tool_name":"Task","tool_input":{"description":"explore","prompt":"look around"}}""", "/v1/preflight/agent" },
        { """{"hook_event_name":"PreToolUse","tool_name":"TodoWrite","tool_input":{"todos":[]}}""", "/v1/preflight/process" },
        { """{"hook_event_name":"PreToolUse","tool_name":"mcp__filesystem__delete_file","tool_input":{"path":"/x"}}""", "/v1/preflight/mcp-destructive" },
        { """{"hook_event_name":"PreToolUse","tool_name":"mcp__github__create_issue","tool_input":{"title":"t"}}""", "/v1/preflight/mcp" },
    };

    [Theory]
    [MemberData(nameof(ToolSamples))]
    public async Task Each_tool_type_is_evaluated_under_its_policy_class(string stdin, string expectedPath)
    {
        await using var server = new FakeRampartServer(_ => Json(AllowBody));
        var result = await Hook(stdin, server.Url);
        Assert.Equal(Allow, result.Stdout);
        Assert.Equal(expectedPath, Assert.Single(server.Requests).Path);
    }

    [Theory]
    [InlineData(503, """{"error":"audit storage is unavailable; refusing tool call"}""")]
    [InlineData(401, """{"error":"unauthorized"}""")]
    [InlineData(200, "{not json")]
    [InlineData(200, """{"allowed":true,"decision":"allow","enforced":false}""")]
    public async Task Unusable_answers_fail_closed_in_enforce(int status, string body)
    {
        await using var server = new FakeRampartServer(_ => Json(body, status));
        var result = await Hook(BashLs, server.Url);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Unreachable, result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task A_broken_http_response_fails_closed()
    {
        await using var server = new FakeRampartServer(_ => new Reply(200, "", Raw: "garbage\r\n\r\n"));
        var result = await Hook(BashLs, server.Url);
        Assert.Equal(Unreachable, result.Stdout);
    }

    [Fact]
    public async Task Unreachable_server_fails_closed_by_default()
    {
        var result = await Hook(BashLs, ClosedPortUrl());
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Unreachable, result.Stdout);
    }

    [Fact]
    public async Task Unreachable_server_with_fail_open_allows_with_a_loud_warning()
    {
        var result = await Hook(BashLs, ClosedPortUrl(), "--fail-open");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Allow, result.Stdout);
        Assert.Contains("FAILING OPEN", result.Stderr);
    }

    [Fact]
    public async Task Unreachable_server_in_monitor_mode_allows()
    {
        var result = await Hook(BashLs, ClosedPortUrl(), "--mode", "monitor");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Allow, result.Stdout);
    }

    [Fact]
    public async Task A_slow_server_is_abandoned_at_the_deadline_and_the_call_refused()
    {
        await using var server = new FakeRampartServer(_ => new Reply(200, AllowBody, Delay: TimeSpan.FromSeconds(20)));
        var result = await Hook(BashLs, server.Url);
        // The 30 s process timeout in Hook() would throw if the 2 s deadline were not respected.
        Assert.Equal(Unreachable, result.Stdout);
    }

    [Fact]
    public async Task Post_tool_use_deny_blocks_and_replaces_the_output()
    {
        await using var server = new FakeRampartServer(_ => Json("""{"allowed":false,"decision":"deny","message":"credential in output","response":"[REDACTED: sensitive content removed by Rampart]"}"""));
        var stdin = """{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"env"},"tool_response":{"stdout":"AWS_KEY=AKIA1234567890ABCDEF","stderr":"","interrupted":false}}""";
        var result = await Hook(stdin, server.Url);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"decision":"block","reason":"Rampart: credential in output","hookSpecificOutput":{"hookEventName":"PostToolUse","updatedToolOutput":{"interrupted":false,"stderr":"[blocked by Rampart response policy]","stdout":"[blocked by Rampart response policy]"}}}""" + "\n", result.Stdout);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/response/exec", request.Path);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("AWS_KEY=AKIA1234567890ABCDEF", body.RootElement.GetProperty("response").GetString());
    }

    [Fact]
    public async Task Post_tool_use_allowed_prints_an_empty_object()
    {
        await using var server = new FakeRampartServer(_ => Json("""{"allowed":true,"decision":"allow","message":""}"""));
        var result = await Hook("""{"hook_event_name":"PostToolUse","tool_name":"Read","tool_input":{"file_path":"a"},"tool_response":"text"}""", server.Url);
        Assert.Equal("{}\n", result.Stdout);
    }

    [Fact]
    public async Task Post_tool_use_with_the_server_down_blocks_in_enforce()
    {
        var result = await Hook("""{"hook_event_name":"PostToolUse","tool_name":"Read","tool_input":{"file_path":"a"},"tool_response":"text"}""", ClosedPortUrl());
        Assert.Equal("""{"decision":"block","reason":"Rampart: Rampart service unreachable; refusing tool response","hookSpecificOutput":{"hookEventName":"PostToolUse","updatedToolOutput":"[blocked by Rampart response policy]"}}""" + "\n", result.Stdout);
    }

    [Fact]
    public async Task Post_tool_use_of_an_unknown_tool_is_blocked_without_asking_the_server()
    {
        await using var server = new FakeRampartServer(_ => Json(AllowBody));
        var result = await Hook("""{"hook_event_name":"PostToolUse","tool_name":"FutureTool","tool_input":{},"tool_response":"secret text"}""", server.Url);
        Assert.Equal("""{"decision":"block","reason":"Rampart: unsupported host tool response; update Rampart before exposing its output","hookSpecificOutput":{"hookEventName":"PostToolUse","updatedToolOutput":"[blocked by Rampart response policy]"}}""" + "\n", result.Stdout);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Post_tool_failure_deny_returns_guidance()
    {
        await using var server = new FakeRampartServer(_ => Json("""{"allowed":false,"decision":"deny","message":"no force pushes","matched_policies":["git-safety"],"enforced":false}"""));
        var result = await Hook("""{"hook_event_name":"PostToolUseFailure","tool_name":"Bash","tool_input":{"command":"git push --force"},"tool_response":"rejected"}""", server.Url);
        using var doc = JsonDocument.Parse(result.Stdout);
        var context = doc.RootElement.GetProperty("hookSpecificOutput").GetProperty("additionalContext").GetString()!;
        Assert.StartsWith("⛔ Blocked [git-safety]: no force pushes", context);
        var request = Assert.Single(server.Requests);
        using var body = JsonDocument.Parse(request.Body);
        Assert.False(body.RootElement.GetProperty("enforce").GetBoolean());
    }

    [Theory]
    [InlineData("{", "parse failure: unexpected EOF")]
    [InlineData("""{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}""", "parse failure: hook: Claude Code Bash requires a non-empty command")]
    [InlineData("""{"hook_event_name":"PreToolUse","tool_name":"FutureMutatingTool","tool_input":{}}""", "parse failure: hook: unsupported Claude Code tool_name \"FutureMutatingTool\"; update Rampart before allowing this tool")]
    [InlineData("""{"hook_event_name":"PreToolUse","tool_use_id":"a;b","tool_name":"Bash","tool_input":{"command":"ls"}}""", "parse failure: hook: invalid character ';' in tool_use_id")]
    public async Task Malformed_input_is_denied_without_asking_the_server(string stdin, string reason)
    {
        await using var server = new FakeRampartServer(_ => Json(AllowBody));
        var result = await Hook(stdin, server.Url);
        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        var specific = doc.RootElement.GetProperty("hookSpecificOutput");
        Assert.Equal("deny", specific.GetProperty("permissionDecision").GetString());
        Assert.Equal("Rampart: " + reason, specific.GetProperty("permissionDecisionReason").GetString());
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Malformed_input_in_monitor_mode_is_allowed()
    {
        var result = await Hook("{", ClosedPortUrl(), "--mode", "monitor");
        Assert.Equal(Allow, result.Stdout);
    }

    [Fact]
    public async Task Empty_stdin_allows_as_upstream_does()
    {
        await using var server = new FakeRampartServer(_ => Json(AllowBody));
        var result = await Hook("", server.Url);
        Assert.Equal(Allow, result.Stdout);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("--mode", "disabled")]
    [InlineData("--format", "bogus")]
    public async Task Invalid_mode_or_format_exits_1_before_reading_stdin(string flag, string value)
    {
        var result = await Hook(BashLs, ClosedPortUrl(), flag, value);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains(value, result.Stderr);
    }

    [Fact]
    public async Task Token_file_of_the_agent_user_is_used_when_RAMPART_TOKEN_is_unset()
    {
        Directory.CreateDirectory(Path.Combine(home, ".rampart"));
        File.WriteAllText(Path.Combine(home, ".rampart", "token"), "file-eval-token\n");
        await using var server = new FakeRampartServer(_ => Json(AllowBody));
        var result = await RampartProcess.RunAsync(["hook", "--remote"], BashLs, Env(server.Url, token: null));
        Assert.Equal(Allow, result.Stdout);
        Assert.Equal("Bearer file-eval-token", Assert.Single(server.Requests).Headers["Authorization"]);
    }

    [Fact]
    public async Task Serve_url_flag_beats_RAMPART_URL()
    {
        await using var server = new FakeRampartServer(_ => Json(AllowBody));
        var result = await Hook(BashLs, ClosedPortUrl(), "--serve-url", server.Url);
        Assert.Equal(Allow, result.Stdout);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task An_unsafe_endpoint_is_refused_before_any_token_is_sent()
    {
        var result = await Hook(BashLs, "http://rampart.example:9090");
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: Rampart credential endpoint is unsafe; refusing host data until configuration is fixed"}}""" + "\n", result.Stdout);
    }
}
