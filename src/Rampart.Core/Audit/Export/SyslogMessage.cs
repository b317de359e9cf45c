using System.Globalization;
using System.Text;

namespace Rampart.Core.Audit.Export;

/// <summary>Syslog messages for audit events (AUD-096): priority, the two header formats, TCP framing.</summary>
internal static class SyslogMessage
{
    /// <summary>local0 (16 × 8).</summary>
    const int Local0 = 128;
    const int MaxHostname = 255;

    public const string AppName = "rampart";

    /// <summary>RFC 5424 MSGID: lets collector rules select audit records without parsing the body.</summary>
    public const string MsgId = "audit";

    /// <summary>AUD-096: deny → warning (132), log/ask → notice (133), everything else → info (134).</summary>
    public static int Priority(string action) => Local0 + action switch
    {
        "deny" => 4,
        "log" or "ask" => 5,
        _ => 6,
    };

    /// <summary>
    /// Upstream's header (Go's <c>log/syslog</c>): <c>&lt;PRI&gt;YYYY-MM-DDTHH:MM:SS±hh:mm HOST rampart[PID]: MSG</c>,
    /// local time to the second (<c>Z</c> when the offset is zero, as Go's RFC 3339 layout does).
    /// Datagrams end in LF like Go's; inside TCP octet-counted frames the LF is left out.
    /// </summary>
    public static byte[] Bsd(int priority, DateTimeOffset localTime, string hostname, int pid, string body, bool trailingNewline)
    {
        var sb = new StringBuilder(body.Length + 80);
        sb.Append('<').Append(priority.ToString(CultureInfo.InvariantCulture)).Append('>');
        sb.Append(localTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        AppendOffset(sb, localTime.Offset);
        sb.Append(' ').Append(Hostname(hostname)).Append(' ').Append(AppName).Append('[')
            .Append(pid.ToString(CultureInfo.InvariantCulture)).Append("]: ").Append(body);
        if (trailingNewline && !body.EndsWith('\n')) sb.Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// RFC 5424 §6: <c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME rampart PID audit - MSG</c> with the event's time
    /// in UTC to the microsecond (TIME-SECFRAC allows at most 6 digits), no structured data, and the
    /// body as MSG without a BOM (many collectors show a BOM as garbage).
    /// </summary>
    public static byte[] Rfc5424(int priority, DateTimeOffset time, string hostname, int pid, string body)
    {
        var utc = time.ToUniversalTime();
        var sb = new StringBuilder(body.Length + 96);
        sb.Append('<').Append(priority.ToString(CultureInfo.InvariantCulture)).Append(">1 ");
        sb.Append(utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)).Append(' ');
        sb.Append(Hostname(hostname)).Append(' ').Append(AppName).Append(' ')
            .Append(pid.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(MsgId).Append(" - ").Append(body);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>RFC 6587 §3.4.1 octet counting: <c>MSG-LEN SP SYSLOG-MSG</c>, so a body can never end a frame early.</summary>
    public static byte[] OctetCounted(byte[] message)
    {
        var prefix = Encoding.ASCII.GetBytes(message.Length.ToString(CultureInfo.InvariantCulture) + " ");
        var framed = new byte[prefix.Length + message.Length];
        prefix.CopyTo(framed, 0);
        message.CopyTo(framed, prefix.Length);
        return framed;
    }

    /// <summary>HOSTNAME is 1–255 printable US-ASCII characters without spaces (RFC 5424 §6.2.4); "-" when unknown.</summary>
    static string Hostname(string name)
    {
        var sb = new StringBuilder(Math.Min(name.Length, MaxHostname));
        foreach (var c in name)
        {
            if (sb.Length == MaxHostname) break;
            if (c is > ' ' and < '\u007f') sb.Append(c);
        }
        return sb.Length == 0 ? "-" : sb.ToString();
    }

    static void AppendOffset(StringBuilder sb, TimeSpan offset)
    {
        if (offset == TimeSpan.Zero)
        {
            sb.Append('Z');
            return;
        }
        sb.Append(offset < TimeSpan.Zero ? '-' : '+');
        var abs = offset.Duration();
        sb.Append(abs.Hours.ToString("D2", CultureInfo.InvariantCulture)).Append(':').Append(abs.Minutes.ToString("D2", CultureInfo.InvariantCulture));
    }
}
