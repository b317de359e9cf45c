using System.Net;
using System.Text.Json;
using Rampart.Server;

namespace Rampart.Tests.Server;

/// <summary><c>POST /v1/response/{tool}</c>: the tool route's response phase on its own (CLI-082, API-028, AUD-061).</summary>
public sealed class ResponseEndpointTests
{
    const string Secret = "AKIAABCDEFGHIJKLMNOP";

    static List<JsonElement> Records(ServerHarness server)
    {
        var records = new List<JsonElement>();
        foreach (var file in Directory.GetFiles(Path.Combine(server.Root, "audit"), "*.jsonl"))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                if (line.Length == 0) continue;
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("id", out var id) && id.GetString()!.Length > 0) records.Add(doc.RootElement.Clone());
            }
        }
        return records;
    }

    static string Body(string response) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["agent"] = "claude-code",
            ["session"] = "repo/main",
            ["run_id"] = "sess-1",
            ["tool_call_id"] = "toolu_01",
            ["cwd"] = "/work/repo",
            ["params"] = new Dictionary<string, string> { ["command"] = "cat .env" },
            ["response"] = response,
            ["enforce"] = true,
        });

    [Fact]
    public async Task Clean_output_is_allowed_and_recorded_as_a_response_phase_record()
    {
        await using var server = await ServerHarness.StartAsync();
        var (status, body) = await server.PostAsync("/v1/response/exec", Body("total 0"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("allow", body.GetProperty("decision").GetString());
        Assert.False(body.TryGetProperty("response", out _)); // the output is never echoed back

        var record = Assert.Single(Records(server));
        Assert.Equal(body.GetProperty("audit_id").GetString(), record.GetProperty("id").GetString());
        var request = record.GetProperty("request");
        Assert.Equal("response", request.GetProperty("rampart_phase").GetString());
        Assert.Equal(7, request.GetProperty("response_bytes").GetInt32());
        Assert.Equal("cat .env", request.GetProperty("command").GetString());
        Assert.False(request.TryGetProperty("response", out _));
        Assert.Equal("sess-1", record.GetProperty("run_id").GetString());
        Assert.Equal(["response-evaluated"], record.GetProperty("response").GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Secret_in_output_is_denied_with_the_redaction_marker_and_status_200()
    {
        await using var server = await ServerHarness.StartAsync();
        var (status, body) = await server.PostAsync("/v1/response/exec", Body("key=" + Secret));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("deny", body.GetProperty("decision").GetString());
        Assert.Equal("secret in output", body.GetProperty("message").GetString());
        Assert.Equal("scan-output", body.GetProperty("policy").GetString());
        Assert.Equal("[REDACTED: sensitive content removed by Rampart]", body.GetProperty("response").GetString());

        var record = Assert.Single(Records(server));
        Assert.Equal("deny", record.GetProperty("decision").GetProperty("action").GetString());
        Assert.Equal(["response-evaluated", "response-redacted"], record.GetProperty("response").GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.DoesNotContain(Secret, File.ReadAllText(Directory.GetFiles(Path.Combine(server.Root, "audit"), "*.jsonl").Single()));
    }

    [Fact]
    public async Task Monitor_mode_reports_the_deny_but_allows()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Monitor);
        var (status, body) = await server.PostAsync("/v1/response/exec", Body(Secret));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("allow", body.GetProperty("decision").GetString());
        Assert.False(body.GetProperty("enforced").GetBoolean());
        Assert.Equal("deny", body.GetProperty("response_policy_decision").GetString());
        Assert.Equal("secret in output", body.GetProperty("response_policy_message").GetString());
        Assert.Equal("scan-output", body.GetProperty("response_policy").GetString());
        Assert.StartsWith("monitor mode observed deny; action allowed", body.GetProperty("message").GetString());
        var record = Assert.Single(Records(server));
        Assert.Contains("response-observed-deny", record.GetProperty("response").GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Disabled_mode_allows_without_evaluating_but_still_audits()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Disabled);
        var (_, body) = await server.PostAsync("/v1/response/exec", Body(Secret));
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("policy evaluation disabled", body.GetProperty("message").GetString());
        var record = Assert.Single(Records(server));
        Assert.False(record.GetProperty("response").TryGetProperty("flags", out _));
    }

    [Fact]
    public async Task Eval_token_may_call_it_and_its_agent_is_forced()
    {
        await using var server = await ServerHarness.StartAsync();
        var token = server.CreateAgentToken("codex");
        var (status, body) = await server.PostAsync("/v1/response/exec", Body("fine"), token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("codex", Assert.Single(Records(server)).GetProperty("agent").GetString());
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized, "missing authorization token")]
    [InlineData("wrong", HttpStatusCode.Unauthorized, "invalid authorization token")]
    public async Task Requires_a_valid_token(string? token, HttpStatusCode expected, string error)
    {
        await using var server = await ServerHarness.StartAsync();
        var (status, body) = await server.PostAsync("/v1/response/exec", Body("x"), token);
        Assert.Equal(expected, status);
        Assert.Equal(error, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Admin_only_token_lacks_eval_scope()
    {
        await using var server = await ServerHarness.StartAsync();
        var token = server.CreateAgentToken("ops", scopes: ["admin"]);
        var (status, body) = await server.PostAsync("/v1/response/exec", Body("x"), token);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("this endpoint requires eval scope", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/v1/response/exec", """{"response":42}""", "invalid request body: field \"response\" has the wrong type (number)")]
    [InlineData("/v1/response/Exec", """{"response":"x"}""", "invalid tool name: reserved tool name \"Exec\" must use canonical spelling \"exec\"")]
    [InlineData("/v1/response/exec", """{"response":"x","verification":true}""", "verification mode is only available on the preflight endpoint")]
    public async Task Bad_requests_are_400(string path, string body, string error)
    {
        await using var server = await ServerHarness.StartAsync();
        var (status, answer) = await server.PostAsync(path, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, answer.GetProperty("error").GetString());
        Assert.Empty(Records(server));
    }

    [Fact]
    public async Task Audit_failure_refuses_the_response_in_enforce_mode()
    {
        await using var server = await ServerHarness.StartAsync();
        var audit = Path.Combine(server.Root, "audit");
        Directory.Delete(audit, recursive: true);
        await File.WriteAllTextAsync(audit, "blocks the directory");
        var (status, body) = await server.PostAsync("/v1/response/exec", Body("fine"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("audit storage is unavailable; refusing tool response", body.GetProperty("error").GetString());
        File.Delete(audit);
    }
}
