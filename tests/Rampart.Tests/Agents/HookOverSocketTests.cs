using System.Text.Json;
using Rampart.Hosting;
using Rampart.Server;
using Rampart.Tests.Server;

namespace Rampart.Tests.Agents;

/// <summary>The real <c>rampart hook</c> over <c>serve --unix-socket</c> (issue 7): a configured socket means remote evaluation, no token.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HookOverSocketTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rampart-hook-socket-").FullName;
    string SocketPath => Path.Combine(dir, "s", "rampart.sock");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static string Pre(string command) =>
        $$$"""{"session_id":"s1","cwd":"/tmp","hook_event_name":"PreToolUse","tool_use_id":"toolu_1","tool_name":"Bash","tool_input":{"command":{{{JsonSerializer.Serialize(command)}}}}}""";

    Task<RampartProcess.Result> Hook(string stdin, params string[] flags) =>
        RampartProcess.RunAsync(["hook", "--format", "claude-code", .. flags], stdin, new Dictionary<string, string?>
        {
            ["HOME"] = dir,
            ["RAMPART_SOCKET"] = SocketPath,
            ["RAMPART_TOKEN"] = null,
            ["RAMPART_URL"] = null,
            ["RAMPART_SERVE_URL"] = null,
            ["RAMPART_SESSION"] = "repo/main",
            ["RAMPART_RUN"] = null,
            ["CLAUDE_CONVERSATION_ID"] = null,
            ["RAMPART_AGENT_DEPTH"] = null,
        }, timeout: TimeSpan.FromSeconds(30));

    async Task<ServerHarness> StartAsync()
    {
        var identities = Path.Combine(dir, "identities.yaml");
        File.WriteAllText(identities, $"identities:\n  - uid: {Posix.EffectiveUserId}\n    agent: hook-by-uid\n");
        File.SetUnixFileMode(identities, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return await ServerHarness.StartAsync(Rampart.Tests.Server.UnixSocket.UnixSocketServeTests.Policy,
            configure: o => o with { UnixSocket = new UnixSocketOptions(SocketPath, UnixSocketOptions.DefaultMode, null, identities) });
    }

    [Fact]
    public async Task RAMPART_SOCKET_sends_the_event_to_the_server_which_audits_it_as_the_mapped_agent()
    {
        await using var server = await StartAsync();
        var deny = await Hook(Pre("rm -rf /"));
        Assert.Equal(0, deny.ExitCode);
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: destructive command blocked"}}""" + "\n", deny.Stdout);
        var allow = await Hook(Pre("echo hi"));
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}""" + "\n", allow.Stdout);

        var agents = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(server.Root, "audit"), "*.jsonl"))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("agent", out var a)) agents.Add(a.GetString()!);
            }
        }
        Assert.Equal(["hook-by-uid", "hook-by-uid"], agents);
        Assert.False(Directory.Exists(Path.Combine(dir, ".rampart", "audit")), "remote mode writes no local audit");
    }

    [Fact]
    public async Task No_server_on_the_socket_fails_closed_or_open_as_configured()
    {
        var closed = await Hook(Pre("echo hi"));
        Assert.Equal(0, closed.ExitCode);
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: Rampart service unreachable; refusing tool call"}}""" + "\n", closed.Stdout);
        var open = await Hook(Pre("echo hi"), "--fail-open");
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}""" + "\n", open.Stdout);
        Assert.Contains("no such socket", open.Stderr);
    }
}
