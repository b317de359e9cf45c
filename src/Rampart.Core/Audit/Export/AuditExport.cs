namespace Rampart.Core.Audit.Export;

/// <summary>Builds the secondary audit outputs from <c>serve</c>'s flags (AUD-095..AUD-097).</summary>
public static class AuditExport
{
    /// <summary>
    /// The export for <paramref name="options"/>, or null when neither <c>--syslog</c> nor <c>--cef</c> is set.
    /// <c>--syslog</c> (with or without <c>--cef</c>) → syslog; <c>--cef</c> alone → <c>&lt;audit-dir&gt;/cef.log</c>.
    /// Throws <see cref="ArgumentException"/> for a malformed <c>host:port</c> and <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when <c>cef.log</c> cannot be opened — both start-up errors (CLI-013); an unreachable collector is not.
    /// </summary>
    public static IAuditExport? Create(AuditExportOptions options)
    {
        if (!options.IsEnabled) return null;
        if (options.QueueCapacity < 1) throw new ArgumentException("audit export queue capacity must be at least 1");
        var host = AuditHostInfo.Current;
        IExportTarget target = options.Syslog.Length > 0
            ? new SyslogTarget(options, host.Hostname)
            : new CefFileTarget(options);
        return new AuditFanOut(options, [target], host);
    }
}
