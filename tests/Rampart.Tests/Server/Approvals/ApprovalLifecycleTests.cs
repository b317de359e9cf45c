using System.Net;
using System.Security.Cryptography;
using System.Text;
using Rampart.Tests.Server;
using static Rampart.Tests.Server.Approvals.ApprovalServer;

namespace Rampart.Tests.Server.Approvals;

/// <summary>ask → pending → resolve → exact retry, against a real server (API-027, API-040..API-050).</summary>
public sealed class ApprovalLifecycleTests : IAsyncLifetime
{
    ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Approved_exact_retry_is_allowed_exactly_once_then_evaluated_afresh()
    {
        var call = DeployCall();
        var id = await AskAsync(_server, call);

        var (listStatus, list) = await _server.GetAsync("/v1/approvals");
        Assert.Equal(HttpStatusCode.OK, listStatus);
        var listed = Assert.Single(list.GetProperty("approvals").EnumerateArray());
        Assert.Equal(id, listed.GetProperty("id").GetString());
        Assert.Equal("deploy prod", listed.GetProperty("command").GetString());
        Assert.Equal("codex", listed.GetProperty("agent").GetString());
        Assert.Equal("server/admin", listed.GetProperty("credential_owner").GetString());
        Assert.Equal("deploys need a human", listed.GetProperty("message").GetString());
        Assert.Equal("run-1", listed.GetProperty("run_id").GetString());
        Assert.Equal(120000, list.GetProperty("run_grant_ttl_ms").GetInt64());
        Assert.Equal("pending", await StatusOfAsync(_server, id));

        var (resolveStatus, resolved) = await ResolveAsync(_server, id, approve: true);
        Assert.Equal(HttpStatusCode.OK, resolveStatus);
        Assert.Equal("approved", resolved.GetProperty("status").GetString());
        Assert.True(resolved.GetProperty("approved").GetBoolean());
        Assert.False(resolved.GetProperty("persisted").GetBoolean());

        var (_, detail) = await _server.GetAsync($"/v1/approvals/{id}");
        Assert.Equal("approved", detail.GetProperty("status").GetString());
        Assert.Equal("tester", detail.GetProperty("resolved_by").GetString());
        Assert.Empty((await _server.GetAsync("/v1/approvals")).Body.GetProperty("approvals").EnumerateArray());

        var (retryStatus, retry) = await _server.PostAsync("/v1/tool/exec", call);
        Assert.Equal(HttpStatusCode.OK, retryStatus);
        Assert.True(retry.GetProperty("allowed").GetBoolean());
        Assert.Equal("allow", retry.GetProperty("decision").GetString());
        Assert.Equal("approved once via Rampart approval", retry.GetProperty("message").GetString());
        Assert.Equal(id, retry.GetProperty("approval_id").GetString());
        Assert.Equal("approved", retry.GetProperty("approval_status").GetString());
        Assert.Equal("once", retry.GetProperty("approval_scope").GetString());
        Assert.Equal("tester", retry.GetProperty("approval_resolved_by").GetString());
        Assert.NotEqual(retry.GetProperty("audit_id").GetString(), retry.GetProperty("approval_policy_audit_id").GetString());

        var second = await AskAsync(_server, call);
        Assert.NotEqual(id, second);
    }

    [Fact]
    public async Task Denied_request_grants_nothing()
    {
        var call = DeployCall(toolCallId: "denied-1");
        var id = await AskAsync(_server, call);
        var (status, body) = await ResolveAsync(_server, id, approve: false);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("denied", body.GetProperty("status").GetString());
        Assert.NotEqual(id, await AskAsync(_server, call));
    }

    public static TheoryData<string, string, string> ChangedFields => new()
    {
        { "agent", DeployCall(agent: "other-agent"), "exec" },
        { "session", DeployCall(session: "s2"), "exec" },
        { "run_id", DeployCall(runId: "run-2"), "exec" },
        { "tool_call_id", DeployCall(toolCallId: "call-2"), "exec" },
        { "tool", DeployCall(), "deploy-tool" },
        { "cwd", DeployCall(cwd: "/elsewhere"), "exec" },
        { "params", DeployCall(note: "n2"), "exec" },
        { "params.command", DeployCall(command: "deploy prod "), "exec" },
    };

