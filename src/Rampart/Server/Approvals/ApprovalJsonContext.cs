using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rampart.Server.Approvals;

// Bodies of the approval routes (API-046..API-052) and the hosted ask answer (API-027).

internal sealed record ApprovalCreatedBody
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Message { get; init; }
    [JsonPropertyName("expires_at")] public required string ExpiresAt { get; init; }
}

internal sealed record ApprovalSummary
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("tool")] public required string Tool { get; init; }
    [JsonPropertyName("command")] public required string Command { get; init; }
    [JsonPropertyName("agent")] public required string Agent { get; init; }
    [JsonPropertyName("session")] public required string Session { get; init; }
    [JsonPropertyName("credential_owner")] public required string CredentialOwner { get; init; }
    [JsonPropertyName("message")] public required string Message { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("created_at")] public required string CreatedAt { get; init; }
    [JsonPropertyName("expires_at")] public required string ExpiresAt { get; init; }
    [JsonPropertyName("run_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RunId { get; init; }
}

internal sealed record RunGroupBody
{
    [JsonPropertyName("agent")] public required string Agent { get; init; }
    [JsonPropertyName("session")] public required string Session { get; init; }
    [JsonPropertyName("run_id")] public required string RunId { get; init; }
    [JsonPropertyName("credential_owner")] public required string CredentialOwner { get; init; }
    [JsonPropertyName("count")] public int Count { get; init; }
    [JsonPropertyName("earliest_created_at")] public required string EarliestCreatedAt { get; init; }
    [JsonPropertyName("items")] public required IReadOnlyList<ApprovalSummary> Items { get; init; }
}

internal sealed record ApprovalListBody(
    [property: JsonPropertyName("approvals")] IReadOnlyList<ApprovalSummary> Approvals,
    [property: JsonPropertyName("run_groups")] IReadOnlyList<RunGroupBody> RunGroups,
    [property: JsonPropertyName("run_grant_ttl_ms")] long RunGrantTtlMs);

internal sealed record ApprovalDetailBody
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("tool")] public required string Tool { get; init; }
    [JsonPropertyName("command")] public required string Command { get; init; }
    [JsonPropertyName("agent")] public required string Agent { get; init; }
    [JsonPropertyName("session")] public required string Session { get; init; }
    [JsonPropertyName("message")] public required string Message { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("created_at")] public required string CreatedAt { get; init; }
    [JsonPropertyName("expires_at")] public required string ExpiresAt { get; init; }
    [JsonPropertyName("resolved_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ResolvedAt { get; init; }
    [JsonPropertyName("resolved_by"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ResolvedBy { get; init; }
    [JsonPropertyName("persisted"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Persisted { get; init; }
}

internal sealed record ResolvedBody(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("approved")] bool Approved,
    [property: JsonPropertyName("persisted")] bool Persisted);

internal sealed record BulkResolvedBody
{
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; init; }
    [JsonPropertyName("resolved")] public int Resolved { get; init; }
    [JsonPropertyName("ids")] public required IReadOnlyList<string> Ids { get; init; }
    [JsonPropertyName("reviewed_ids")] public required IReadOnlyList<string> ReviewedIds { get; init; }
    [JsonPropertyName("race_covered_ids")] public required IReadOnlyList<string> RaceCoveredIds { get; init; }
    [JsonPropertyName("unresolved_reviewed_ids"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? UnresolvedReviewedIds { get; init; }
    [JsonPropertyName("scope")] public required string Scope { get; init; }
    [JsonPropertyName("future_calls_authorized")] public bool FutureCallsAuthorized { get; init; }
    [JsonPropertyName("grant_ttl_ms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? GrantTtlMs { get; init; }
    [JsonPropertyName("grant_expires_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? GrantExpiresAt { get; init; }
    [JsonPropertyName("refresh_required"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? RefreshRequired { get; init; }
}

internal sealed record HostedOwnerBody
{
    [JsonPropertyName("host")] public required string Host { get; init; }
    [JsonPropertyName("mode")] public required string Mode { get; init; }
    [JsonPropertyName("surface"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Surface { get; init; }
    [JsonPropertyName("supports_exact_resume"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? SupportsExactResume { get; init; }
    [JsonPropertyName("supports_allow_always"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? SupportsAllowAlways { get; init; }
    [JsonPropertyName("supports_result_callback"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? SupportsResultCallback { get; init; }
}

internal sealed record HostedApprovalBody(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("scope_options")] IReadOnlyList<string> ScopeOptions,
    [property: JsonPropertyName("allow_always_supported")] bool AllowAlwaysSupported,
    [property: JsonPropertyName("timeout_ms")] long TimeoutMs,
    [property: JsonPropertyName("expires_at")] string ExpiresAt);

/// <summary>API-027 step 1: the ask body plus what a host needs to run the approval itself.</summary>
internal sealed record HostedAskBody
{
    [JsonPropertyName("allowed")] public bool Allowed { get; init; }
    [JsonPropertyName("decision")] public required string Decision { get; init; }
    [JsonPropertyName("message")] public required string Message { get; init; }
    [JsonPropertyName("eval_duration_us")] public long EvalDurationUs { get; init; }
    [JsonPropertyName("audit_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? AuditId { get; init; }
    [JsonPropertyName("policy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Policy { get; init; }
    [JsonPropertyName("suggestions")] public IReadOnlyList<string> Suggestions { get; init; } = [];
    [JsonPropertyName("approval_mode")] public string ApprovalMode { get; init; } = "hosted";
    [JsonPropertyName("approval_owner")] public required HostedOwnerBody ApprovalOwner { get; init; }
    [JsonPropertyName("tool_call_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ToolCallId { get; init; }
    [JsonPropertyName("approval")] public required HostedApprovalBody Approval { get; init; }
}

/// <summary>Source-generated serialisers for the approval bodies (Native AOT: no reflection); kept apart from ApiJsonContext.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General)]
[JsonSerializable(typeof(ApprovalCreatedBody))]
[JsonSerializable(typeof(ApprovalListBody))]
[JsonSerializable(typeof(ApprovalDetailBody))]
[JsonSerializable(typeof(ResolvedBody))]
[JsonSerializable(typeof(BulkResolvedBody))]
[JsonSerializable(typeof(HostedAskBody))]
internal sealed partial class ApprovalJsonContext : JsonSerializerContext
{
    /// <summary>Readable escaping, as the other API bodies (API-004 leaves escaping to us).</summary>
    public static readonly ApprovalJsonContext Readable = new(new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
