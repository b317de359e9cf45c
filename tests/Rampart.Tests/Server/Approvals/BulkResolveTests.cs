using System.Net;
using Rampart.Tests.Server;
using static Rampart.Tests.Server.Approvals.ApprovalServer;

namespace Rampart.Tests.Server.Approvals;

/// <summary>API-052 bulk resolution and API-053 run grants.</summary>
public sealed class BulkResolveTests : IAsyncLifetime
{
    ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    static string Bulk(string scope, string action, params string[] ids) =>
        $$"""{"agent":"codex","session":"s1","run_id":"run-b","action":"{{action}}","scope":"{{scope}}","resolved_by":"lead","ids":[{{string.Join(",", ids.Select(i => $"\"{i}\""))}}]}""";

    [Fact]
    public async Task Run_scope_approves_the_reviewed_requests_and_auto_approves_the_run()
    {
        var a = await AskAsync(_server, DeployCall(runId: "run-b", toolCallId: "b1"));
        var b = await AskAsync(_server, DeployCall(runId: "run-b", toolCallId: "b2"));
        var (_, list) = await _server.GetAsync("/v1/approvals");
        var group = Assert.Single(list.GetProperty("run_groups").EnumerateArray());
        Assert.Equal(2, group.GetProperty("count").GetInt32());

        var (status, body) = await _server.PostAsync("/v1/approvals/bulk-resolve", Bulk("run", "approve", a, b));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("resolved").GetInt32());
        Assert.True(body.GetProperty("future_calls_authorized").GetBoolean());
        Assert.Equal(120000, body.GetProperty("grant_ttl_ms").GetInt64());
        Assert.Equal("approved", await StatusOfAsync(_server, a));

        var (next, nextBody) = await _server.PostAsync("/v1/tool/exec", DeployCall(runId: "run-b", toolCallId: "b3", command: "deploy other"));
        Assert.Equal(HttpStatusCode.OK, next);
        Assert.Equal("auto-approved by bulk-resolve", nextBody.GetProperty("message").GetString());
        Assert.Equal("auto-approved", nextBody.GetProperty("policy").GetString());
        // Another run of the same agent is not covered.
        Assert.Equal(HttpStatusCode.Accepted, (await _server.PostAsync("/v1/tool/exec", DeployCall(runId: "run-c", toolCallId: "c1"))).Status);
    }

    [Fact]
    public async Task Run_scope_refuses_when_a_pending_request_of_the_run_was_not_reviewed()
    {
        var a = await AskAsync(_server, DeployCall(runId: "run-b", toolCallId: "u1"));
        await AskAsync(_server, DeployCall(runId: "run-b", toolCallId: "u2"));
        var (status, body) = await _server.PostAsync("/v1/approvals/bulk-resolve", Bulk("run", "approve", a));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.StartsWith("run approval scope changed during validation; refresh and review again", body.GetProperty("error").GetString());
        Assert.Equal("pending", await StatusOfAsync(_server, a));
    }

    [Fact]
    public async Task Pending_scope_denies_listed_requests_without_a_run_grant()
    {
        var a = await AskAsync(_server, DeployCall(runId: "run-b", toolCallId: "d1"));
        var (status, body) = await _server.PostAsync("/v1/approvals/bulk-resolve", Bulk("pending", "deny", a));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.GetProperty("future_calls_authorized").GetBoolean());
        Assert.Equal("denied", await StatusOfAsync(_server, a));
        Assert.Equal(HttpStatusCode.Accepted, (await _server.PostAsync("/v1/tool/exec", DeployCall(runId: "run-b", toolCallId: "d2"))).Status);
    }

    [Theory]
    [InlineData("""{"agent":"codex","session":"","run_id":"r","action":"approve","scope":"pending","ids":["x"]}""", 400, "agent, session, and run_id are required; refusing incomplete bulk-approval scope")]
    [InlineData("""{"agent":"codex","session":"s1","run_id":"run-b","action":"deny","scope":"run","ids":["x"]}""", 400, "scope run is only valid with action approve")]
    [InlineData("""{"agent":"codex","session":"s1","run_id":"run-b","action":"approve","scope":"pending","ids":[]}""", 400, "ids must list at least one approval id")]
    [InlineData("""{"agent":"codex","session":"s1","run_id":"run-b","action":"approve","scope":"pending","ids":["x","x"]}""", 400, "ids contains \"x\" more than once")]
    [InlineData("""{"agent":"codex","session":"s1","run_id":"run-b","action":"approve","scope":"pending","ids":["x"]}""", 409, "approval \"x\" is no longer pending; refresh and retry")]
    public async Task Invalid_bulk_requests_are_refused(string body, int status, string error)
    {
        var (actual, reply) = await _server.PostAsync("/v1/approvals/bulk-resolve", body);
        Assert.Equal(status, (int)actual);
        Assert.Equal(error, reply.GetProperty("error").GetString());
    }
}
