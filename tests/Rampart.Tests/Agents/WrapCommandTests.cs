using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Rampart.Hosting;
using Rampart.Server;
using Rampart.Tests.Server;

namespace Rampart.Tests.Agents;

/// <summary>
/// The real <c>rampart wrap</c> against a real server (CLI-095, SEC-042): the wrapped program's
/// <c>$SHELL -c</c> commands run only after an enforced allow; otherwise exit 126, message on stderr,
/// and the command does not run.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WrapCommandTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rampart-wrap-test-").FullName;
    string Marker => Path.Combine(dir, "marker");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static Dictionary<string, string?> Env(string url, string? token, string home) => new()
    {
        ["HOME"] = home,
        ["SHELL"] = "/bin/bash",
        ["RAMPART_URL"] = url,
        ["RAMPART_TOKEN"] = token,
        ["RAMPART_SESSION"] = "repo/main",
        ["RAMPART_SOCKET"] = null,
        ["RAMPART_SERVE_URL"] = null,
        ["RAMPART_AGENT"] = null,
        ["RAMPART_ACTIVE"] = null,
    };

    /// <summary><c>rampart wrap [flags] -- sh -c '&lt;outer&gt;'</c>: sh stands in for an agent that runs <c>$SHELL -c</c>.</summary>
    static Task<RampartProcess.Result> Wrap(IDictionary<string, string?> env, string outer, params string[] flags) =>
        RampartProcess.RunAsync(["wrap", .. flags, "--", "sh", "-c", outer], env: env, timeout: TimeSpan.FromSeconds(60));

    Task<RampartProcess.Result> Wrap(ServerHarness server, string outer, params string[] flags) =>
        Wrap(Env($"http://127.0.0.1:{server.Port}", server.AdminToken, dir), outer, flags);

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

    static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task An_allowed_command_runs_with_its_output_and_exit_status()
    {
        await using var server = await ServerHarness.StartAsync();
        var r = await Wrap(server, """$SHELL -c 'echo hi; exit 7'""", "--agent", "wrapped-agent");
        Assert.Equal(7, r.ExitCode);
        Assert.Equal("hi\n", r.Stdout);
        Assert.Equal("", r.Stderr);
        var record = Assert.Single(Records(server));
        Assert.Equal("echo hi; exit 7", record.GetProperty("request").GetProperty("command").GetString());
        Assert.Equal("wrapped-agent", record.GetProperty("agent").GetString());
        Assert.Equal("repo/main", record.GetProperty("session").GetString());
    }

    [Fact]
    public async Task Shell_arguments_after_the_command_reach_the_real_shell()
    {
        await using var server = await ServerHarness.StartAsync();
        var r = await Wrap(server, """$SHELL -c 'echo "$0:$1:$2"' name 'a b' c""");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("name:a b:c\n", r.Stdout);
    }

    [Fact]
    public async Task A_denied_command_exits_126_with_the_reason_and_does_not_run()
    {
        await using var server = await ServerHarness.StartAsync();
        var r = await Wrap(server, $"""$SHELL -c 'rm -rf {dir}/nothing; touch {Marker}'""");
        Assert.Equal(126, r.ExitCode);
        Assert.Contains("rampart: command blocked by policy \"block-rm\": destructive command blocked", r.Stderr);
        Assert.False(File.Exists(Marker));
        Assert.Equal("deny", Assert.Single(Records(server)).GetProperty("decision").GetProperty("action").GetString());
    }

    [Fact]
    public async Task An_ask_is_blocked_because_the_shell_cannot_wait_for_a_human()
    {
        await using var server = await ServerHarness.StartAsync();
        var r = await Wrap(server, $"""$SHELL -c 'deploy prod; touch {Marker}'""");
        Assert.Equal(126, r.ExitCode);
        Assert.Contains("command needs approval by policy \"ask-deploy\": deploys need a human", r.Stderr);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task Only_the_blocked_command_is_refused_the_wrapped_program_goes_on()
    {
        await using var server = await ServerHarness.StartAsync();
        var r = await Wrap(server, $"""$SHELL -c 'rm -rf /tmp/none'; echo "status $?"; $SHELL -c 'echo after'""");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("status 126\nafter\n", r.Stdout);
    }

    [Fact]
    public async Task Server_down_fails_closed_by_default()
    {
        var r = await Wrap(Env($"http://127.0.0.1:{ClosedPort()}", "t", dir), $"""$SHELL -c 'touch {Marker}'""");
        Assert.Equal(126, r.ExitCode);
        Assert.Contains("rampart: command blocked: Rampart could not confirm enforcement (", r.Stderr);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task Server_down_with_fail_open_runs_the_command_with_a_loud_warning()
    {
        var r = await Wrap(Env($"http://127.0.0.1:{ClosedPort()}", "t", dir), $"""$SHELL -c 'touch {Marker}; echo ran'""", "--fail-open");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("ran\n", r.Stdout);
        Assert.Contains("rampart: WARNING: FAILING OPEN", r.Stderr);
        Assert.True(File.Exists(Marker));
    }

    [Fact]
    public async Task Fail_open_never_overrides_a_deny()
    {
        await using var server = await ServerHarness.StartAsync();
        var r = await Wrap(server, $"""$SHELL -c 'rm -rf /tmp/none; touch {Marker}'""", "--fail-open");
        Assert.Equal(126, r.ExitCode);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task A_monitor_mode_server_does_not_confirm_enforcement()
    {
        // SEC-042: block when the service cannot confirm enforcement; monitor answers enforced:false.
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Monitor);
        var r = await Wrap(server, $"""$SHELL -c 'touch {Marker}'""");
        Assert.Equal(126, r.ExitCode);
        Assert.Contains("did not confirm enforcement", r.Stderr);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task A_bad_credential_blocks_with_the_servers_error()
    {
        await using var server = await ServerHarness.StartAsync();
        var r = await Wrap(Env($"http://127.0.0.1:{server.Port}", "rampart_not-a-token", dir), $"""$SHELL -c 'touch {Marker}'""");
        Assert.Equal(126, r.ExitCode);
        Assert.Contains("HTTP 401: invalid authorization token", r.Stderr);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task A_shell_without_dash_c_is_the_real_shell_unchecked()
    {
        // Nothing to check before an interactive shell or a script reads its commands; no server is needed.
        var r = await Wrap(Env($"http://127.0.0.1:{ClosedPort()}", "t", dir), $"""printf 'touch {Marker}\necho "$0"\n' | $SHELL -s""");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("/bin/bash\n", r.Stdout);
        Assert.True(File.Exists(Marker));
    }

    [Fact]
    public async Task The_wrapped_program_sees_the_shim_as_SHELL_named_like_the_real_shell()
    {
        var r = await Wrap(Env($"http://127.0.0.1:{ClosedPort()}", "t", dir), """echo "$SHELL $RAMPART_ACTIVE $RAMPART_PROXY"; head -1 "$SHELL" """);
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n');
        Assert.Matches("^/.+/rampart-wrap-[^/]+/bash 1 http://127.0.0.1:[0-9]+$", lines[0]);
        Assert.Equal("#!/bin/sh", lines[1]);
        Assert.False(File.Exists(lines[0].Split(' ')[0]), "the shim is removed when wrap exits");
    }

    [Fact]
    public async Task Wrap_passes_on_the_programs_exit_status_and_needs_a_command()
    {
        var r = await Wrap(Env($"http://127.0.0.1:{ClosedPort()}", "t", dir), "exit 42");
        Assert.Equal(42, r.ExitCode);
        var usage = await RampartProcess.RunAsync(["wrap"], env: Env("http://127.0.0.1:1", "t", dir));
        Assert.Equal(1, usage.ExitCode);
        Assert.StartsWith("wrap: missing command", usage.Stderr);
    }

    [Fact]
    public async Task Over_the_unix_socket_the_kernel_identity_is_the_agent_and_no_token_is_needed()
    {
        var socket = Path.Combine(dir, "s", "rampart.sock");
        var identities = Path.Combine(dir, "identities.yaml");
        File.WriteAllText(identities, $"identities:\n  - uid: {Posix.EffectiveUserId}\n    agent: wrapped-by-uid\n");
        File.SetUnixFileMode(identities, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var server = await ServerHarness.StartAsync(Rampart.Tests.Server.UnixSocket.UnixSocketServeTests.Policy,
            configure: o => o with { UnixSocket = new UnixSocketOptions(socket, UnixSocketOptions.DefaultMode, null, identities) });
        var env = Env("http://127.0.0.1:1", null, dir);
        env["RAMPART_SOCKET"] = socket;
        var r = await Wrap(env, """$SHELL -c 'echo via socket'""", "--agent", "claimed");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("via socket\n", r.Stdout);
        Assert.Equal("wrapped-by-uid", Assert.Single(Records(server)).GetProperty("agent").GetString());
    }
}
