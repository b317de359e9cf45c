using System.Net;
using System.Text.Json;

namespace Rampart.Tests.Server;

/// <summary><c>/healthz</c>, <c>/v1/status</c>, <c>/v1/policy</c> and routing conventions (API-006, API-090, API-095, API-096).</summary>
public sealed class StatusEndpointsTests : IAsyncLifetime
{
    ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Healthz_needs_no_token_and_identifies_rampart()
    {
        var (status, body) = await _server.GetAsync("/healthz", null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("rampart", body.GetProperty("service").GetString());
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("enforce", body.GetProperty("mode").GetString());
        Assert.True(body.GetProperty("uptime_seconds").GetInt64() >= 0);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
    }

    [Fact]
    public async Task Status_reports_the_loaded_configuration()
    {
        await _server.PostAsync("/v1/tool/exec", """{"command":"rm -rf /x"}""");
        var (status, body) = await _server.GetAsync("/v1/status");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(_server.PolicyFile, body.GetProperty("config_path").GetString());
        Assert.Equal("enforce", body.GetProperty("mode").GetString());
        Assert.Equal("allow", body.GetProperty("default_action").GetString());
        Assert.Equal(4, body.GetProperty("policy_count").GetInt32());
        Assert.Equal(4, body.GetProperty("rule_count").GetInt32());
        Assert.Equal(JsonValueKind.Object, body.GetProperty("call_counts").ValueKind);
        Assert.False(body.TryGetProperty("reload_error", out _));
    }

    [Fact]
    public async Task Get_v1_policy_serves_the_status_body()
    {
        var (status, body) = await _server.GetAsync("/v1/policy");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, body.GetProperty("policy_count").GetInt32());
    }

    [Theory]
    [InlineData("GET", "/nope")]
    [InlineData("GET", "/v1/tool/exec")]
    [InlineData("DELETE", "/v1/status")]
    [InlineData("POST", "/healthz")]
    [InlineData("GET", "/metrics")]
    public async Task Unknown_routes_and_wrong_methods_answer_404_without_auth(string method, string path)
    {
        var (status, body) = await _server.SendAsync(new HttpMethod(method), path, null);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("not found", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Embedded_standard_policy_is_used_when_no_config_exists()
    {
        await using var server = await ServerHarness.StartAsync(policy: null,
            configure: o => o with { ConfigPath = Path.Combine(Path.GetTempPath(), "rampart-no-such-dir", "rampart.yaml") });
        var (_, body) = await server.GetAsync("/v1/status");
        Assert.Equal("embedded:standard", body.GetProperty("config_path").GetString());
        Assert.True(body.GetProperty("policy_count").GetInt32() > 0);
        var (denied, _) = await server.PostAsync("/v1/tool/exec", """{"command":"rm -rf /"}""");
        Assert.Equal(HttpStatusCode.Forbidden, denied);
        var (allowed, _) = await server.PostAsync("/v1/tool/exec", """{"command":"git status"}""");
        Assert.Equal(HttpStatusCode.OK, allowed);
    }
}
