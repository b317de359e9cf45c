using System.Collections.Immutable;

namespace Rampart.Core.Audit;

/// <summary>
/// One audit record (AUD-010). Property order follows the on-disk field order, which is part of the
/// hash. <see cref="Request"/> and <see cref="ApprovalOwner"/> are free-form JSON objects (or null).
/// </summary>
public sealed record AuditEvent
{
    /// <summary>Written for every new event (AUD-014).</summary>
    public const string CurrentSchema = "rampart.audit.v1";

    public string SchemaVersion { get; init; } = "";
    public string Id { get; init; } = "";
    public AuditTimestamp Timestamp { get; init; }
    public string Agent { get; init; } = "";
    public string Session { get; init; } = "";
    public AuditHost? Host { get; init; }
    public string RunId { get; init; } = "";
    public string ToolCallId { get; init; } = "";
    /// <summary>Hosted-approval owner; an object, omitted when null or empty.</summary>
    public AuditValue? ApprovalOwner { get; init; }
    public string Tool { get; init; } = "";
    /// <summary>Tool parameters after redaction: an object, or null (written as <c>null</c>).</summary>
    public AuditValue? Request { get; init; }
    public AuditDecision Decision { get; init; } = new();
    public AuditResponse? Response { get; init; }
    /// <summary>Compaction bookkeeping (AUD-013, AUD-025); omitted when null or empty.</summary>
    public ImmutableSortedDictionary<string, CompactedField>? CompactedFields { get; init; }
    public string PrevHash { get; init; } = "";
    public string Hash { get; init; } = "";
}

/// <summary>Where the event was recorded (AUD-014); OS and architecture in Go's vocabulary.</summary>
public sealed record AuditHost(string Hostname, string Os, string Arch);

/// <summary>The decision part of a record (AUD-011).</summary>
public sealed record AuditDecision
{
    public string Action { get; init; } = "";
    public ImmutableArray<string> MatchedPolicies { get; init; } = [];
    public long EvaluationTimeUs { get; init; }
    public string Message { get; init; } = "";
    public ImmutableArray<string> Suggestions { get; init; } = [];
}

/// <summary>Response-phase details (AUD-012). The output text itself is never recorded (AUD-061).</summary>
public sealed record AuditResponse
{
    public long? ExitCode { get; init; }
    public long DurationMs { get; init; }
    public ImmutableArray<string> Flags { get; init; } = [];
}

/// <summary>What compaction did to one field (AUD-013).</summary>
public sealed record CompactedField(long OriginalJsonBytes, string Sha256, string Disposition);
