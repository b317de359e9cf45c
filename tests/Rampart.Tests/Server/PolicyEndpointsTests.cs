using System.Net;
using System.Text.Json;

namespace Rampart.Tests.Server;

/// <summary><c>/v1/test</c>, <c>/v1/policy/summary</c>, <c>/v1/policies</c>, <c>/v1/policy/reload</c> (API-091..API-094).</summary>
public sealed class PolicyEndpointsTests : IAsyncLifetime
{
    ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Test_previews_a_command()
    {
        var (status, body) = await _server.PostAsync("/v1/test", """{"command":"rm -rf /x"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("rm -rf /x", body.GetProperty("command").GetString());
        Assert.Equal("exec", body.GetProperty("tool").GetString());
        Assert.Equal("deny", body.GetProperty("action").GetString());
        Assert.Equal("block-rm", body.GetProperty("matched_policies")[0].GetString());
        Assert.Equal("global", body.GetProperty("policy_scope").GetString());
    }

    [Fact]
    public async Task Test_reports_null_matched_policies_when_none_matched()
    {
        var (_, body) = await _server.PostAsync("/v1/test", """{"command":"make"}""");
        Assert.Equal(JsonValueKind.Null, body.GetProperty("matched_policies").ValueKind);
    }

    [Theory]
    [InlineData("""{}""", "command is required")]
    [InlineData("""{"command":5}""", "invalid request body")]
    [InlineData("""nope""", "invalid request body")]
    public async Task Test_rejects_bad_bodies(string body, string error)
    {
        var (status, json) = await _server.PostAsync("/v1/test", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Summary_lists_every_rule_of_enabled_policies()
    {
        var (status, body) = await _server.GetAsync("/v1/policy/summary");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("allow", body.GetProperty("default_action").GetString());
        var rules = body.GetProperty("rules");
        Assert.Equal(4, rules.GetArrayLength());
        Assert.Equal("block-rm", rules[0].GetProperty("name").GetString());
        Assert.Equal("deny", rules[0].GetProperty("action").GetString());
        Assert.Equal("destructive command blocked", rules[0].GetProperty("summary").GetString());
        Assert.Equal("4 active rules loaded; default action: allow", body.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task Policies_lists_sources_and_match_scopes()
    {
        var (status, body) = await _server.GetAsync("/v1/policies");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, body.GetProperty("count").GetInt32());
        Assert.Equal("allow", body.GetProperty("default_action").GetString());
        var first = body.GetProperty("policies")[0];
        Assert.Equal("block-rm", first.GetProperty("name").GetString());
        Assert.Equal(_server.PolicyFile, first.GetProperty("source_file").GetString());
        Assert.Equal("exec", first.GetProperty("match_tools")[0].GetString());
        Assert.Equal(1, first.GetProperty("rule_count").GetInt32());
        Assert.False(first.TryGetProperty("priority", out _));
    }

    [Fact]
    public async Task Reload_succeeds_then_is_rate_limited_within_a_second()
    {
        var (status, body) = await _server.PostAsync("/v1/policy/reload", "");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal(4, body.GetProperty("policies_loaded").GetInt32());
        Assert.Equal(4, body.GetProperty("rules_total").GetInt32());
        Assert.True(body.TryGetProperty("reload_time_ms", out _));
        var (second, error) = await _server.PostAsync("/v1/policy/reload", "");
        Assert.Equal((HttpStatusCode)429, second);
        Assert.Equal("reload rate limited, try again in 1 second", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Reload_of_a_broken_file_answers_500_and_keeps_the_active_set()
    {
        await File.WriteAllTextAsync(_server.PolicyFile, "policies: [ {name: x, rules: [ {action: explode} ] } ]");
        var (status, body) = await _server.PostAsync("/v1/policy/reload", "");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.StartsWith("engine: reload failed: ", body.GetProperty("error").GetString());
        var (denied, _) = await _server.PostAsync("/v1/tool/exec", """{"command":"rm -rf /x"}""");
        Assert.Equal(HttpStatusCode.Forbidden, denied);
    }
}
