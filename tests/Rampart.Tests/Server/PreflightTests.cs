using System.Net;
using System.Text.Json;

namespace Rampart.Tests.Server;

/// <summary><c>POST /v1/preflight/{tool}</c> (API-030).</summary>
public sealed class PreflightTests : IAsyncLifetime
{
    ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Preview_of_a_deny_answers_200_with_matched_policies_and_not_enforced()
    {
        var (status, body) = await _server.PostAsync("/v1/preflight/exec", """{"command":"rm -rf /x"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("deny", body.GetProperty("decision").GetString());
        Assert.Equal("block-rm", body.GetProperty("matched_policies")[0].GetString());
        Assert.False(body.GetProperty("enforced").GetBoolean());
        Assert.False(body.GetProperty("enforcement_requested").GetBoolean());
        Assert.True(body.TryGetProperty("audit_id", out _));
    }

    [Fact]
    public async Task Matched_policies_is_null_when_nothing_matched()
    {
        var (_, body) = await _server.PostAsync("/v1/preflight/exec", """{"command":"make"}""");
        Assert.Equal(JsonValueKind.Null, body.GetProperty("matched_policies").ValueKind);
        Assert.False(body.TryGetProperty("suggestions", out _));
    }

    [Fact]
    public async Task Enforce_flag_in_enforce_mode_is_reported_as_enforced()
    {
        var (status, body) = await _server.PostAsync("/v1/preflight/exec", """{"command":"rm -rf /x","enforce":true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("enforced").GetBoolean());
        Assert.True(body.GetProperty("enforcement_requested").GetBoolean());
    }

    [Fact]
    public async Task Ask_preview_reports_ask_not_allowed()
    {
        var (status, body) = await _server.PostAsync("/v1/preflight/exec", """{"command":"deploy prod"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ask", body.GetProperty("decision").GetString());
        Assert.False(body.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Verification_is_an_admin_dry_run_without_audit()
    {
        var (status, body) = await _server.PostAsync("/v1/preflight/exec", """{"command":"ls","verification":true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.TryGetProperty("audit_id", out _));
    }

    [Fact]
    public async Task Verification_by_an_agent_token_answers_403()
    {
        var token = _server.CreateAgentToken("codex");
        var (status, body) = await _server.PostAsync("/v1/preflight/exec", """{"command":"ls","verification":true}""", token);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("verification mode requires the local admin token", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Verification_combined_with_enforce_answers_400()
    {
        var (status, body) = await _server.PostAsync("/v1/preflight/exec", """{"verification":true,"enforce":true}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("verification and enforce modes cannot be combined", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Agent_token_may_call_preflight()
    {
        var token = _server.CreateAgentToken("codex");
        var (status, body) = await _server.PostAsync("/v1/preflight/exec", """{"command":"curl x"}""", token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("watch", body.GetProperty("decision").GetString());
    }
}
