namespace Rampart.Core.Audit.Export;

/// <summary>One secondary output of the fan-out. Called only from the export worker thread.</summary>
internal interface IExportTarget : IDisposable
{
    /// <summary>Delivers one prepared (redacted, defaults applied) event; throws <see cref="AuditExportUnavailableException"/> when it could not.</summary>
    void Send(AuditEvent e);

    /// <summary>Called once when the worker starts: connect early so a misconfiguration shows in the log at start-up.</summary>
    void Start();
}

/// <summary>A target could not take an event; the target has already logged why (once per outage).</summary>
internal sealed class AuditExportUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
