using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Rampart.Server;

namespace Rampart.Tests.Server;

/// <summary><c>POST /v1/hooks/claude-code</c>: Claude Code's HTTP hook, always 200 with the hook output (issue 7, CLI-076/077, AUD-063).</summary>
public sealed class ClaudeHookEndpointTests
{
    const string Allow = """{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}""" + "\n";

    static string Pre(string command, string tool = "Bash") =>
        $$$"""{"session_id":"sess-1","transcript_path":"/home/a/.claude/x.jsonl","cwd":"/work/repo","permission_mode":"default","hook_event_name":"PreToolUse","tool_use_id":"toolu_01","tool_name":"{{{tool}}}","tool_input":{"command":{{{JsonSerializer.Serialize(command)}}}}}""";

    static string Post(string command, string stdout, string tool = "Bash") =>
        $$$"""{"session_id":"sess-1","cwd":"/work/repo","hook_event_name":"PostToolUse","tool_use_id":"toolu_02","tool_name":"{{{tool}}}","tool_input":{"command":{{{JsonSerializer.Serialize(command)}}}},"tool_response":{"stdout":{{{JsonSerializer.Serialize(stdout)}}},"stderr":"","interrupted":false}}""";

    static string Failure(string command) =>
        $$$"""{"session_id":"sess-1","cwd":"/work/repo","hook_event_name":"PostToolUseFailure","tool_use_id":"toolu_03","tool_name":"Bash","tool_input":{"command":{{{JsonSerializer.Serialize(command)}}}},"error":"exit status 1"}""";

