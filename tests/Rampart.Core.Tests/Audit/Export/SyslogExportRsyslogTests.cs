using System.Text.Json;
using Rampart.Core.Audit;
using Rampart.Core.Audit.Export;
using Rampart.Testing;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit.Export;

/// <summary>
/// Syslog export (AUD-096, AUD-097) received by a real rsyslogd on 127.0.0.1: UDP and TCP
/// (octet-counted), upstream's BSD header and RFC 5424, CEF and JSON bodies, and reconnection
/// after the collector restarts.
/// </summary>
public sealed class SyslogExportRsyslogTests : IDisposable
{
    readonly TempAuditDir _tmp = new();
    readonly List<string> _warnings = [];

    public void Dispose() => _tmp.Dispose();

    AuditExportOptions Options(RsyslogCollector collector, SyslogProtocol protocol, SyslogFormat format, bool cef) => new()
    {
        AuditDirectory = _tmp.Path_,
        Syslog = "127.0.0.1:" + (protocol == SyslogProtocol.Tcp ? collector.TcpPort : collector.UdpPort),
        SyslogProtocol = protocol,
        SyslogFormat = format,
        Cef = cef,
        Version = "1.2.3",
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        Warn = w =>
        {
            lock (_warnings) _warnings.Add(w);
        },
    };

    /// <summary>Appends to a real trail, then offers the event with its receipt — the order the server uses.</summary>
    static async Task<AuditReceipt> Commit(AuditWriter writer, IAuditExport export, AuditEvent e)
    {
        var receipt = await writer.AppendAsync(e);
        Assert.True(export.Offer(e, receipt));
        return receipt;
    }

    static string Str(JsonElement e, string key) => e.GetProperty(key).GetString()!;

