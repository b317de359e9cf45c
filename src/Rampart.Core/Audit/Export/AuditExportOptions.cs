namespace Rampart.Core.Audit.Export;

/// <summary>Transport of <c>--syslog</c>: one datagram per event (upstream), or a TCP stream with octet-counting framing (RFC 6587 §3.4.1).</summary>
public enum SyslogProtocol
{
    Udp,
    Tcp,
}

/// <summary>
/// Message framing: <see cref="Bsd"/> is upstream's <c>&lt;PRI&gt;TIMESTAMP HOST rampart[PID]: MSG</c>
/// (AUD-096, the default so existing rsyslog rules keep working); <see cref="Rfc5424"/> is
/// <c>&lt;PRI&gt;1 TIMESTAMP HOST rampart PID audit - MSG</c>.
/// </summary>
public enum SyslogFormat
{
    Bsd,
    Rfc5424,
}

/// <summary>
/// Secondary audit outputs (AUD-095..AUD-097), from <c>serve</c>'s flags: <c>--syslog host:port</c>,
/// <c>--cef</c> (upstream's), and the project's <c>--syslog-protocol udp|tcp</c> and
/// <c>--syslog-format bsd|rfc5424</c>.
/// </summary>
public sealed record AuditExportOptions
{
    /// <summary>The audit directory; <c>cef.log</c> goes here when <see cref="Cef"/> is on without <see cref="Syslog"/>.</summary>
    public required string AuditDirectory { get; init; }

    /// <summary><c>--syslog</c>: <c>host:port</c> (IPv6 as <c>[::1]:514</c>); empty = off.</summary>
    public string Syslog { get; init; } = "";

    public SyslogProtocol SyslogProtocol { get; init; } = SyslogProtocol.Udp;

    public SyslogFormat SyslogFormat { get; init; } = SyslogFormat.Bsd;

    /// <summary><c>--cef</c>: CEF lines over syslog, or to <c>&lt;audit-dir&gt;/cef.log</c> without <see cref="Syslog"/>.</summary>
    public bool Cef { get; init; }

    /// <summary>The version field of CEF headers (the build version).</summary>
    public string Version { get; init; } = "dev";

    /// <summary>Events waiting for the export worker; a full queue drops (AUD-097: 1024).</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>First wait after a failed send before the syslog connection is dialled again; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on connecting and on one TCP send, so a black-holed collector cannot stall the worker for minutes.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where warnings go (dropped events, send failures, reconnects); the server passes its logger.</summary>
    public Action<string> Warn { get; init; } = static _ => { };

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Whether any secondary output is configured.</summary>
    public bool IsEnabled => Syslog.Length > 0 || Cef;

    /// <summary>Parses <c>--syslog-protocol</c>.</summary>
    public static SyslogProtocol ParseProtocol(string value) => value.ToLowerInvariant() switch
    {
        "udp" => SyslogProtocol.Udp,
        "tcp" => SyslogProtocol.Tcp,
        _ => throw new ArgumentException($"invalid --syslog-protocol \"{value}\" (must be udp or tcp)"),
    };

    /// <summary>Parses <c>--syslog-format</c>.</summary>
    public static SyslogFormat ParseFormat(string value) => value.ToLowerInvariant() switch
    {
        "bsd" or "rfc3164" => SyslogFormat.Bsd,
        "rfc5424" or "5424" => SyslogFormat.Rfc5424,
        _ => throw new ArgumentException($"invalid --syslog-format \"{value}\" (must be bsd or rfc5424)"),
    };

    /// <summary>Splits <c>host:port</c> (<c>[v6]:port</c> for IPv6 literals); the error says what is wrong.</summary>
    public static (string Host, int Port) ParseEndpoint(string value)
    {
        string host, port;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            if (close < 0 || close + 1 >= value.Length || value[close + 1] != ':') throw BadEndpoint(value);
            host = value[1..close];
            port = value[(close + 2)..];
        }
        else
        {
            var colon = value.LastIndexOf(':');
            if (colon <= 0 || value.IndexOf(':') != colon) throw BadEndpoint(value);
            host = value[..colon];
            port = value[(colon + 1)..];
        }
        if (host.Length == 0 || !int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ||
            p is < 1 or > 65535)
            throw BadEndpoint(value);
        return (host, p);
    }

    static ArgumentException BadEndpoint(string value) =>
        new($"invalid --syslog \"{value}\" (expected host:port, e.g. 127.0.0.1:514 or [::1]:514)");
}
