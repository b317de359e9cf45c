namespace Rampart.Core.Audit;

/// <summary>A broken or unreadable trail, located at a file and 1-based line (0 when not line-specific).</summary>
public sealed class AuditChainException(string message, string file, int line) : Exception(message)
{
    public string File { get; } = file;
    public int Line { get; } = line;
}

/// <summary>
/// The audit trail cannot be written right now (disk full, permissions, directory gone, damaged
/// trail). Callers fail closed: the decision is not reported as made (AUD-055; HTTP 503).
/// </summary>
public sealed class AuditUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
