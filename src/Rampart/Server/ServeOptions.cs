using System.Net;

namespace Rampart.Server;

/// <summary>How the service runs (API-007).</summary>
public enum ServiceMode
{
    Enforce,
    Monitor,
    Disabled,
}

/// <summary>Wire spellings of <see cref="ServiceMode"/>.</summary>
public static class ServiceModes
{
    public static string ToWire(this ServiceMode mode) => mode switch
    {
        ServiceMode.Monitor => "monitor",
        ServiceMode.Disabled => "disabled",
        _ => "enforce",
    };

    public static bool TryParse(string text, out ServiceMode mode)
    {
        switch (text)
        {
            case "enforce": mode = ServiceMode.Enforce; return true;
            case "monitor": mode = ServiceMode.Monitor; return true;
            case "disabled": mode = ServiceMode.Disabled; return true;
            default: mode = ServiceMode.Enforce; return false;
        }
    }
}

/// <summary>
/// Everything <c>rampart serve</c> needs, already validated (CLI-010). The CLI resolves defaults
/// and environment; tests build this directly. <see cref="Port"/> 0 here means "any free port"
/// (the CLI maps <c>--port 0</c> to "no HTTP server" before getting here, CLI-010).
/// </summary>
public sealed record ServeOptions
{
    /// <summary><c>--config</c> as given (default <c>rampart.yaml</c>).</summary>
    public string ConfigPath { get; init; } = "rampart.yaml";
    /// <summary>Whether <c>--config</c> was given explicitly (CLI-011).</summary>
    public bool IsConfigExplicit { get; init; }
    /// <summary><c>--config-dir</c>, or null.</summary>
    public string? ConfigDir { get; init; }
    /// <summary><c>--audit-dir</c> (default <c>~/.rampart/audit</c>).</summary>
    public string? AuditDir { get; init; }
    public ServiceMode Mode { get; init; } = ServiceMode.Enforce;
    public IPAddress Address { get; init; } = IPAddress.Loopback;
    public int Port { get; init; } = 9090;
    /// <summary>Whether to serve HTTP at all (<c>--port 0</c> = policy watching only).</summary>
    public bool ServesHttp { get; init; } = true;
    /// <summary>Whether the HTTP server listens on <see cref="Address"/>:<see cref="Port"/>; false = only on <see cref="UnixSocket"/>.</summary>
    public bool ListensOnTcp { get; init; } = true;
    /// <summary><c>--unix-socket</c> and its settings; null = no socket listener.</summary>
    public UnixSocketOptions? UnixSocket { get; init; }
    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How long a client may take to send a request's headers (API-002: 5 s). Not a flag; the fault tests shorten it.</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long an idle keep-alive connection stays open (API-002: 120 s). Not a flag; the fault tests shorten it.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>Grace period before the minimum body/response data rates apply (5 s). Not a flag; the fault tests shorten it.</summary>
    public TimeSpan MinDataRateGracePeriod { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary><c>--signing-key</c>: HMAC key of signed approval links (default <c>~/.rampart/signing.key</c>, API-050).</summary>
    public string? SigningKeyPath { get; init; }
    /// <summary><c>--resolve-base-url</c>: base of signed approval links (default <c>http://localhost:&lt;port&gt;</c>).</summary>
    public string? ResolveBaseUrl { get; init; }
    public TimeSpan ReloadInterval { get; init; }
    public bool Metrics { get; init; }
    /// <summary><c>--syslog host:port</c>: export every durable record to a syslog collector (AUD-096); null = off.</summary>
    public string? Syslog { get; init; }
    /// <summary><c>--syslog-protocol</c> (<c>udp</c> default, <c>tcp</c>), as given.</summary>
    public string? SyslogProtocol { get; init; }
    /// <summary><c>--syslog-format</c> (<c>bsd</c> default, <c>rfc5424</c>), as given.</summary>
    public string? SyslogFormat { get; init; }
    /// <summary><c>--cef</c>: CEF bodies over syslog, or <c>&lt;audit-dir&gt;/cef.log</c> without <c>--syslog</c>.</summary>
    public bool Cef { get; init; }
    public bool JsonLogs { get; init; }
    public bool Verbose { get; init; }
    /// <summary>The <c>~/.rampart</c> directory of the service user.</summary>
    public required string StateDir { get; init; }
    /// <summary><c>RAMPART_TOKEN</c>, which beats <c>~/.rampart/token</c> (CLI-012).</summary>
    public string? TokenFromEnvironment { get; init; }
    /// <summary>Whether stderr is a terminal: only then is the full admin token printed (CLI-012).</summary>
    public bool IsStderrTerminal { get; init; }
    /// <summary>Where the service writes its log lines and start-up messages (stderr by default).</summary>
    public TextWriter? Log { get; init; }
    /// <summary>
    /// Benchmark builds only: decisions are not audited (<see cref="DiscardingAuditSink"/>). Internal
    /// on purpose — the shipped CLI never sets it (<c>--benchmark-discard-audit</c> exists only with
    /// <c>-p:RampartBenchmarkBuild=true</c>).
    /// </summary>
    internal bool DiscardAuditForBenchmark { get; init; }
}