    static async Task<string> Hook(ServerHarness server, string body, string? token = "", string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/hooks/claude-code") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        token = token == "" ? server.AdminToken : token;
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (session is not null) request.Headers.Add("X-Rampart-Session", session);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // always 200: Claude Code ignores non-2xx by default
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    static List<JsonElement> Records(ServerHarness server)
    {
        var records = new List<JsonElement>();
        var dir = Path.Combine(server.Root, "audit");
        foreach (var file in Directory.GetFiles(dir, "*.jsonl"))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("id", out _)) records.Add(doc.RootElement.Clone());
            }
        }
        return records;
    }

    static string Action(JsonElement record) => record.GetProperty("decision").GetProperty("action").GetString()!;

    [Fact]
    public async Task Allowed_PreToolUse_answers_allow_and_records_the_call()
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal(Allow, await Hook(server, Pre("curl https://example.com"), session: "repo/main"));
        var record = Assert.Single(Records(server));
        Assert.Equal("watch", Action(record));
        Assert.Equal("exec", record.GetProperty("tool").GetString());
        Assert.Equal("claude-code", record.GetProperty("agent").GetString());
        Assert.Equal("repo/main", record.GetProperty("session").GetString());
        Assert.Equal("sess-1", record.GetProperty("run_id").GetString());
        Assert.Equal("toolu_01", record.GetProperty("tool_call_id").GetString());
        Assert.Equal("curl https://example.com", record.GetProperty("request").GetProperty("command").GetString());
    }

    [Fact]
    public async Task Denied_PreToolUse_is_200_with_the_deny_output()
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: destructive command blocked"}}""" + "\n",
            await Hook(server, Pre("rm -rf /tmp/x")));
        Assert.Equal("deny", Action(Assert.Single(Records(server))));
    }

    [Fact]
    public async Task Ask_hands_the_call_to_the_native_prompt()
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask","permissionDecisionReason":"Rampart: deploys need a human"}}""" + "\n",
            await Hook(server, Pre("deploy prod")));
    }

    [Fact]
    public async Task Headless_only_ask_is_refused_rather_than_prompted()
    {
        const string policy = """
            version: "1"
            default_action: allow
            policies:
              - name: ask-headless
                match:
                  tool: exec
                rules:
                  - action: ask
                    ask:
                      headless_only: true
                    when:
                      command_matches: ["deploy *"]
                    message: needs a reviewer
            """;
        await using var server = await ServerHarness.StartAsync(policy);
        var output = await Hook(server, Pre("deploy prod"));
        Assert.Contains("\"permissionDecision\":\"deny\"", output);
        Assert.Contains("ask.headless_only", output);
    }

    [Fact]
    public async Task PostToolUse_with_a_secret_is_blocked_with_redacted_output_and_a_response_phase_record()
    {
        await using var server = await ServerHarness.StartAsync();
        var output = await Hook(server, Post("cat .env", "AWS=AKIAABCDEFGHIJKLMNOP"));
        Assert.Equal("""{"decision":"block","reason":"Rampart: secret in output","hookSpecificOutput":{"hookEventName":"PostToolUse","updatedToolOutput":{"interrupted":false,"stderr":"[blocked by Rampart response policy]","stdout":"[blocked by Rampart response policy]"}}}""" + "\n", output);
        var record = Assert.Single(Records(server));
        Assert.Equal("deny", Action(record));
        Assert.Equal("response", record.GetProperty("request").GetProperty("rampart_phase").GetString());
        Assert.Equal(["response-evaluated", "response-redacted"], record.GetProperty("response").GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Clean_PostToolUse_answers_empty_object()
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal("{}\n", await Hook(server, Post("ls", "README.md")));
        Assert.Equal("allow", Action(Assert.Single(Records(server))));
    }

    [Fact]
    public async Task PostToolUse_without_a_tool_response_answers_empty_object_without_audit()
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal("{}\n", await Hook(server, """{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"""));
        Assert.Empty(Records(server));
    }

    [Fact]
    public async Task PostToolUse_of_an_unknown_tool_is_blocked()
    {
        await using var server = await ServerHarness.StartAsync();
        var output = await Hook(server, """{"hook_event_name":"PostToolUse","tool_name":"BrandNewTool","tool_input":{},"tool_response":"data"}""");
        Assert.Equal("""{"decision":"block","reason":"Rampart: unsupported host tool response; update Rampart before exposing its output","hookSpecificOutput":{"hookEventName":"PostToolUse","updatedToolOutput":"[blocked by Rampart response policy]"}}""" + "\n", output);
        var record = Assert.Single(Records(server));
        Assert.Equal("unknown", record.GetProperty("tool").GetString());
        Assert.Equal("deny", Action(record));
    }

    [Fact]
    public async Task Denied_PostToolUseFailure_gets_guidance_and_a_feedback_record()
    {
        await using var server = await ServerHarness.StartAsync();
        using var doc = JsonDocument.Parse(await Hook(server, Failure("rm -rf /tmp/x")));
        var context = doc.RootElement.GetProperty("hookSpecificOutput");
        Assert.Equal("PostToolUseFailure", context.GetProperty("hookEventName").GetString());
        Assert.StartsWith("⛔ Blocked [block-rm]: destructive command blocked", context.GetProperty("additionalContext").GetString());
        var record = Assert.Single(Records(server));
        Assert.Equal("feedback", Action(record));
        Assert.Equal("", record.GetProperty("agent").GetString()); // CLI-076: a pure evaluation, agent left empty
    }

    [Fact]
    public async Task Allowed_PostToolUseFailure_answers_empty_object_without_audit()
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal("{}\n", await Hook(server, Failure("ls")));
        Assert.Empty(Records(server));
    }

    [Fact]
    public async Task Unparseable_payload_is_denied_and_recorded_as_unknown()
    {
        await using var server = await ServerHarness.StartAsync();
        var output = await Hook(server, """{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}""");
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: parse failure: hook: Claude Code Bash requires a non-empty command"}}""" + "\n", output);
        var record = Assert.Single(Records(server));
        Assert.Equal("unknown", record.GetProperty("tool").GetString());
        Assert.Equal("claude-code", record.GetProperty("agent").GetString());
        Assert.Equal("hook: Claude Code Bash requires a non-empty command", record.GetProperty("request").GetProperty("raw_error").GetString());
    }

    [Fact]
    public async Task Empty_body_is_allowed_without_audit()
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal(Allow, await Hook(server, ""));
        Assert.Empty(Records(server));
    }

    [Theory]
    [InlineData(null, "missing authorization token")]
    [InlineData("rampart_000000000000000000000000000000000000000000000000", "invalid authorization token")]
    public async Task Bad_credentials_are_refused_in_the_hook_format(string? token, string error)
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal($$$"""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: {{{error}}}; refusing tool call"}}""" + "\n",
            await Hook(server, Pre("ls"), token));
        var post = await Hook(server, Post("ls", "x"), token);
        Assert.StartsWith("""{"decision":"block","reason":"Rampart: """ + error, post);
        Assert.Empty(Records(server));
    }

    [Fact]
    public async Task Token_without_eval_scope_is_refused()
    {
        await using var server = await ServerHarness.StartAsync();
        var token = server.CreateAgentToken("ops", scopes: ["admin"]);
        Assert.Contains("this endpoint requires eval scope; refusing tool call", await Hook(server, Pre("ls"), token));
    }

    [Fact]
    public async Task Eval_token_forces_its_agent_and_default_deny()
    {
        await using var server = await ServerHarness.StartAsync();
        var token = server.CreateAgentToken("claude-code-ci");
        Assert.Equal(Allow, await Hook(server, Pre("curl https://example.com"), token));
        Assert.Contains("\"permissionDecision\":\"deny\"", await Hook(server, Pre("make build"), token)); // unmatched ⇒ deny (API-013)
        Assert.All(Records(server), r => Assert.Equal("claude-code-ci", r.GetProperty("agent").GetString()));
    }

    [Fact]
    public async Task Monitor_mode_allows_but_records_the_deny()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Monitor);
        Assert.Equal(Allow, await Hook(server, Pre("rm -rf /tmp/x")));
        Assert.Equal("{}\n", await Hook(server, Post("cat .env", "AKIAABCDEFGHIJKLMNOP")));
        Assert.Equal(["deny", "deny"], Records(server).Select(Action));
    }

    [Fact]
    public async Task Audit_failure_answers_200_with_a_refusal()
    {
        await using var server = await ServerHarness.StartAsync();
        var audit = Path.Combine(server.Root, "audit");
        Directory.Delete(audit, recursive: true);
        await File.WriteAllTextAsync(audit, "blocks the directory");
        try
        {
            Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: Rampart audit storage is unavailable; refusing host data"}}""" + "\n",
                await Hook(server, Pre("curl https://example.com")));
            Assert.StartsWith("""{"decision":"block","reason":"Rampart: Rampart audit storage is unavailable; refusing host data""", await Hook(server, Post("ls", "x")));
        }
        finally
        {
            File.Delete(audit);
        }
    }

    [Fact]
    public async Task Payload_above_the_api_body_limit_is_still_evaluated()
    {
        await using var server = await ServerHarness.StartAsync();
        var big = new string('a', 2 * 1024 * 1024) + " AKIAABCDEFGHIJKLMNOP";
        var output = await Hook(server, Post("cat big.log", big));
        Assert.StartsWith("""{"decision":"block","reason":"Rampart: """, output);
        Assert.DoesNotContain("AKIA", output);
    }

    [Fact]
    public async Task Payload_above_the_hook_input_limit_is_a_parse_failure()
    {
        await using var server = await ServerHarness.StartAsync();
        var output = await Hook(server, Post("cat huge.log", new string('a', 5 * 1024 * 1024)));
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: parse failure: hook: input exceeds 4194304 bytes"}}""" + "\n", output);
    }
}
