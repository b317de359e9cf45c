namespace Rampart.Hosting;

/// <summary>
/// Where the user-separated deployment lives (SEC-011): binary, policies, service home with its
/// state and audit trail, and the system unit. One place, so install, uninstall and the printed
/// start command agree with the shipped unit's paths.
/// </summary>
internal sealed record SystemLayout
{
    public const string ServiceAccount = "rampart-svc";

    public string Binary { get; init; } = "/usr/local/bin/rampart";
    public string ConfigDir { get; init; } = "/etc/rampart";
    /// <summary>Home of <see cref="ServiceAccount"/> (SEC-010).</summary>
    public string ServiceHome { get; init; } = "/var/lib/rampart";
    public string UnitFile { get; init; } = "/etc/systemd/system/rampart.service";
    /// <summary>Present only while systemd is the running service manager (sd_booted(3)).</summary>
    public string SystemdRuntimeMarker { get; init; } = "/run/systemd/system";

    /// <summary>The service's <c>~/.rampart</c>: admin token, agent token store, signing key, serve.state.</summary>
    public StateDirectory ServiceState => new(Path.Combine(ServiceHome, ".rampart"));
    public string AuditDir => Path.Combine(ServiceHome, "audit");
    public string StandardPolicy => Path.Combine(ConfigDir, "standard.yaml");
    public bool IsSystemdRunning => Directory.Exists(SystemdRuntimeMarker);

    public static SystemLayout Default { get; } = new();
}
