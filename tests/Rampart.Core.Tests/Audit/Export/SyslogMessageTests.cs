using System.Text;
using Rampart.Core.Audit.Export;

namespace Rampart.Core.Tests.Audit.Export;

/// <summary>Syslog framing of audit events (AUD-096, RFC 5424, RFC 6587).</summary>
public sealed class SyslogMessageTests
{
    static readonly DateTimeOffset At = new DateTimeOffset(2026, 3, 1, 12, 0, 5, TimeSpan.Zero).AddTicks(1234567);

    [Theory]
    [InlineData("deny", 132)]
    [InlineData("ask", 133)]
    [InlineData("log", 133)]
    [InlineData("allow", 134)]
    [InlineData("watch", 134)]
    [InlineData("approved", 134)]
    public void Priority_is_local0_with_the_severity_of_the_action(string action, int pri) =>
        Assert.Equal(pri, SyslogMessage.Priority(action));

    [Fact]
    public void Bsd_is_upstreams_go_log_syslog_header_with_a_trailing_newline_for_datagrams()
    {
        var bytes = SyslogMessage.Bsd(132, At, "web-1", 4242, "CEF:0|x", trailingNewline: true);
        Assert.Equal("<132>2026-03-01T12:00:05Z web-1 rampart[4242]: CEF:0|x\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Bsd_shows_local_time_with_its_offset_to_the_second()
    {
        var local = At.ToOffset(TimeSpan.FromHours(-5.5));
        var bytes = SyslogMessage.Bsd(134, local, "h", 1, "{}", trailingNewline: false);
        Assert.Equal("<134>2026-03-01T06:30:05-05:30 h rampart[1]: {}", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Rfc5424_has_version_utc_microseconds_app_procid_msgid_and_nil_structured_data()
    {
        var bytes = SyslogMessage.Rfc5424(133, At.ToOffset(TimeSpan.FromHours(2)), "web-1", 4242, "body text");
        Assert.Equal("<133>1 2026-03-01T12:00:05.123456Z web-1 rampart 4242 audit - body text", Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("", "-")]
    [InlineData("host name\twith spaces", "hostnamewithspaces")]
    [InlineData("hôst", "hst")]
    public void Hostnames_are_printable_ascii_without_spaces(string name, string shown)
    {
        var text = Encoding.UTF8.GetString(SyslogMessage.Rfc5424(134, At, name, 1, "m"));
        Assert.Equal(shown, text.Split(' ')[2]);
    }

    [Fact]
    public void Octet_counting_prefixes_the_byte_length_not_the_character_count()
    {
        var message = Encoding.UTF8.GetBytes("<134>1 - - rampart 1 audit - ünïcode");
        var framed = Encoding.UTF8.GetString(SyslogMessage.OctetCounted(message));
        Assert.Equal($"{message.Length} <134>1 - - rampart 1 audit - ünïcode", framed);
        Assert.NotEqual(framed.Length - framed.IndexOf(' ') - 1, message.Length);
    }
}
