using System.Collections.Immutable;
using System.Text.Json;
using Rampart.Core.Evaluation;

namespace Rampart.Core.Approvals;

/// <summary>Where an approval stands (API-040).</summary>
public enum ApprovalStatus
{
    Pending,
    Approved,
    Denied,
    Expired,
}

/// <summary>Wire spellings of <see cref="ApprovalStatus"/>.</summary>
public static class ApprovalStatuses
{
    public static string ToWire(this ApprovalStatus status) => status switch
    {
        ApprovalStatus.Approved => "approved",
        ApprovalStatus.Denied => "denied",
        ApprovalStatus.Expired => "expired",
        _ => "pending",
    };
}

/// <summary>
/// One <c>ask</c> decision waiting for (or resolved by) a human (API-040). Immutable: every state
/// change produces a new record, so readers never see a half-resolved request.
/// </summary>
public sealed record ApprovalRequest
{
    public required string Id { get; init; }
    /// <summary>The call exactly as evaluated (prepared params, input, workdir): what a grant is bound to.</summary>
    public required ToolCall Call { get; init; }
    public string Message { get; init; } = "";
    public ImmutableArray<string> MatchedPolicies { get; init; } = [];
    public ApprovalStatus Status { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public string ResolvedBy { get; init; } = "";
    /// <summary>Whether an "always allow" policy was written for it (API-051).</summary>
    public bool Persisted { get; init; }
    /// <summary>"" for the admin token, else the 64-hex owner scope of the per-agent credential (API-040).</summary>
    public string OwnerScope { get; init; } = "";
    /// <summary>The audit id of the <c>ask</c> decision record, echoed by the replay (API-027 step 2). Project addition in the journal.</summary>
    public string PolicyAuditId { get; init; } = "";

    public bool IsPending => Status == ApprovalStatus.Pending;

    /// <summary>The command accessor: <c>params.command</c>, else the path or URL so a reviewer always sees what the call touches.</summary>
    public string Command => CommandOf(Call.Params);

    /// <summary><c>server/admin</c> or <c>credential-</c> + 12 hex characters (API-040).</summary>
    public string CredentialOwner => ApprovalFingerprint.CredentialOwner(OwnerScope);

    /// <summary>The run this request belongs to, for run grants and bulk resolution (API-052/053).</summary>
    public RunIdentity Run => new(Call.Agent, Call.Session, Call.RunId, OwnerScope);

    internal static string CommandOf(IReadOnlyDictionary<string, JsonElement> parameters)
    {
        foreach (var key in (ReadOnlySpan<string>)["command", "path", "file_path", "url"])
        {
            if (parameters.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s) return s;
        }
        return "";
    }
}

/// <summary>(agent, session, run_id, owner scope): the identity a run grant covers (API-053).</summary>
public readonly record struct RunIdentity(string Agent, string Session, string RunId, string OwnerScope)
{
    /// <summary>Identities with any empty part never get grants (API-053).</summary>
    public bool IsComplete => Agent.Length > 0 && Session.Length > 0 && RunId.Length > 0;
}

/// <summary>A one-shot permission for exactly one identical retry of an approved call (API-045).</summary>
/// <param name="Version">2 for owner-bound (<c>v2-</c>) keys, else 1.</param>
/// <param name="Fingerprint">The replay key the grant is filed under.</param>
public sealed record ReplayGrant(int Version, string ApprovalId, string Fingerprint, string ResolvedBy, DateTimeOffset ResolvedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>How long an approved call may be retried (API-045).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    public bool HasExpired(DateTimeOffset now) => now > ExpiresAt;
}
