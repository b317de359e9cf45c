using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rampart.Server;

// Response and request bodies of the HTTP API (API.md). Optional fields carry their own ignore
// condition because some routes must write an explicit null (API-030 matched_policies).

/// <summary>
/// A body that writes itself with a <see cref="Utf8JsonWriter"/>: the decision route's answers are
/// written this way (issue 3: the generated metadata serialiser costs ~3 % of a decision request's
/// CPU). The output is byte-identical to the generated serialiser's (same property order, nulls
/// omitted where the attributes say so); <c>ApiJsonWriterTests</c> pins that.
/// </summary>
internal interface IJsonBody
{
    void Write(Utf8JsonWriter w);
}

internal sealed record ErrorBody([property: JsonPropertyName("error")] string Error) : IJsonBody
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("error"u8, Error);
        w.WriteEndObject();
    }
}

internal sealed record HealthBody(
    [property: JsonPropertyName("service")] string Service,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("uptime_seconds")] long UptimeSeconds,
    [property: JsonPropertyName("version")] string Version,
    /// <summary>Project addition: "unavailable" while audit appends fail; omitted when healthy.</summary>
    [property: JsonPropertyName("audit"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Audit = null);

internal sealed record StatusBody
{
    [JsonPropertyName("config_path")] public required string ConfigPath { get; init; }
    [JsonPropertyName("mode")] public required string Mode { get; init; }
    [JsonPropertyName("default_action")] public required string DefaultAction { get; init; }
    [JsonPropertyName("policy_count")] public int PolicyCount { get; init; }
    [JsonPropertyName("rule_count")] public int RuleCount { get; init; }
    [JsonPropertyName("call_counts")] public required IReadOnlyDictionary<string, int> CallCounts { get; init; }
    /// <summary>Project addition: the last failed reload's error until a reload succeeds (issue 3).</summary>
    [JsonPropertyName("reload_error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ReloadError { get; init; }
    /// <summary>Project addition: audit health (AUD-055) — "ok", "unavailable" or "disabled".</summary>
    [JsonPropertyName("audit"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Audit { get; init; }
    [JsonPropertyName("audit_error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? AuditError { get; init; }
}

internal sealed record ToolBody : IJsonBody
{
    [JsonPropertyName("allowed")] public bool Allowed { get; set; }
    [JsonPropertyName("decision")] public required string Decision { get; set; }
    [JsonPropertyName("message")] public required string Message { get; set; }
    [JsonPropertyName("eval_duration_us")] public long EvalDurationUs { get; set; }
    [JsonPropertyName("audit_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? AuditId { get; set; }
    [JsonPropertyName("policy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Policy { get; set; }
    [JsonPropertyName("suggestions")] public IReadOnlyList<string> Suggestions { get; set; } = [];
    [JsonPropertyName("enforced"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Enforced { get; set; }
    [JsonPropertyName("policy_decision"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PolicyDecision { get; set; }
    [JsonPropertyName("policy_message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PolicyMessage { get; set; }
    [JsonPropertyName("response"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Response { get; set; }
    [JsonPropertyName("response_policy_decision"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ResponsePolicyDecision { get; set; }
    [JsonPropertyName("response_policy_message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ResponsePolicyMessage { get; set; }
    [JsonPropertyName("response_eval_duration_us"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? ResponseEvalDurationUs { get; set; }
    [JsonPropertyName("response_policy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ResponsePolicy { get; set; }
    // API-027: a queued ask (202) or an approved replay.
    [JsonPropertyName("approval_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ApprovalId { get; set; }
    [JsonPropertyName("approval_status"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ApprovalStatus { get; set; }
    [JsonPropertyName("approval_scope"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ApprovalScope { get; set; }
    [JsonPropertyName("approval_resolved_by"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ApprovalResolvedBy { get; set; }
    [JsonPropertyName("approval_policy_audit_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ApprovalPolicyAuditId { get; set; }
    [JsonPropertyName("expires_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ExpiresAt { get; set; }

    /// <summary>The properties above, in their order, with their null conditions.</summary>
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteBoolean("allowed"u8, Allowed);
        w.WriteString("decision"u8, Decision);
        w.WriteString("message"u8, Message);
        w.WriteNumber("eval_duration_us"u8, EvalDurationUs);
        Optional(w, "audit_id"u8, AuditId);
        Optional(w, "policy"u8, Policy);
        w.WritePropertyName("suggestions"u8);
        JsonBodies.Strings(w, Suggestions);
        if (Enforced is { } enforced) w.WriteBoolean("enforced"u8, enforced);
        Optional(w, "policy_decision"u8, PolicyDecision);
        Optional(w, "policy_message"u8, PolicyMessage);
        Optional(w, "response"u8, Response);
        Optional(w, "response_policy_decision"u8, ResponsePolicyDecision);
        Optional(w, "response_policy_message"u8, ResponsePolicyMessage);
        if (ResponseEvalDurationUs is { } us) w.WriteNumber("response_eval_duration_us"u8, us);
        Optional(w, "response_policy"u8, ResponsePolicy);
        Optional(w, "approval_id"u8, ApprovalId);
        Optional(w, "approval_status"u8, ApprovalStatus);
        Optional(w, "approval_scope"u8, ApprovalScope);
        Optional(w, "approval_resolved_by"u8, ApprovalResolvedBy);
        Optional(w, "approval_policy_audit_id"u8, ApprovalPolicyAuditId);
        Optional(w, "expires_at"u8, ExpiresAt);
        w.WriteEndObject();
    }

    static void Optional(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }
}

/// <summary>Shared pieces of the hand-written bodies (<see cref="IJsonBody"/>).</summary>
internal static class JsonBodies
{
    /// <summary>A string list as the generated serialiser writes it: <c>null</c> for null, else an array.</summary>
    public static void Strings(Utf8JsonWriter w, IReadOnlyList<string>? items)
    {
        if (items is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartArray();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { } item) w.WriteStringValue(item);
            else w.WriteNullValue();
        }
        w.WriteEndArray();
    }
}

internal sealed record PreflightBody
{
    [JsonPropertyName("allowed")] public bool Allowed { get; set; }
    [JsonPropertyName("decision")] public required string Decision { get; set; }
    [JsonPropertyName("message")] public required string Message { get; set; }
    /// <summary>API-030: <c>null</c> when empty (upstream quirk, kept).</summary>
    [JsonPropertyName("matched_policies")] public IReadOnlyList<string>? MatchedPolicies { get; set; }
    [JsonPropertyName("eval_duration_us")] public long EvalDurationUs { get; set; }
    [JsonPropertyName("enforced")] public bool Enforced { get; set; }
    [JsonPropertyName("enforcement_requested")] public bool EnforcementRequested { get; set; }
    [JsonPropertyName("audit_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? AuditId { get; set; }
    [JsonPropertyName("suggestions"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Suggestions { get; set; }
    [JsonPropertyName("policy_decision"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PolicyDecision { get; set; }
    [JsonPropertyName("policy_message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PolicyMessage { get; set; }
}

internal sealed record RuleSummaryEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("summary")] string Summary);

internal sealed record PolicySummaryBody(
    [property: JsonPropertyName("default_action")] string DefaultAction,
    [property: JsonPropertyName("rules")] IReadOnlyList<RuleSummaryEntry> Rules,
    [property: JsonPropertyName("summary")] string Summary);

internal sealed record PolicyListEntry
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("priority"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Priority { get; init; }
    [JsonPropertyName("source_file")] public required string SourceFile { get; init; }
    [JsonPropertyName("match_tools"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? MatchTools { get; init; }
    [JsonPropertyName("match_agent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MatchAgent { get; init; }
    [JsonPropertyName("rule_count")] public int RuleCount { get; init; }
}

internal sealed record PolicyListBody(
    [property: JsonPropertyName("policies")] IReadOnlyList<PolicyListEntry> Policies,
    [property: JsonPropertyName("default_action")] string DefaultAction,
    [property: JsonPropertyName("count")] int Count);

internal sealed record ReloadBody(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("policies_loaded")] int PoliciesLoaded,
    [property: JsonPropertyName("rules_total")] int RulesTotal,
    [property: JsonPropertyName("reload_time_ms")] long ReloadTimeMs);

internal sealed record ReloadFailureBody(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("error")] string Error);

internal sealed record PolicyTestBody(
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("matched_policies")] IReadOnlyList<string>? MatchedPolicies,
    [property: JsonPropertyName("policy_scope")] string PolicyScope);

internal sealed record ServeStateBody(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("port")] int Port,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("started")] string Started,
    [property: JsonPropertyName("executable")] string Executable);

/// <summary>Source-generated serialisers for every API body (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(StatusBody))]
[JsonSerializable(typeof(ToolBody))]
[JsonSerializable(typeof(PreflightBody))]
[JsonSerializable(typeof(PolicySummaryBody))]
[JsonSerializable(typeof(PolicyListBody))]
[JsonSerializable(typeof(ReloadBody))]
[JsonSerializable(typeof(ReloadFailureBody))]
[JsonSerializable(typeof(PolicyTestBody))]
[JsonSerializable(typeof(ServeStateBody))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
