using System.Net;
using Rampart.Tests.Server;
using static Rampart.Tests.Server.Approvals.ApprovalServer;

namespace Rampart.Tests.Server.Approvals;

/// <summary>API-041 expiry and API-043 limits on a real server.</summary>
public sealed class ApprovalExpiryTests
{
    [Fact]
    public async Task Unresolved_request_expires_as_a_timeout_and_cannot_be_approved_afterwards()
    {
        await using var server = await StartAsync(timeout: TimeSpan.FromMilliseconds(600));
        using var stream = await EventStreamEndpointTests.OpenAsync(server);
        var call = DeployCall(toolCallId: "expire-1");
        var id = await AskAsync(server, call);

        Assert.True(await ServerHarness.EventuallyAsync(async () => await StatusOfAsync(server, id) == "expired"));
        var (_, detail) = await server.GetAsync($"/v1/approvals/{id}");
        Assert.Equal("timeout", detail.GetProperty("resolved_by").GetString());
        Assert.Empty((await server.GetAsync("/v1/approvals")).Body.GetProperty("approvals").EnumerateArray());

        var (status, body) = await ResolveAsync(server, id, approve: true);
        Assert.Equal(HttpStatusCode.Gone, status);
        Assert.Equal("approval already resolved; URL cannot be reused", body.GetProperty("error").GetString());
        Assert.NotEqual(id, await AskAsync(server, call));

        // API-041: the expiry is an audit record (deny, timed out) seen live on the stream.
        while (true)
        {
            var frame = await stream.NextAuditAsync();
            var ev = frame.GetProperty("event");
            if (ev.GetProperty("request").TryGetProperty("action", out var action) && action.GetString() == "approval_expired")
            {
                Assert.Equal("deny", ev.GetProperty("decision").GetProperty("action").GetString());
                Assert.Equal("approval timed out — command blocked", ev.GetProperty("decision").GetProperty("message").GetString());
                Assert.Equal("expire-1", ev.GetProperty("tool_call_id").GetString());
                break;
            }
        }
    }

    [Fact]
    public async Task Queue_full_answers_503_with_the_limit()
    {
        await using var server = await StartAsync();
        for (var batch = 0; batch < 1000; batch += 50)
        {
            var created = await Task.WhenAll(Enumerable.Range(batch, 50).Select(i =>
                server.PostAsync("/v1/approvals", $$"""{"tool":"exec","command":"deploy {{i}}","agent":"a","message":"m"}""")));
            Assert.All(created, c => Assert.Equal(HttpStatusCode.Created, c.Status));
        }
        var (status, body) = await server.PostAsync("/v1/tool/exec", DeployCall(toolCallId: "one-too-many"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("approval: too many pending requests (limit: 1000)", body.GetProperty("error").GetString());
        var (postStatus, _) = await server.PostAsync("/v1/approvals", """{"tool":"exec","command":"deploy x","agent":"a","message":"m"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, postStatus);

        // Resolving one frees one slot.
        var first = (await server.GetAsync("/v1/approvals")).Body.GetProperty("approvals")[0].GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(server, first, approve: false)).Status);
        await AskAsync(server, DeployCall(toolCallId: "fits-now"));
    }
}
