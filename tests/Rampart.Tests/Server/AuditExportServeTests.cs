using System.Net;
using System.Text.Json;
using Rampart.Cli;
using Rampart.Testing;

namespace Rampart.Tests.Server;

/// <summary>
/// <c>serve --syslog/--syslog-protocol/--syslog-format/--cef</c> (AUD-095..AUD-097): every durable
/// decision reaches a real rsyslogd on 127.0.0.1, and <c>/metrics</c> counts the export.
/// </summary>
public sealed class AuditExportServeTests
{
    static string Str(JsonElement e, string key) => e.GetProperty(key).GetString() ?? "";

    [Theory]
    [InlineData("udp", "bsd", false)]
    [InlineData("tcp", "rfc5424", false)]
    [InlineData("tcp", "bsd", true)]
    public async Task A_tool_decision_reaches_rsyslogd_and_is_counted(string protocol, string format, bool cef)
    {
        using var collector = await RsyslogCollector.StartAsync();
        var port = protocol == "udp" ? collector.UdpPort : collector.TcpPort;
        // The flags as serve parses them (CLI-010), then the real server with those options.
        string[] flags = ["--syslog", $"127.0.0.1:{port}", "--syslog-protocol", protocol, "--syslog-format", format, .. cef ? new[] { "--cef" } : []];
        var parsed = ServeCommand.ToOptions(CliArgs.Parse(flags, ServeCommand.Flags), new Dictionary<string, string?> { ["HOME"] = "/nonexistent" });
        await using var server = await ServerHarness.StartAsync(metrics: true, configure: o => o with
        {
            Syslog = parsed.Syslog,
            SyslogProtocol = parsed.SyslogProtocol,
            SyslogFormat = parsed.SyslogFormat,
            Cef = parsed.Cef,
        });

        var (status, body) = await server.PostAsync("/v1/tool/exec", """{"agent":"alice","session":"s1","command":"rm -rf /tmp/x"}""");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        var auditId = Str(body, "audit_id");
        Assert.NotEmpty(auditId);
        var m = Assert.Single(await collector.WaitForAsync(m => Str(m, "msg").Contains(cef ? "rm -rf /tmp/x" : auditId, StringComparison.Ordinal)));
        Assert.Equal(format == "rfc5424" ? "1" : "0", Str(m, "version"));
        if (cef)
        {
            Assert.StartsWith("CEF:0|Rampart|PolicyEngine|", Str(m, "msg").TrimStart(' '));
            Assert.Contains("|deny|", Str(m, "msg"));
        }
        else
        {
            using var record = JsonDocument.Parse(Str(m, "msg"));
            Assert.Equal("deny", record.RootElement.GetProperty("decision").GetProperty("action").GetString());
            Assert.Equal("alice", record.RootElement.GetProperty("agent").GetString());
        }

        var metrics = await WaitForMetricAsync(server, "rampart_audit_export_delivered_total 1");
        Assert.Contains("rampart_audit_export_queued_total 1\n", metrics);
        Assert.Contains("rampart_audit_export_dropped_total 0\n", metrics);
        Assert.Contains("rampart_audit_export_failed_total 0\n", metrics);
    }

    [Fact]
    public async Task Without_export_flags_metrics_carry_no_export_counters()
    {
        await using var server = await ServerHarness.StartAsync(metrics: true);

        var metrics = await MetricsAsync(server);

        Assert.Contains("rampart_decisions_total", metrics);
        Assert.DoesNotContain("rampart_audit_export_", metrics);
    }

    [Theory]
    [InlineData(new[] { "--syslog", "no-port" }, "serve: create audit sink: ")]
    [InlineData(new[] { "--syslog", "127.0.0.1:514", "--syslog-protocol", "sctp" }, "serve: create audit sink: invalid --syslog-protocol \"sctp\"")]
    [InlineData(new[] { "--syslog", "127.0.0.1:514", "--syslog-format", "json" }, "serve: create audit sink: invalid --syslog-format \"json\"")]
    public async Task A_bad_export_flag_stops_serve_with_the_sink_error(string[] flags, string expected)
    {
        var home = Directory.CreateTempSubdirectory("rampart-export-serve-").FullName;
        try
        {
            var result = await RampartProcess.RunAsync(["serve", "--port", "0", "--allow-root", .. flags],
                env: new Dictionary<string, string?> { ["HOME"] = home, ["RAMPART_TOKEN"] = null }, workdir: home);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains(expected, result.Stderr);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    static async Task<string> MetricsAsync(ServerHarness server)
    {
        using var response = await server.Http.SendAsync(server.Request(HttpMethod.Get, "/metrics", server.AdminToken));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Delivery is asynchronous to the decision: poll /metrics until the counter shows it, with a deadline.</summary>
    static async Task<string> WaitForMetricAsync(ServerHarness server, string line)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var metrics = await MetricsAsync(server);
            if (metrics.Contains(line + "\n", StringComparison.Ordinal) || DateTime.UtcNow > deadline) return metrics;
            await Task.Delay(20);
        }
    }
}
