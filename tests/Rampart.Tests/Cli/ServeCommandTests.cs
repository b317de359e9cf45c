using System.Net;
using Rampart.Cli;
using Rampart.Server;

namespace Rampart.Tests.Cli;

public sealed class ServeCommandTests
{
    static readonly Dictionary<string, string?> Env = new() { ["HOME"] = "/home/svc" };

    static ServeOptions Options(params string[] args) =>
        ServeCommand.ToOptions(CliArgs.Parse(args, ServeFlags()), Env);

    static CliFlag[] ServeFlags() => ServeCommand.Flags;

    [Fact]
    public void Defaults_follow_the_spec()
    {
        var o = Options();
        Assert.Equal("rampart.yaml", o.ConfigPath);
        Assert.False(o.IsConfigExplicit);
        Assert.Null(o.ConfigDir);
        Assert.Equal("/home/svc/.rampart/audit", o.AuditDir);
        Assert.Equal("/home/svc/.rampart", o.StateDir);
        Assert.Equal(ServiceMode.Enforce, o.Mode);
        Assert.Equal(IPAddress.Loopback, o.Address);
        Assert.Equal(9090, o.Port);
        Assert.True(o.ServesHttp);
        Assert.Equal(TimeSpan.FromMinutes(2), o.ApprovalTimeout);
        Assert.False(o.Metrics);
        Assert.False(o.JsonLogs);
    }

    [Fact]
    public void Flags_override_the_defaults()
    {
        var o = Options("--config", "/etc/rampart/standard.yaml", "--config-dir=/etc/rampart/policies", "--audit-dir", "/var/lib/rampart/audit",
            "--mode", "monitor", "--addr", "::1", "--port", "9191", "--approval-timeout", "90s", "--metrics", "--log-format", "json");
        Assert.Equal("/etc/rampart/standard.yaml", o.ConfigPath);
        Assert.True(o.IsConfigExplicit);
        Assert.Equal("/etc/rampart/policies", o.ConfigDir);
        Assert.Equal("/var/lib/rampart/audit", o.AuditDir);
        Assert.Equal(ServiceMode.Monitor, o.Mode);
        Assert.Equal(IPAddress.IPv6Loopback, o.Address);
        Assert.Equal(9191, o.Port);
        Assert.Equal(TimeSpan.FromSeconds(90), o.ApprovalTimeout);
        Assert.True(o.Metrics);
        Assert.True(o.JsonLogs);
    }

    [Fact]
    public void Port_zero_means_no_http_server()
    {
        Assert.False(Options("--port", "0").ServesHttp);
    }

    [Fact]
    public void Rampart_token_environment_variable_is_passed_through()
    {
        var o = ServeCommand.ToOptions(CliArgs.Parse([], ServeFlags()), new Dictionary<string, string?> { ["HOME"] = "/h", ["RAMPART_TOKEN"] = "t0k" });
        Assert.Equal("t0k", o.TokenFromEnvironment);
    }

    [Theory]
    [InlineData(new[] { "--mode", "audit" }, "serve: invalid mode \"audit\" (must be enforce, monitor, or disabled)")]
    [InlineData(new[] { "--addr", "localhost" }, "serve: invalid --addr \"localhost\" (must be a valid IP address, e.g. 127.0.0.1 or ::1)")]
    public void Invalid_values_are_rejected_with_the_spec_message(string[] args, string message)
    {
        var e = Assert.Throws<CliUsageException>(() => Options(args));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task Invalid_mode_exits_1_with_the_message()
    {
        var result = await RampartProcess.RunAsync(["serve", "--mode", "loud"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("serve: invalid mode \"loud\"", result.Stderr);
    }

    [Fact]
    public async Task Missing_explicit_config_is_a_startup_error()
    {
        var home = Directory.CreateTempSubdirectory("rampart-serve-home-").FullName;
        try
        {
            var result = await RampartProcess.RunAsync(["serve", "--config", Path.Combine(home, "missing.yaml"), "--port", "0", "--allow-root"],
                env: new Dictionary<string, string?> { ["HOME"] = home });
            Assert.Equal(1, result.ExitCode);
            // The last line: as root (CI), the --allow-root warning (SEC-061) comes first.
            Assert.StartsWith("serve: create engine: ", result.Stderr.Trim().Split('\n')[^1]);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Real_process_serves_then_stops_gracefully_on_sigterm()
    {
        var home = Directory.CreateTempSubdirectory("rampart-serve-home-").FullName;
        try
        {
            await using var serve = await RampartServe.StartAsync(["serve", "--log-format", "json", "--allow-root"],
                new Dictionary<string, string?> { ["HOME"] = home, ["RAMPART_TOKEN"] = null });
            var health = await serve.WaitUntilHealthyAsync();
            Assert.Equal("ok", health.GetProperty("status").GetString());

            var tokenFile = Path.Combine(home, ".rampart", "token");
            var token = await File.ReadAllTextAsync(tokenFile);
            Assert.Equal(64, token.Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
            Assert.True(File.Exists(Path.Combine(home, ".rampart", "serve.state")));

            Assert.Equal(0, await serve.StopAsync());
            Assert.False(File.Exists(Path.Combine(home, ".rampart", "serve.state")));
            // CLI-012: the full token never reaches a non-terminal stderr.
            Assert.DoesNotContain(token, await serve.Stderr);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
