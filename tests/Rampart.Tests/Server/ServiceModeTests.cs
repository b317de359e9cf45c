using System.Net;
using Rampart.Server;

namespace Rampart.Tests.Server;

/// <summary>Monitor and disabled modes (API-007, API-024, API-028, API-030).</summary>
public sealed class ServiceModeTests
{
    [Fact]
    public async Task Monitor_mode_lets_a_deny_through_and_reports_what_the_policy_said()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Monitor);
        var (status, body) = await server.PostAsync("/v1/tool/exec", """{"command":"rm -rf /tmp/x"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.False(body.GetProperty("enforced").GetBoolean());
        Assert.Equal("allow", body.GetProperty("decision").GetString());
        Assert.Equal("deny", body.GetProperty("policy_decision").GetString());
        Assert.Equal("destructive command blocked", body.GetProperty("policy_message").GetString());
        Assert.Equal("monitor mode observed deny; action allowed: destructive command blocked", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Monitor_mode_keeps_allow_decisions_as_they_are()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Monitor);
        var (_, body) = await server.PostAsync("/v1/tool/exec", """{"command":"curl x"}""");
        Assert.Equal("watch", body.GetProperty("decision").GetString());
        Assert.Equal("watch", body.GetProperty("policy_decision").GetString());
        Assert.False(body.GetProperty("enforced").GetBoolean());
    }

    [Fact]
    public async Task Monitor_mode_reports_but_does_not_redact_a_denied_response()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Monitor);
        var (status, body) = await server.PostAsync("/v1/tool/exec", """{"command":"cat","response":"AKIAABCDEFGHIJKLMNOP"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("AKIAABCDEFGHIJKLMNOP", body.GetProperty("response").GetString());
        Assert.Equal("deny", body.GetProperty("response_policy_decision").GetString());
        Assert.Equal("scan-output", body.GetProperty("response_policy").GetString());
    }

    [Fact]
    public async Task Monitor_mode_ask_is_let_through_instead_of_queued()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Monitor);
        var (status, body) = await server.PostAsync("/v1/tool/exec", """{"command":"deploy prod"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ask", body.GetProperty("policy_decision").GetString());
    }

    [Fact]
    public async Task Disabled_mode_allows_everything_without_evaluating()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Disabled);
        var (status, body) = await server.PostAsync("/v1/tool/exec", """{"command":"rm -rf /","response":"AKIAABCDEFGHIJKLMNOP"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("allow", body.GetProperty("decision").GetString());
        Assert.Equal("policy evaluation disabled", body.GetProperty("message").GetString());
        Assert.Equal(0, body.GetProperty("eval_duration_us").GetInt64());
        Assert.False(body.TryGetProperty("response", out _));
        var (_, health) = await server.GetAsync("/healthz", null);
        Assert.Equal("disabled", health.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Monitor_preflight_with_enforce_rewrites_like_the_tool_route()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Monitor);
        var (_, body) = await server.PostAsync("/v1/preflight/exec", """{"command":"rm -rf /x","enforce":true}""");
        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.False(body.GetProperty("enforced").GetBoolean());
        Assert.True(body.GetProperty("enforcement_requested").GetBoolean());
        Assert.Equal("deny", body.GetProperty("policy_decision").GetString());
    }
}