    public static TheoryData<SyslogProtocol, SyslogFormat> Transports => new()
    {
        { SyslogProtocol.Udp, SyslogFormat.Bsd },
        { SyslogProtocol.Udp, SyslogFormat.Rfc5424 },
        { SyslogProtocol.Tcp, SyslogFormat.Bsd },
        { SyslogProtocol.Tcp, SyslogFormat.Rfc5424 },
    };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Cef_events_arrive_with_priority_host_app_and_pid(SyslogProtocol protocol, SyslogFormat format)
    {
        using var collector = await RsyslogCollector.StartAsync();
        var export = AuditExport.Create(Options(collector, protocol, format, cef: true))!;
        var deny = Exec("rm -rf / | tee x", action: "deny") with
        {
            Agent = "claude=code",
            Decision = new AuditDecision { Action = "deny", MatchedPolicies = ["block-destructive"], Message = "Destructive | blocked" },
        };
        var allow = Exec("git status");
        await using (var writer = AuditWriter.Open(AuditTestEvents.Options(_tmp.Path_)))
        {
            await Commit(writer, export, deny);
            await Commit(writer, export, allow);
        }

        var received = await collector.WaitForAsync(m => Str(m, "app") == "rampart", count: 2);
        await export.DisposeAsync();
        Assert.Equal(new AuditExportCounters(2, 2, 0, 0), export.Counters);

        var input = protocol == SyslogProtocol.Tcp ? "imtcp" : "imudp";
        var rfc5424 = format == SyslogFormat.Rfc5424;
        foreach (var m in received)
        {
            Assert.Equal(input, Str(m, "input"));
            // rsyslog reports protocol-version 1 only for messages it parsed as RFC 5424.
            Assert.Equal(rfc5424 ? "1" : "0", Str(m, "version"));
            Assert.Equal(AuditHostInfo.Current.Hostname, Str(m, "hostname"));
            Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), Str(m, "procid"));
            Assert.Equal(rfc5424 ? "audit" : "-", Str(m, "msgid"));
            Assert.Equal("-", Str(m, "sd"));
        }
        Assert.Equal(["132", "134"], received.Select(m => Str(m, "pri")));
        Assert.Equal(
        [
            "CEF:0|Rampart|PolicyEngine|1.2.3|deny|Destructive \\| blocked|8|src=claude\\=code cmd=rm -rf / | tee x path= policy=block-destructive",
            "CEF:0|Rampart|PolicyEngine|1.2.3|allow|m|1|src=claude-code cmd=git status path= policy=p",
        ], received.Select(m => Str(m, "msg").TrimStart(' ')));
    }

    [Fact]
    public async Task Without_cef_the_body_is_the_redacted_event_json_with_the_committed_id_and_empty_hashes()
    {
        using var collector = await RsyslogCollector.StartAsync();
        var export = AuditExport.Create(Options(collector, SyslogProtocol.Udp, SyslogFormat.Bsd, cef: false))!;
        var secret = Exec("deploy --token=abcdefghijklmnop");
        AuditReceipt receipt;
        await using (var writer = AuditWriter.Open(AuditTestEvents.Options(_tmp.Path_)))
            receipt = await Commit(writer, export, secret);

        var m = (await collector.WaitForAsync(x => Str(x, "app") == "rampart"))[0];
        await export.DisposeAsync();
        Assert.Equal("0", Str(m, "version"));
        using var body = JsonDocument.Parse(Str(m, "msg"));
        var e = body.RootElement;
        Assert.Equal(receipt.EventId, e.GetProperty("id").GetString());
        Assert.Equal("deploy --token=[REDACTED]", e.GetProperty("request").GetProperty("command").GetString());
        Assert.Equal("", e.GetProperty("hash").GetString());
        Assert.Equal("", e.GetProperty("prev_hash").GetString());
        // The same redacted request the trail holds.
        var stored = AuditChain.ParseLine(File.ReadAllBytes(_tmp.File(receipt.File)).AsSpan().TrimEnd((byte)'\n'));
        Assert.Equal(stored.Request!.ToString(), e.GetProperty("request").GetRawText());
    }

    [Fact]
    public async Task Tcp_export_reconnects_after_the_collector_restarts()
    {
        var first = await RsyslogCollector.StartAsync();
        RsyslogCollector? second = null;
        var export = AuditExport.Create(Options(first, SyslogProtocol.Tcp, SyslogFormat.Rfc5424, cef: true))!;
        try
        {
            var n = 0;
            AuditReceipt Receipt() => new($"01JRECONNECT{++n:D14}", "h", n, "f");
            Assert.True(export.Offer(Exec("before restart"), Receipt()));
            await first.WaitForAsync(m => Str(m, "msg").Contains("before restart", StringComparison.Ordinal));

            first.Stop();
            // Nobody listens: the re-dial is refused, the target goes down and backs off.
            var failDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (export.Counters.Failed == 0)
            {
                Assert.True(DateTime.UtcNow < failDeadline, "sending to a stopped collector never failed");
                export.Offer(Exec("while down"), Receipt());
                await Task.Delay(20);
            }
            second = await RsyslogCollector.StartAsync(tcpPort: first.TcpPort);
            // Events sent into the dead connection or during the backoff are lost (counted as failed);
            // keep offering until one arrives through a re-dialled connection.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (second.Received().Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "no event reached the restarted collector: " + string.Join("; ", _warnings));
                export.Offer(Exec("after restart"), Receipt());
                await second.WaitForAsync(_ => true, timeout: TimeSpan.FromMilliseconds(100)).ContinueWith(_ => { });
            }
            var m = second.Received()[0];
            Assert.Contains("after restart", Str(m, "msg"), StringComparison.Ordinal);
            Assert.Equal("imtcp", Str(m, "input"));
        }
        finally
        {
            await export.DisposeAsync();
            first.Dispose();
            second?.Dispose();
        }
        lock (_warnings)
        {
            Assert.Contains(_warnings, w => w.Contains($"syslog tcp://127.0.0.1:{first.TcpPort} failed", StringComparison.Ordinal));
            Assert.Contains(_warnings, w => w.EndsWith("is reachable again", StringComparison.Ordinal));
        }
    }
}
