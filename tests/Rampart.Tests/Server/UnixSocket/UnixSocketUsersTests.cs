using Rampart.Testing;
using System.Diagnostics;
using System.Text.Json;
using Rampart.Hosting;
using Rampart.Tests.Deployment;

namespace Rampart.Tests.Server.UnixSocket;

/// <summary>
/// Issue 7's end-to-end case, as root (CI runs as root): real users made with useradd, the real
/// <c>rampart serve --unix-socket</c>, and calls made AS each user (setpriv) through the real hook,
/// wrap and curl. Every decision and audit record carries the identity the kernel reported; a body
/// claiming the other agent changes nothing; an unmapped user is refused; a user outside the
/// socket's group cannot even connect.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UnixSocketUsersTests : IAsyncLifetime
{
    const string Policy = """
        version: "1"
        default_action: allow
        policies:
          - name: block-rm
            match:
              tool: exec
            rules:
              - action: deny
                when:
                  command_matches: ["rm -rf *"]
                message: destructive command blocked
          - name: allow-echo
            match:
              tool: exec
            rules:
              - action: allow
                when:
                  command_matches: ["echo *"]
                message: echo is fine
        """;

    readonly string root = Directory.CreateTempSubdirectory("rampart-sock-users-").FullName;
    readonly string prefix = "rsu" + Guid.NewGuid().ToString("N")[..6];
    string UserA => prefix + "a";
    string UserB => prefix + "b";
    string Unmapped => prefix + "c";
    string Outsider => prefix + "d";
    string Group => prefix + "g";
    string SocketPath => Path.Combine(root, "run", "rampart.sock");
    readonly List<string> createdUsers = [];
    bool createdGroup;
    Process? server;

    public async Task InitializeAsync()
    {
        // The users must be able to traverse to the socket's directory, which serve creates 0750 for the group.
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        await HostProcess.RequireAsync("groupadd", Group);
        createdGroup = true;
        foreach (var (user, inGroup) in new[] { (UserA, true), (UserB, true), (Unmapped, true), (Outsider, false) })
        {
            string[] groups = inGroup ? ["--groups", Group] : [];
            await HostProcess.RequireAsync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", .. groups, user]);
            createdUsers.Add(user);
            var home = Directory.CreateDirectory(Path.Combine(root, "home-" + user)).FullName;
            var account = UnixAccounts.Read().User(user)!;
            Posix.Chown(home, account.Uid, account.Gid);
        }
        var uidB = UnixAccounts.Read().User(UserB)!.Uid;
        var identities = Path.Combine(root, "identities.yaml");
        File.WriteAllText(identities, $"""
            identities:
              - user: {UserA}
                agent: agent-a
              - uid: {uidB}
                agent: agent-b
            """);
        File.SetUnixFileMode(identities, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(root, "rampart.yaml"), Policy);

        var svcHome = Directory.CreateDirectory(Path.Combine(root, "svc")).FullName;
        var psi = new ProcessStartInfo(RampartProcess.BinaryPath)
        {
            ArgumentList =
            {
                "serve", "--allow-root", "--config", Path.Combine(root, "rampart.yaml"), "--port", "0",
                "--unix-socket", SocketPath, "--unix-socket-group", Group, "--identities", identities,
                "--audit-dir", Path.Combine(root, "audit"),
            },
            Environment = { ["HOME"] = svcHome, ["RAMPART_TOKEN"] = null },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        server = Process.Start(psi)!;
        var gid = UnixAccounts.Read().Group(Group)!.Gid;
        // Ready once the socket exists with its final mode and group (set right after binding).
        var ready = await ServerHarness.EventuallyAsync(() => Task.FromResult(
            Posix.Lstat(SocketPath) is { Kind: PathKind.Other, Gid: var g, Mode: var m } && g == gid && m == (UnixFileMode)0b110_110_000), TimeSpan.FromSeconds(60));
        Assert.True(ready, "serve did not create its socket: " + (server.HasExited ? await server.StandardError.ReadToEndAsync() : "still starting"));
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            if (!server.HasExited)
            {
                Posix.Terminate(server.Id);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await server.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { server.Kill(); }
            }
            server.Dispose();
        }
        foreach (var user in createdUsers) await HostProcess.RunAsync("userdel", user);
        if (createdGroup) await HostProcess.RunAsync("groupdel", Group);
        Directory.Delete(root, recursive: true);
    }

    Dictionary<string, string?> EnvOf(string user) => new()
    {
        ["HOME"] = Path.Combine(root, "home-" + user),
        ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
        ["SHELL"] = "/bin/sh",
        ["RAMPART_SOCKET"] = SocketPath,
        ["RAMPART_TOKEN"] = null,
        ["RAMPART_URL"] = null,
        ["RAMPART_SERVE_URL"] = null,
        ["RAMPART_SESSION"] = "e2e/main",
        ["RAMPART_RUN"] = null,
        ["CLAUDE_CONVERSATION_ID"] = null,
        ["RAMPART_AGENT_DEPTH"] = null,
    };

    /// <summary>Runs <paramref name="command"/> as <paramref name="user"/>: real uid, gid and supplementary groups (setpriv).</summary>
    Task<ChildProcess.Result> AsUser(string user, string[] command, string? stdin = null) =>
        HostProcess.RunAsync("setpriv", ["--reuid", user, "--regid", user, "--init-groups", "--", .. command], EnvOf(user), stdin,
            TimeSpan.FromSeconds(60), workdir: root);

    /// <summary>curl over the socket as <paramref name="user"/>: (HTTP status, body).</summary>
    async Task<(int Status, JsonElement Body)> CurlAs(string user, string path, string body)
    {
        var r = await AsUser(user, ["curl", "-sS", "--unix-socket", SocketPath, "-X", "POST", "-H", "Content-Type: application/json",
            "--data-binary", body, "-w", "\n%{http_code}", "http://localhost" + path]);
        Assert.True(r.ExitCode == 0, $"curl as {user} exited {r.ExitCode}: {r.Output}");
        var split = r.Stdout.TrimEnd().LastIndexOf('\n');
        using var doc = JsonDocument.Parse(r.Stdout[..split]);
        return (int.Parse(r.Stdout[(split + 1)..].Trim()), doc.RootElement.Clone());
    }

    List<JsonElement> Records()
    {
        var records = new List<JsonElement>();
        var dir = Path.Combine(root, "audit");
        if (!Directory.Exists(dir)) return records;
        foreach (var file in Directory.GetFiles(dir, "*.jsonl"))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("id", out _)) records.Add(doc.RootElement.Clone());
            }
        }
        return records;
    }

    static string Pre(string command) =>
        $$$"""{"session_id":"s1","cwd":"/tmp","hook_event_name":"PreToolUse","tool_use_id":"toolu_1","tool_name":"Bash","tool_input":{"command":{{{JsonSerializer.Serialize(command)}}}}}""";

    [Fact]
    public async Task Each_users_calls_carry_the_identity_the_kernel_reports()
    {
        // The body claims the other user's agent; the server uses the uid it read with SO_PEERCRED.
        var (statusA, a) = await CurlAs(UserA, "/v1/preflight/exec", """{"agent":"agent-b","command":"echo from a","enforce":true}""");
        var (statusB, b) = await CurlAs(UserB, "/v1/preflight/exec", """{"agent":"agent-a","command":"echo from b","enforce":true}""");
        Assert.Equal(200, statusA);
        Assert.Equal(200, statusB);
        Assert.True(a.GetProperty("enforced").GetBoolean());
        Assert.Equal("agent-a", RecordById(a).GetProperty("agent").GetString());
        Assert.Equal("agent-b", RecordById(b).GetProperty("agent").GetString());
        Assert.Equal("echo from a", RecordById(a).GetProperty("request").GetProperty("command").GetString());
    }

    [Fact]
    public async Task The_hook_as_each_user_needs_no_token_and_audits_as_that_user()
    {
        var hookA = await AsUser(UserA, [RampartProcess.BinaryPath, "hook", "--format", "claude-code"], Pre("rm -rf /"));
        Assert.Equal(0, hookA.ExitCode);
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Rampart: destructive command blocked"}}""" + "\n", hookA.Stdout);
        var hookB = await AsUser(UserB, [RampartProcess.BinaryPath, "hook", "--format", "claude-code"], Pre("echo hello"));
        Assert.Equal("""{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}""" + "\n", hookB.Stdout);

        var records = Records();
        var denied = Assert.Single(records, r => r.GetProperty("request").GetProperty("command").GetString() == "rm -rf /");
        Assert.Equal("agent-a", denied.GetProperty("agent").GetString());
        var allowed = Assert.Single(records, r => r.GetProperty("request").GetProperty("command").GetString() == "echo hello");
        Assert.Equal("agent-b", allowed.GetProperty("agent").GetString());
        // The hook wrote nothing in the users' homes: the server evaluated and audited.
        Assert.False(Directory.Exists(Path.Combine(root, "home-" + UserA, ".rampart", "audit")));
    }

    [Fact]
    public async Task Wrap_as_a_user_runs_allowed_commands_and_blocks_denied_ones()
    {
        var marker = Path.Combine(root, "home-" + UserA, "marker");
        var ok = await AsUser(UserA, [RampartProcess.BinaryPath, "wrap", "--", "sh", "-c", "$SHELL -c 'echo wrapped'"]);
        Assert.True(ok.ExitCode == 0, ok.Output);
        Assert.Equal("wrapped\n", ok.Stdout);
        var blocked = await AsUser(UserA, [RampartProcess.BinaryPath, "wrap", "--", "sh", "-c", $"$SHELL -c 'rm -rf /tmp/none; touch {marker}'"]);
        Assert.Equal(126, blocked.ExitCode);
        Assert.Contains("rampart: command blocked by policy \"block-rm\": destructive command blocked", blocked.Stderr);
        Assert.False(File.Exists(marker));
        Assert.All(Records().Where(r => r.GetProperty("request").GetProperty("command").GetString()!.Contains("wrapped") ||
            r.GetProperty("request").GetProperty("command").GetString()!.Contains("/tmp/none")),
            r => Assert.Equal("agent-a", r.GetProperty("agent").GetString()));
    }

    [Fact]
    public async Task An_unmapped_user_is_refused_and_nothing_is_audited_for_it()
    {
        var before = Records().Count;
        var uid = UnixAccounts.Read().User(Unmapped)!.Uid;
        var (status, body) = await CurlAs(Unmapped, "/v1/preflight/exec", """{"agent":"agent-a","command":"echo hi","enforce":true}""");
        Assert.Equal(401, status);
        Assert.Equal($"unix socket caller uid {uid} is not mapped to a Rampart agent identity", body.GetProperty("error").GetString());
        var hook = await AsUser(Unmapped, [RampartProcess.BinaryPath, "hook", "--format", "claude-code"], Pre("echo hi"));
        Assert.Contains("\"permissionDecision\":\"deny\"", hook.Stdout);
        var wrap = await AsUser(Unmapped, [RampartProcess.BinaryPath, "wrap", "--", "sh", "-c", "$SHELL -c 'echo hi'"]);
        Assert.Equal(126, wrap.ExitCode);
        Assert.Contains($"HTTP 401: unix socket caller uid {uid} is not mapped", wrap.Stderr);
        Assert.Equal(before, Records().Count);
    }

    [Fact]
    public async Task A_user_outside_the_sockets_group_cannot_connect()
    {
        var r = await AsUser(Outsider, ["curl", "-sS", "--unix-socket", SocketPath, "http://localhost/healthz"]);
        Assert.NotEqual(0, r.ExitCode);
        var wrap = await AsUser(Outsider, [RampartProcess.BinaryPath, "wrap", "--", "sh", "-c", "$SHELL -c 'echo hi'"]);
        Assert.Equal(126, wrap.ExitCode);
        Assert.Contains("permission denied", wrap.Stderr);
    }

    JsonElement RecordById(JsonElement response) =>
        Records().Single(r => r.GetProperty("id").GetString() == response.GetProperty("audit_id").GetString());
}
