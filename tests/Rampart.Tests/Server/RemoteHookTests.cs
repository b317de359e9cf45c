using System.Text.Json;

namespace Rampart.Tests.Server;

/// <summary>The real <c>rampart hook --remote</c> process against the real server (CLI-082, SEC-014): the two sides agree.</summary>
public sealed class RemoteHookTests
{
    const string Policy = ServerHarness.DefaultPolicy + """

          - name: allow-ls
            match:
              tool: exec
            rules:
              - action: allow
                when:
                  command_matches: ["ls *"]
                message: listing is fine
        """;

    const string Allow = """{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}""" + "\n";

    static string Pre(string command) =>
        $$$"""{"session_id":"sess-1","cwd":"/work/repo","hook_event_name":"PreToolUse","tool_use_id":"toolu_01","tool_name":"Bash","tool_input":{"command":{{{JsonSerializer.Serialize(command)}}}}}""";

    static string Post(string command, string stdout) =>
        $$$"""{"session_id":"sess-1","cwd":"/work/repo","hook_event_name":"PostToolUse","tool_use_id":"toolu_01","tool_name":"Bash","tool_input":{"command":{{{JsonSerializer.Serialize(command)}}}},"tool_response":{"stdout":{{{JsonSerializer.Serialize(stdout)}}},"stderr":"","interrupted":false}}""";

    static Task<RampartProcess.Result> Hook(ServerHarness server, string token, string stdin) =>
        RampartProcess.RunAsync(["hook", "--format", "claude-code", "--remote"], stdin, new Dictionary<string, string?>
        {
            ["HOME"] = server.Root,
            ["RAMPART_URL"] = $"http://127.0.0.1:{server.Port}",
            ["RAMPART_TOKEN"] = token,
            ["RAMPART_SESSION"] = "repo/main",
            ["RAMPART_SERVE_URL"] = null,
            ["RAMPART_RUN"] = null,
            ["CLAUDE_CONVERSATION_ID"] = null,
            ["RAMPART_AGENT_DEPTH"] = null,
        }, timeout: TimeSpan.FromSeconds(30));

    static List<JsonElement> Records(ServerHarness server)
    {
        var records = new List<JsonElement>();
        foreach (var file in Directory.GetFiles(Path.Combine(server.Root, "audit"), "*.jsonl"))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("id", out _)) records.Add(doc.RootElement.Clone());
            }
        }
        return records;
    }

    [Fact]
    public async Task PreToolUse_allow_deny_and_ask_come_from_the_server()
    {
        await using var server = await ServerHarness.StartAsync(Policy);
        var token = server.CreateAgentToken("claude-code");

        var allowed = await Hook(server, token, Pre("ls -la"));
        Assert.Equal((0, Allow, ""), (allowed.ExitCode, allowed.Stdout, allowed.Stderr));

        var denied = await Hook(server, token, Pre("rm -rf /tmp/x"));
        Assert.Equal(0, denied.ExitCode);
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: destructive command blocked"}}""" + "\n", denied.Stdout);

        var asked = await Hook(server, token, Pre("deploy prod"));
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask","permissionDecisionReason":"Rampart: deploys need a human"}}""" + "\n", asked.Stdout);

        // An eval token forces default deny on unmatched calls (API-013).
        var unmatched = await Hook(server, token, Pre("make build"));
        Assert.Contains("\"permissionDecision\":\"deny\"", unmatched.Stdout);

        var records = Records(server);
        Assert.Equal(["allow", "deny", "ask", "deny"], records.Select(r => r.GetProperty("decision").GetProperty("action").GetString()));
        Assert.All(records, r => Assert.Equal("claude-code", r.GetProperty("agent").GetString()));
        Assert.All(records, r => Assert.Equal("repo/main", r.GetProperty("session").GetString()));
        Assert.All(records, r => Assert.Equal("toolu_01", r.GetProperty("tool_call_id").GetString()));
    }

    [Fact]
    public async Task PostToolUse_clean_output_passes_and_a_secret_is_blocked_with_redacted_output()
    {
        await using var server = await ServerHarness.StartAsync(Policy);
        var token = server.CreateAgentToken("claude-code");

        var clean = await Hook(server, token, Post("ls", "README.md"));
        Assert.Equal((0, "{}\n", ""), (clean.ExitCode, clean.Stdout, clean.Stderr));

        var secret = await Hook(server, token, Post("cat .env", "AWS=AKIAABCDEFGHIJKLMNOP"));
        Assert.Equal(0, secret.ExitCode);
        using var output = JsonDocument.Parse(secret.Stdout);
        var root = output.RootElement;
        Assert.Equal("block", root.GetProperty("decision").GetString());
        Assert.Equal("Rampart: secret in output", root.GetProperty("reason").GetString());
        var updated = root.GetProperty("hookSpecificOutput").GetProperty("updatedToolOutput");
        Assert.Equal("[blocked by Rampart response policy]", updated.GetProperty("stdout").GetString());
        Assert.DoesNotContain("AKIA", secret.Stdout);

        var records = Records(server);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal("response", r.GetProperty("request").GetProperty("rampart_phase").GetString()));
        Assert.Equal(["allow", "deny"], records.Select(r => r.GetProperty("decision").GetProperty("action").GetString()));
    }
}
