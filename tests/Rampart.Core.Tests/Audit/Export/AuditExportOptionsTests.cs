using Rampart.Core.Audit.Export;

namespace Rampart.Core.Tests.Audit.Export;

/// <summary>Parsing of the export flags (<c>--syslog</c>, <c>--syslog-protocol</c>, <c>--syslog-format</c>).</summary>
public sealed class AuditExportOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:514", "127.0.0.1", 514)]
    [InlineData("siem.example.com:6514", "siem.example.com", 6514)]
    [InlineData("[::1]:1514", "::1", 1514)]
    public void Endpoints_are_host_and_port(string value, string host, int port) =>
        Assert.Equal((host, port), AuditExportOptions.ParseEndpoint(value));

    [Theory]
    [InlineData("localhost")]
    [InlineData(":514")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:port")]
    [InlineData("::1:514")]
    [InlineData("[::1]514")]
    public void Malformed_endpoints_are_refused_with_an_example(string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => AuditExportOptions.ParseEndpoint(value));
        Assert.Equal($"invalid --syslog \"{value}\" (expected host:port, e.g. 127.0.0.1:514 or [::1]:514)", ex.Message);
    }

    [Fact]
    public void Protocol_and_format_names_are_case_insensitive()
    {
        Assert.Equal(SyslogProtocol.Tcp, AuditExportOptions.ParseProtocol("TCP"));
        Assert.Equal(SyslogProtocol.Udp, AuditExportOptions.ParseProtocol("udp"));
        Assert.Equal(SyslogFormat.Rfc5424, AuditExportOptions.ParseFormat("RFC5424"));
        Assert.Equal(SyslogFormat.Bsd, AuditExportOptions.ParseFormat("bsd"));
        Assert.Throws<ArgumentException>(() => AuditExportOptions.ParseProtocol("relp"));
        Assert.Throws<ArgumentException>(() => AuditExportOptions.ParseFormat("json"));
    }

    [Fact]
    public void Nothing_configured_means_no_export()
    {
        Assert.Null(AuditExport.Create(new AuditExportOptions { AuditDirectory = "/nonexistent" }));
    }
}
