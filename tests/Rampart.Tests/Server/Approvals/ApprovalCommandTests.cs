using System.Net;
using Rampart.Tests.Server;
using static Rampart.Tests.Server.Approvals.ApprovalServer;

namespace Rampart.Tests.Server.Approvals;

/// <summary><c>rampart pending</c>, <c>approve</c>, <c>deny</c> (CLI-035, CLI-036) — the real binary against a real server.</summary>
public sealed class ApprovalCommandTests : IAsyncLifetime
{
    ServerHarness _server = null!;
    string _home = "";

    public async Task InitializeAsync()
    {
        _server = await StartAsync();
        _home = Directory.CreateTempSubdirectory("rampart-cli-home-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { }
    }

    Task<RampartProcess.Result> RunAsync(params string[] args) => RampartProcess.RunAsync(args, env: new Dictionary<string, string?>
    {
        ["HOME"] = _home,
        ["RAMPART_API"] = $"http://127.0.0.1:{_server.Port}",
        ["RAMPART_TOKEN"] = _server.AdminToken,
        ["RAMPART_URL"] = null,
        ["RAMPART_SERVE_URL"] = null,
    });

    [Fact]
    public async Task Pending_lists_requests_and_approve_resolves_them()
    {
        var empty = await RunAsync("pending");
        Assert.Equal(0, empty.ExitCode);
        Assert.Equal("No pending approvals.\n", empty.Stdout);

        var id = await AskAsync(_server, DeployCall(toolCallId: "cli-1", command: "deploy production --with-a-very-long-flag-list"));
        var listed = await RunAsync("pending");
        Assert.Equal(0, listed.ExitCode);
        var lines = listed.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^ID\s+TOOL\s+COMMAND\s+AGENT\s+EXPIRES\s+MESSAGE$", lines[0]);
        Assert.StartsWith(id[..8] + "  ", lines[1]);
        Assert.Contains("  deploy production --with-a-very-long-...  ", lines[1]);
        Assert.Contains("codex", lines[1]);
        Assert.Matches(@"\d+m\d+s|\d+s", lines[1]);
        Assert.EndsWith("deploys need a human", lines[1]);

        var approved = await RunAsync("approve", id);
        Assert.Equal(0, approved.ExitCode);
        Assert.Equal($"✓ Approval {id[..8]} approved\n", approved.Stdout);
        Assert.Equal("approved", await StatusOfAsync(_server, id));
        Assert.Equal("cli", (await _server.GetAsync($"/v1/approvals/{id}")).Body.GetProperty("resolved_by").GetString());
    }

    [Fact]
    public async Task Deny_resolves_and_a_second_resolution_reports_the_server_error()
    {
        var id = await AskAsync(_server, DeployCall(toolCallId: "cli-2"));
        var denied = await RunAsync("deny", id);
        Assert.Equal(0, denied.ExitCode);
        Assert.Equal($"✓ Approval {id[..8]} denied\n", denied.Stdout);
        Assert.Equal("denied", await StatusOfAsync(_server, id));

        var again = await RunAsync("approve", id);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("proxy returned 410: {\"error\":\"approval already resolved; URL cannot be reused\"}\n", again.Stderr);
    }

    [Fact]
    public async Task Approve_always_writes_the_allow_rule()
    {
        var id = await AskAsync(_server, DeployCall(toolCallId: "cli-3"));
        var result = await RunAsync("approve", id, "--always");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("always-allow rule written", result.Stdout);
        Assert.True(File.Exists(Path.Combine(_server.StateDir, "policies", "auto-allowed.yaml")));
    }

    [Fact]
    public async Task Missing_token_and_unreachable_server_are_clear_errors()
    {
        var noToken = await RampartProcess.RunAsync(["pending"], env: new Dictionary<string, string?> { ["HOME"] = _home, ["RAMPART_TOKEN"] = null, ["RAMPART_API"] = null });
        Assert.Equal(1, noToken.ExitCode);
        Assert.Equal("proxy auth token required (--token or RAMPART_TOKEN)\n", noToken.Stderr);

        var unreachable = await RampartProcess.RunAsync(["deny", "01X", "--api", "http://127.0.0.1:1", "--token", "t"], env: new Dictionary<string, string?> { ["HOME"] = _home });
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith("failed to connect to proxy at http://127.0.0.1:1: ", unreachable.Stderr);
    }

    [Fact]
    public async Task Token_is_never_sent_in_clear_to_a_remote_host()
    {
        var result = await RampartProcess.RunAsync(["pending", "--api", "http://example.com", "--token", "t"], env: new Dictionary<string, string?> { ["HOME"] = _home });
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("unsafe Rampart endpoint http://example.com", result.Stderr);
        Assert.Equal(HttpStatusCode.OK, (await _server.GetAsync("/v1/approvals")).Status);
    }
}
