using System.Net;
using System.Text.Json;
using Rampart.Hosting;
using Rampart.Server;

namespace Rampart.Tests.Server.UnixSocket;

/// <summary>
/// <c>serve --unix-socket</c> in process (issue 7): the kernel's peer uid, mapped through the
/// identity file, is the caller; the body and any bearer header cannot change that.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UnixSocketServeTests : IDisposable
{
    internal const string Policy = ServerHarness.DefaultPolicy + """

          - name: allow-echo
            match:
              tool: exec
            rules:
              - action: allow
                when:
                  command_matches: ["echo *"]
                message: echo is fine
        """;

    readonly string dir = Directory.CreateTempSubdirectory("rampart-sock-").FullName;
    string SocketPath => Path.Combine(dir, "run", "rampart.sock");
    string IdentitiesPath => Path.Combine(dir, "identities.yaml");
    static uint Me => Posix.EffectiveUserId;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    void WriteIdentities(string yaml)
    {
        File.WriteAllText(IdentitiesPath, yaml);
        File.SetUnixFileMode(IdentitiesPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    void MapMe(string agent, string scopes = "[eval]") => WriteIdentities($"identities:\n  - uid: {Me}\n    agent: {agent}\n    scopes: {scopes}\n");

    Task<ServerHarness> StartAsync(UnixFileMode? mode = null, ServiceMode serviceMode = ServiceMode.Enforce) =>
        ServerHarness.StartAsync(Policy, serviceMode, configure: o => o with
        {
            UnixSocket = new UnixSocketOptions(SocketPath, mode ?? UnixSocketOptions.DefaultMode, null, IdentitiesPath),
        });

    static List<JsonElement> Records(ServerHarness server)
    {
        var records = new List<JsonElement>();
        foreach (var file in Directory.GetFiles(Path.Combine(server.Root, "audit"), "*.jsonl"))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("id", out _)) records.Add(doc.RootElement.Clone());
            }
        }
        return records;
    }

    static JsonElement RecordOf(ServerHarness server, JsonElement response) =>
        Records(server).Single(r => r.GetProperty("id").GetString() == response.GetProperty("audit_id").GetString());

    [Fact]
    public async Task The_mapped_agent_overrides_the_agent_the_body_claims()
    {
        MapMe("socket-agent");
        await using var server = await StartAsync();
        using var http = new UnixSocketHttp(SocketPath);
        var (status, body) = await http.SendAsync(HttpMethod.Post, "/v1/preflight/exec", """{"agent":"someone-else","command":"echo hi","enforce":true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("allow", body.GetProperty("decision").GetString());
        Assert.True(body.GetProperty("enforced").GetBoolean());
        Assert.Equal("socket-agent", RecordOf(server, body).GetProperty("agent").GetString());
    }

    [Fact]
    public async Task Socket_identities_take_the_per_agent_path_with_default_deny()
    {
        // API-013 (2): like a per-agent token, an identity is evaluated with default_deny — only explicit allows pass.
        MapMe("socket-agent");
        await using var server = await StartAsync();
        using var http = new UnixSocketHttp(SocketPath);
        var (_, body) = await http.SendAsync(HttpMethod.Post, "/v1/tool/exec", """{"command":"uname -a"}""");
        Assert.Equal("deny", body.GetProperty("decision").GetString());
        var (_, denied) = await http.SendAsync(HttpMethod.Post, "/v1/tool/exec", """{"command":"rm -rf /"}""");
        Assert.Equal("destructive command blocked", denied.GetProperty("message").GetString());
        Assert.Equal("socket-agent", RecordOf(server, denied).GetProperty("agent").GetString());
    }

    [Fact]
    public async Task An_unmapped_uid_is_refused_with_401_even_with_the_admin_token()
    {
        WriteIdentities($"identities:\n  - uid: {Me + 1}\n    agent: someone\n");
        await using var server = await StartAsync();
        using var http = new UnixSocketHttp(SocketPath);
        var (status, body) = await http.SendAsync(HttpMethod.Post, "/v1/preflight/exec", """{"command":"echo hi"}""", bearer: server.AdminToken);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal($"unix socket caller uid {Me} is not mapped to a Rampart agent identity", body.GetProperty("error").GetString());
        Assert.Empty(Records(server));
    }

    [Fact]
    public async Task A_missing_identity_map_refuses_every_socket_caller()
    {
        await using var server = await StartAsync();
        using var http = new UnixSocketHttp(SocketPath);
        var (status, _) = await http.SendAsync(HttpMethod.Post, "/v1/preflight/exec", """{"command":"echo hi"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Scopes_of_the_identity_decide_admin_routes()
    {
        MapMe("socket-agent");
        await using (var server = await StartAsync())
        {
            using var http = new UnixSocketHttp(SocketPath);
            var (status, body) = await http.SendAsync(HttpMethod.Get, "/v1/status");
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal("this endpoint requires admin scope", body.GetProperty("error").GetString());
        }
        MapMe("ops", "[admin]");
        await using (var server = await StartAsync())
        {
            using var http = new UnixSocketHttp(SocketPath);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(HttpMethod.Get, "/v1/status")).Status);
            var (status, body) = await http.SendAsync(HttpMethod.Post, "/v1/preflight/exec", """{"command":"echo hi"}""");
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal("this endpoint requires eval scope", body.GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task The_claude_code_hook_route_answers_as_the_mapped_agent()
    {
        MapMe("claude-socket");
        await using var server = await StartAsync();
        using var http = new UnixSocketHttp(SocketPath);
        var (status, body) = await http.SendAsync(HttpMethod.Post, "/v1/hooks/claude-code",
            """{"session_id":"s1","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("deny", body.GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString());
        Assert.Equal("claude-socket", Assert.Single(Records(server)).GetProperty("agent").GetString());
    }

    [Fact]
    public async Task Tcp_keeps_serving_bearer_tokens_beside_the_socket()
    {
        MapMe("socket-agent");
        await using var server = await StartAsync();
        var token = server.CreateAgentToken("tcp-agent");
        var (status, body) = await server.PostAsync("/v1/preflight/exec", """{"agent":"x","command":"echo hi","enforce":true}""", token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("tcp-agent", RecordOf(server, body).GetProperty("agent").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.PostAsync("/v1/preflight/exec", """{"command":"echo hi"}""", null)).Status);
    }

    [Fact]
    public async Task The_socket_gets_its_mode_in_a_private_directory_and_goes_away_on_stop()
    {
        MapMe("socket-agent");
        var server = await StartAsync(mode: (UnixFileMode)0b110_110_110);
        try
        {
            Assert.Equal(PathKind.Other, Posix.Lstat(SocketPath)!.Value.Kind);
            Assert.Equal((UnixFileMode)0b110_110_110, File.GetUnixFileMode(SocketPath));
            Assert.Equal(UnixSocketOptions.DirectoryMode, File.GetUnixFileMode(Path.GetDirectoryName(SocketPath)!));
        }
        finally
        {
            await server.DisposeAsync();
        }
        Assert.Null(Posix.Lstat(SocketPath));
    }

    [Fact]
    public async Task A_stale_socket_left_by_a_killed_server_is_replaced_at_start()
    {
        MapMe("socket-agent");
        // What a crashed server leaves: the real binary, SIGKILLed once its socket exists.
        var home = Directory.CreateDirectory(Path.Combine(dir, "home")).FullName;
        var psi = new System.Diagnostics.ProcessStartInfo(RampartProcess.BinaryPath)
        {
            ArgumentList = { "serve", "--allow-root", "--port", "0", "--unix-socket", SocketPath, "--identities", IdentitiesPath, "--audit-dir", Path.Combine(dir, "audit") },
            Environment = { ["HOME"] = home, ["RAMPART_TOKEN"] = null },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        using (var crashed = System.Diagnostics.Process.Start(psi)!)
        {
            Assert.True(await ServerHarness.EventuallyAsync(() => Task.FromResult(Posix.Lstat(SocketPath) is not null), TimeSpan.FromSeconds(60)));
            crashed.Kill();
            await crashed.WaitForExitAsync();
        }
        Assert.NotNull(Posix.Lstat(SocketPath));
        await using var server = await StartAsync();
        using var http = new UnixSocketHttp(SocketPath);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(HttpMethod.Post, "/v1/preflight/exec", """{"command":"echo hi"}""")).Status);
    }

    [Fact]
    public async Task A_live_socket_or_a_regular_file_at_the_path_stops_start_up()
    {
        MapMe("socket-agent");
        await using (var first = await StartAsync())
        {
            var e = await Assert.ThrowsAsync<ServeException>(() => StartAsync());
            Assert.Contains("another process is already listening on " + SocketPath, e.Message);
        }
        File.WriteAllText(SocketPath, "not a socket");
        var e2 = await Assert.ThrowsAsync<ServeException>(() => StartAsync());
        Assert.Contains("exists and is not a socket", e2.Message);
        Assert.Equal("not a socket", File.ReadAllText(SocketPath)); // never deleted
    }

    [Fact]
    public async Task A_broken_identity_map_stops_start_up()
    {
        WriteIdentities("identities:\n  - uid: 1\n");
        var e = await Assert.ThrowsAsync<ServeException>(() => StartAsync());
        Assert.StartsWith("serve: unix socket identities: " + IdentitiesPath, e.Message);
    }

    [Fact]
    public async Task Identity_map_changes_apply_to_the_next_call_and_a_broken_edit_fails_closed()
    {
        MapMe("first");
        await using var server = await StartAsync();
        using var http = new UnixSocketHttp(SocketPath);
        var (_, one) = await http.SendAsync(HttpMethod.Post, "/v1/preflight/exec", """{"command":"echo 1"}""");
        Assert.Equal("first", RecordOf(server, one).GetProperty("agent").GetString());

        MapMe("second-agent");
        var (_, two) = await http.SendAsync(HttpMethod.Post, "/v1/preflight/exec", """{"command":"echo 2"}""");
        Assert.Equal("second-agent", RecordOf(server, two).GetProperty("agent").GetString());

        WriteIdentities("identities: [broken");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(HttpMethod.Post, "/v1/preflight/exec", """{"command":"echo 3"}""")).Status);
    }
}
