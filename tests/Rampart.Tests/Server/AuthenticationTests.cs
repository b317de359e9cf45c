using System.Net;

namespace Rampart.Tests.Server;

/// <summary>Credentials and scopes over real HTTP (API-010..API-015, SEC-012).</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string> AdminRoutes() => new()
    {
        { "GET", "/v1/status" },
        { "GET", "/v1/policy" },
        { "GET", "/v1/policies" },
        { "GET", "/v1/policy/summary" },
        { "POST", "/v1/test" },
        { "POST", "/v1/policy/reload" },
        { "GET", "/v1/events/stream" },
    };

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Admin_routes_without_a_token_answer_401(string method, string path)
    {
        var (status, body) = await _server.SendAsync(new HttpMethod(method), path, null, method == "POST" ? "{}" : null);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("missing authorization token", body.GetProperty("error").GetString());
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Admin_routes_with_an_eval_token_answer_403(string method, string path)
    {
        var token = _server.CreateAgentToken("codex");
        var (status, body) = await _server.SendAsync(new HttpMethod(method), path, token, method == "POST" ? "{}" : null);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("this endpoint requires admin scope", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Unknown_token_answers_401_invalid()
    {
        var (status, body) = await _server.PostAsync("/v1/tool/exec", "{}", "rampart_" + new string('0', 48));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid authorization token", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Other_schemes_count_as_missing()
    {
        using var request = _server.Request(HttpMethod.Get, "/v1/status", null);
        request.Headers.TryAddWithoutValidation("Authorization", "bearer " + _server.AdminToken);
        using var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("Bearer {0}")]
    [InlineData("  Bearer   {0}  ")]
    [InlineData("Bearer \t{0}\t")]
    public async Task Blanks_around_the_bearer_token_are_trimmed(string header)
    {
        using var request = _server.Request(HttpMethod.Get, "/v1/status", null);
        request.Headers.TryAddWithoutValidation("Authorization", string.Format(System.Globalization.CultureInfo.InvariantCulture, header, _server.AdminToken));
        using var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer    ")]
    public async Task A_bearer_scheme_without_a_token_answers_401_missing(string header)
    {
        using var request = _server.Request(HttpMethod.Get, "/v1/status", null);
        request.Headers.TryAddWithoutValidation("Authorization", header);
        using var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("missing authorization token", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_admin_token_with_a_suffix_answers_401_invalid()
    {
        var (status, body) = await _server.PostAsync("/v1/tool/exec", "{}", _server.AdminToken + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid authorization token", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Revoked_token_answers_401_revoked()
    {
        var token = _server.CreateAgentToken("codex", revoked: true);
        var (status, body) = await _server.PostAsync("/v1/tool/exec", "{}", token);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("token has been revoked", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Expired_token_answers_401_expired()
    {
        var token = _server.CreateAgentToken("codex", expires: DateTimeOffset.UtcNow.AddMinutes(-1));
        var (status, body) = await _server.PostAsync("/v1/tool/exec", "{}", token);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("token expired", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Admin_only_agent_token_cannot_call_eval_routes()
    {
        var token = _server.CreateAgentToken("ops", scopes: ["admin"]);
        var (status, body) = await _server.PostAsync("/v1/tool/exec", """{"command":"ls"}""", token);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("this endpoint requires eval scope", body.GetProperty("error").GetString());
        var (statusAdmin, _) = await _server.GetAsync("/v1/status", token);
        Assert.Equal(HttpStatusCode.OK, statusAdmin);
    }

    [Fact]
    public async Task Agent_token_forces_default_deny_where_the_admin_token_gets_the_configured_default()
    {
        var token = _server.CreateAgentToken("codex");
        var (adminStatus, _) = await _server.PostAsync("/v1/tool/exec", """{"command":"make build"}""");
        var (agentStatus, agentBody) = await _server.PostAsync("/v1/tool/exec", """{"command":"make build"}""", token);
        Assert.Equal(HttpStatusCode.OK, adminStatus);
        Assert.Equal(HttpStatusCode.Forbidden, agentStatus);
        Assert.Equal("deny", agentBody.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Agent_token_overrides_the_agent_named_in_the_request()
    {
        var token = _server.CreateAgentToken("codex");
        using var events = await EventStreamEndpointTests.OpenAsync(_server);
        await _server.PostAsync("/v1/tool/exec", """{"agent":"someone-else","command":"ls"}""", token);
        var frame = await events.NextAuditAsync();
        Assert.Equal("codex", frame.GetProperty("event").GetProperty("agent").GetString());
    }

    [Fact]
    public async Task Token_store_changes_apply_without_restart()
    {
        var before = "rampart_" + new string('1', 48);
        var (status, _) = await _server.PostAsync("/v1/tool/exec", """{"command":"ls"}""", before);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        var token = _server.CreateAgentToken("late");
        var (after, _) = await _server.PostAsync("/v1/tool/exec", """{"command":"curl x"}""", token);
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task Corrupt_token_store_fails_closed()
    {
        var token = _server.CreateAgentToken("codex");
        await File.WriteAllTextAsync(Path.Combine(_server.StateDir, "tokens.json"), "{ not json");
        var (status, body) = await _server.PostAsync("/v1/tool/exec", """{"command":"ls"}""", token);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid authorization token", body.GetProperty("error").GetString());
        // The admin token is unaffected.
        var (admin, _) = await _server.GetAsync("/v1/status");
        Assert.Equal(HttpStatusCode.OK, admin);
    }

    [Fact]
    public async Task Admin_token_is_persisted_owner_only()
    {
        var file = Path.Combine(_server.StateDir, "token");
        Assert.Equal(_server.AdminToken, await File.ReadAllTextAsync(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_server.StateDir));
    }
}