    [Theory]
    [MemberData(nameof(ChangedFields))]
    public async Task Retry_with_one_field_changed_does_not_reuse_the_grant(string field, string changed, string tool)
    {
        var exact = DeployCall();
        var id = await AskAsync(_server, exact);
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(_server, id, approve: true)).Status);

        var (status, body) = await _server.PostAsync($"/v1/tool/{tool}", changed);
        Assert.True(status == HttpStatusCode.Accepted, $"changing {field} reused the grant: {status} {body}");
        Assert.NotEqual(id, body.GetProperty("approval_id").GetString());

        // The grant is still there for the identical call: the changed call did not consume it.
        var (exactStatus, exactBody) = await _server.PostAsync("/v1/tool/exec", exact);
        Assert.Equal(HttpStatusCode.OK, exactStatus);
        Assert.Equal(id, exactBody.GetProperty("approval_id").GetString());
    }

    [Fact]
    public async Task Calls_without_run_id_or_tool_call_id_are_never_replayed()
    {
        const string call = """{"agent":"codex","session":"s1","params":{"command":"deploy staging"}}""";
        var id = await AskAsync(_server, call);
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(_server, id, approve: true)).Status);
        Assert.NotEqual(id, await AskAsync(_server, call));
    }

    [Fact]
    public async Task Duplicate_pending_call_with_a_tool_call_id_returns_the_same_request()
    {
        var call = DeployCall(toolCallId: "dup-1");
        var first = await AskAsync(_server, call);
        Assert.Equal(first, await AskAsync(_server, call));
        Assert.Single((await _server.GetAsync("/v1/approvals")).Body.GetProperty("approvals").EnumerateArray());
    }

    [Fact]
    public async Task Concurrent_resolves_of_one_approval_have_exactly_one_winner()
    {
        var id = await AskAsync(_server, DeployCall(toolCallId: "race-1"));
        var attempts = Enumerable.Range(0, 12).Select(i => ResolveAsync(_server, id, approve: i % 2 == 0)).ToArray();
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(r => r.Status == HttpStatusCode.OK));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK), r =>
        {
            Assert.Equal(HttpStatusCode.Gone, r.Status);
            Assert.Equal("approval already resolved; URL cannot be reused", r.Body.GetProperty("error").GetString());
        });
        var winner = results.Single(r => r.Status == HttpStatusCode.OK).Body.GetProperty("status").GetString();
        Assert.Equal(winner, await StatusOfAsync(_server, id));
    }

    [Fact]
    public async Task Concurrent_exact_retries_consume_the_grant_exactly_once()
    {
        var call = DeployCall(toolCallId: "race-2");
        var id = await AskAsync(_server, call);
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(_server, id, approve: true)).Status);
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _server.PostAsync("/v1/tool/exec", call)));
        Assert.Equal(1, results.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(9, results.Count(r => r.Status == HttpStatusCode.Accepted));
    }

    [Fact]
    public async Task Unknown_and_resolved_ids_answer_404_and_410()
    {
        var (status, body) = await ResolveAsync(_server, "01NOPE", approve: true);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("approval: unknown id \"01NOPE\"", body.GetProperty("error").GetString());
        var (getStatus, getBody) = await _server.GetAsync("/v1/approvals/01NOPE");
        Assert.Equal(HttpStatusCode.NotFound, getStatus);
        Assert.Equal("approval not found", getBody.GetProperty("error").GetString());

        var id = await AskAsync(_server, DeployCall(toolCallId: "gone-1"));
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(_server, id, approve: false)).Status);
        Assert.Equal(HttpStatusCode.Gone, (await ResolveAsync(_server, id, approve: true)).Status);
    }

    public static TheoryData<string, string> ApprovalRoutes => new()
    {
        { "POST", "/v1/approvals" },
        { "GET", "/v1/approvals" },
        { "GET", "/v1/approvals/01ANY" },
        { "POST", "/v1/approvals/01ANY/resolve" },
        { "POST", "/v1/approvals/bulk-resolve" },
    };

    [Theory]
    [MemberData(nameof(ApprovalRoutes))]
    public async Task Eval_tokens_get_403_on_every_approval_route(string method, string path)
    {
        var token = _server.CreateAgentToken("codex");
        var (status, body) = await _server.SendAsync(new HttpMethod(method), path, token, method == "POST" ? """{"approved":true}""" : null);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("this endpoint requires admin scope", body.GetProperty("error").GetString());
    }

    [Theory]
    [MemberData(nameof(ApprovalRoutes))]
    public async Task Approval_routes_without_a_token_answer_401(string method, string path)
    {
        var (status, _) = await _server.SendAsync(new HttpMethod(method), path, null, method == "POST" ? """{"approved":true}""" : null);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Agent_approval_is_bound_to_its_credential()
    {
        var token = _server.CreateAgentToken("codex");
        var call = DeployCall(toolCallId: "owned-1");
        var id = await AskAsync(_server, call, token: token);
        var (_, list) = await _server.GetAsync("/v1/approvals");
        Assert.StartsWith("credential-", list.GetProperty("approvals")[0].GetProperty("credential_owner").GetString());
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(_server, id, approve: true)).Status);

        // Same call, other credential (the admin token): not the owner, so no replay.
        Assert.Equal(HttpStatusCode.Accepted, (await _server.PostAsync("/v1/tool/exec", call)).Status);
        var (status, body) = await _server.PostAsync("/v1/tool/exec", call, token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, body.GetProperty("approval_id").GetString());
    }

    [Fact]
    public async Task Signed_resolve_link_works_once_without_a_bearer()
    {
        var id = await AskAsync(_server, DeployCall(toolCallId: "signed-1"));
        var keyFile = Path.Combine(_server.StateDir, "signing.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        var key = await File.ReadAllBytesAsync(keyFile);
        Assert.Equal(32, key.Length);
        var exp = DateTimeOffset.Parse((await _server.GetAsync($"/v1/approvals/{id}")).Body.GetProperty("expires_at").GetString()!).ToUnixTimeSeconds();
        var sig = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"approve:{id}:{exp}"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var url = $"/v1/approvals/{id}/resolve?sig={Uri.EscapeDataString(sig)}&exp={exp}";

        var (badStatus, bad) = await _server.SendAsync(HttpMethod.Post, $"/v1/approvals/{id}/resolve?sig=AAAA&exp={exp}", null, """{"approved":true}""");
        Assert.Equal(HttpStatusCode.Unauthorized, badStatus);
        Assert.Equal("invalid or expired signature", bad.GetProperty("error").GetString());
        var (persistStatus, persist) = await _server.SendAsync(HttpMethod.Post, url, null, """{"approved":true,"persist":true}""");
        Assert.Equal(HttpStatusCode.Forbidden, persistStatus);
        Assert.Equal("persist=true requires admin token authentication, not a signed approval URL", persist.GetProperty("error").GetString());

        var (status, _) = await _server.SendAsync(HttpMethod.Post, url, null, """{"approved":true,"resolved_by":"mallory"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("signed-link", (await _server.GetAsync($"/v1/approvals/{id}")).Body.GetProperty("resolved_by").GetString());
        Assert.Equal(HttpStatusCode.Gone, (await _server.SendAsync(HttpMethod.Post, url, null, """{"approved":false}""")).Status);
    }

    [Fact]
    public async Task Event_stream_carries_approval_events()
    {
        using var stream = await EventStreamEndpointTests.OpenAsync(_server);
        var id = await AskAsync(_server, DeployCall(toolCallId: "sse-1"));
        Assert.True(await NextOfTypeAsync(stream, "approvals"));
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(_server, id, approve: true)).Status);
        // The resolution's audit event reuses the approval id (AUD-062), then the state change notice.
        while (true)
        {
            var frame = await stream.NextFrameAsync();
            if (frame.GetProperty("type").GetString() != "audit") continue;
            var ev = frame.GetProperty("event");
            if (ev.GetProperty("id").GetString() != id) continue;
            Assert.Equal("approval_resolved", ev.GetProperty("request").GetProperty("action").GetString());
            Assert.Equal("approved", ev.GetProperty("decision").GetProperty("action").GetString());
            Assert.Equal("approval approved by tester", ev.GetProperty("decision").GetProperty("message").GetString());
            break;
        }
        Assert.True(await NextOfTypeAsync(stream, "approvals"));
    }

    static async Task<bool> NextOfTypeAsync(EventStreamEndpointTests.Stream stream, string type)
    {
        for (var i = 0; i < 20; i++)
        {
            if ((await stream.NextFrameAsync()).GetProperty("type").GetString() == type) return true;
        }
        return false;
    }

    [Fact]
    public async Task Posted_approvals_use_the_hook_session_and_answer_201()
    {
        var (status, body) = await _server.PostAsync("/v1/approvals", """{"tool":"exec","command":"git push","agent":"claude-code","message":"push needs a human","run_id":"r9"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("pending", body.GetProperty("status").GetString());
        var id = body.GetProperty("id").GetString()!;
        var (_, detail) = await _server.GetAsync($"/v1/approvals/{id}");
        Assert.Equal("hook", detail.GetProperty("session").GetString());
        Assert.Equal("git push", detail.GetProperty("command").GetString());
        Assert.Equal("push needs a human", detail.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Always_allow_writes_an_exact_rule_for_supported_tools_only()
    {
        var (created, body) = await _server.PostAsync("/v1/approvals", """{"tool":"fetch","agent":"a","message":"m"}""");
        Assert.Equal(HttpStatusCode.Created, created);
        var fetchId = body.GetProperty("id").GetString()!;
        var (unsupported, error) = await ResolveAsync(_server, fetchId, approve: true, persist: true);
        Assert.Equal(HttpStatusCode.BadRequest, unsupported);
        Assert.Equal("persist: automatic allow is unsupported for tool \"fetch\"; author an explicit policy instead", error.GetProperty("error").GetString());
        Assert.Equal("pending", await StatusOfAsync(_server, fetchId));

        var id = await AskAsync(_server, DeployCall(toolCallId: "always-1", command: "deploy *prod"));
        var (status, resolved) = await ResolveAsync(_server, id, approve: true, persist: true);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(resolved.GetProperty("persisted").GetBoolean());
        var yaml = await File.ReadAllTextAsync(Path.Combine(_server.StateDir, "policies", "auto-allowed.yaml"));
        Assert.Contains("deploy [*]prod", yaml);
        Assert.Contains("auto-allow-deploy-starprod-", yaml);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_server.StateDir, "policies", "auto-allowed.yaml")));
        Assert.True((await _server.GetAsync($"/v1/approvals/{id}")).Body.GetProperty("persisted").GetBoolean());
    }

    [Fact]
    public async Task Hosted_approval_is_answered_to_the_admin_host_without_queueing()
    {
        const string hosted = """{"agent":"a","tool_call_id":"h1","params":{"command":"deploy prod"},"approval_owner":{"mode":"Hosted","host":"gateway","supports_exact_resume":true,"supports_allow_always":true}}""";
        var (status, body) = await _server.PostAsync("/v1/tool/exec", hosted);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("hosted", body.GetProperty("approval_mode").GetString());
        Assert.Equal("gateway", body.GetProperty("approval_owner").GetProperty("host").GetString());
        Assert.Equal("h1", body.GetProperty("tool_call_id").GetString());
        Assert.Equal(["once", "session", "always"], body.GetProperty("approval").GetProperty("scope_options").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(120000, body.GetProperty("approval").GetProperty("timeout_ms").GetInt64());
        Assert.Empty((await _server.GetAsync("/v1/approvals")).Body.GetProperty("approvals").EnumerateArray());

        var (bad, error) = await _server.PostAsync("/v1/tool/exec", """{"params":{"command":"deploy prod"},"approval_owner":{"mode":"hosted","supports_exact_resume":true}}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("approval_owner.host is required when approval_owner.mode=hosted", error.GetProperty("error").GetString());

        // A per-agent credential cannot opt out of the queue (API-013 (5)).
        var token = _server.CreateAgentToken("codex");
        await AskAsync(_server, hosted, token: token);
    }

    [Fact]
    public async Task Every_step_is_in_the_audit_trail_linked_to_the_approval()
    {
        var call = DeployCall(toolCallId: "audit-1");
        var id = await AskAsync(_server, call);
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(_server, id, approve: true)).Status);
        var (_, replay) = await _server.PostAsync("/v1/tool/exec", call);

        var events = new List<System.Text.Json.JsonElement>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_server.Root, "audit"), "*.jsonl"))
        {
            foreach (var line in await File.ReadAllLinesAsync(file))
            {
                if (line.Length == 0) continue;
                using var doc = System.Text.Json.JsonDocument.Parse(line);
                events.Add(doc.RootElement.Clone());
            }
        }
        string? Str(System.Text.Json.JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
        var resolution = Assert.Single(events, e => Str(e, "id") == id);
        Assert.Equal("approval_resolved", Str(resolution.GetProperty("request"), "action"));
        Assert.Equal("approved", Str(resolution.GetProperty("decision"), "action"));
        Assert.Equal("audit-1", Str(resolution, "tool_call_id"));
        var replayed = Assert.Single(events, e => Str(e, "id") == replay.GetProperty("audit_id").GetString());
        Assert.Equal(id, Str(replayed.GetProperty("request"), "approval_id"));
        Assert.Equal("approved once via Rampart approval", Str(replayed.GetProperty("decision"), "message"));
    }
}
