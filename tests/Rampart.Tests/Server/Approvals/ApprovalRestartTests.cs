using System.Net;
using Rampart.Tests.Server;
using static Rampart.Tests.Server.Approvals.ApprovalServer;

namespace Rampart.Tests.Server.Approvals;

/// <summary>API-044: the journal carries pending approvals and replay grants across a restart; nothing is ever approved by a restart.</summary>
public sealed class ApprovalRestartTests : IDisposable
{
    readonly string _state = Path.Combine(Directory.CreateTempSubdirectory("rampart-approvals-restart-").FullName, ".rampart");

    public void Dispose()
    {
        try { Directory.Delete(Path.GetDirectoryName(_state)!, recursive: true); } catch (IOException) { }
    }

    string Journal => Path.Combine(_state, "pending-approvals.jsonl");

    [Fact]
    public async Task Pending_request_survives_a_restart_and_can_then_be_approved_and_replayed()
    {
        var call = DeployCall(toolCallId: "restart-1");
        string id;
        await using (var first = await StartAsync(stateDir: _state))
        {
            id = await AskAsync(first, call);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Journal));
            Assert.Contains(id, await File.ReadAllTextAsync(Journal));
        }

        await using var second = await StartAsync(stateDir: _state);
        Assert.Equal("pending", await StatusOfAsync(second, id));
        Assert.Equal(id, Assert.Single((await second.GetAsync("/v1/approvals")).Body.GetProperty("approvals").EnumerateArray()).GetProperty("id").GetString());
        // The restored request still deduplicates the identical call.
        Assert.Equal(id, await AskAsync(second, call));
        Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(second, id, approve: true)).Status);
        var (status, body) = await second.PostAsync("/v1/tool/exec", call);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, body.GetProperty("approval_id").GetString());
        // Compaction leaves no live record behind.
        Assert.DoesNotContain(id, await File.ReadAllTextAsync(Journal));
    }

    [Fact]
    public async Task Request_that_expired_while_the_server_was_down_is_expired_not_approved()
    {
        var call = DeployCall(toolCallId: "restart-2");
        string id;
        DateTimeOffset expiresAt;
        await using (var first = await StartAsync(timeout: TimeSpan.FromSeconds(1), stateDir: _state))
        {
            id = await AskAsync(first, call);
            expiresAt = DateTimeOffset.Parse((await first.GetAsync($"/v1/approvals/{id}")).Body.GetProperty("expires_at").GetString()!);
        }
        Assert.True(await ServerHarness.EventuallyAsync(() => Task.FromResult(DateTimeOffset.UtcNow > expiresAt.AddSeconds(1))));

        await using var second = await StartAsync(stateDir: _state);
        Assert.True(await ServerHarness.EventuallyAsync(async () => await StatusOfAsync(second, id) == "expired"));
        Assert.Equal("timeout", (await second.GetAsync($"/v1/approvals/{id}")).Body.GetProperty("resolved_by").GetString());
        Assert.NotEqual(id, await AskAsync(second, call));
    }

    [Fact]
    public async Task Approved_grant_survives_a_restart_once()
    {
        var call = DeployCall(toolCallId: "restart-3");
        string id;
        await using (var first = await StartAsync(stateDir: _state))
        {
            id = await AskAsync(first, call);
            Assert.Equal(HttpStatusCode.OK, (await ResolveAsync(first, id, approve: true)).Status);
        }
        await using var second = await StartAsync(stateDir: _state);
        var (status, body) = await second.PostAsync("/v1/tool/exec", call);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, body.GetProperty("approval_id").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await second.PostAsync("/v1/tool/exec", call)).Status);
    }

    [Fact]
    public async Task Corrupt_journal_lines_are_skipped()
    {
        var call = DeployCall(toolCallId: "restart-4");
        string id;
        await using (var first = await StartAsync(stateDir: _state))
        {
            id = await AskAsync(first, call);
        }
        await File.AppendAllTextAsync(Journal, "{not json\n{\"status\":\"approved\"}\n");
        await using var second = await StartAsync(stateDir: _state);
        Assert.Equal("pending", await StatusOfAsync(second, id));
    }
}
