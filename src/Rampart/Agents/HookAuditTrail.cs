using System.Text.Json;
using Rampart.Core.Audit;
using Rampart.Core.Evaluation;

namespace Rampart.Agents;

/// <summary>
/// The local hook's share of the audit trail (CLI-076, AUD-056, AUD-063): one record per hook run,
/// appended to the same chain the server writes, under the same lock. A hook runs once per tool call,
/// so each record opens the writer from the checkpoint (no full scan), appends without fsync and closes.
/// </summary>
/// <param name="directory">The <c>--audit-dir</c> (default <c>~/.rampart/audit</c>, created 0700, AUD-001).</param>
internal sealed class HookAuditTrail(string directory)
{
    public const string Refusal = "Rampart audit storage is unavailable; refusing host data";

    public string Directory => directory;

    /// <summary>The record of one evaluated call; <paramref name="action"/> overrides the decision's (<c>feedback</c>, AUD-063).</summary>
    public void Record(ToolCall call, Decision decision, string? action = null)
    {
        // The hook cannot run webhooks and refuses instead (CLI-076): the record says what happened.
        var isRefusedWebhook = action is null && decision.Action == DecisionAction.Webhook;
        Append(new AuditEvent
        {
            Agent = call.Agent,
            Session = call.Session,
            RunId = call.RunId,
            ToolCallId = call.ToolCallId,
            Tool = call.Tool,
            Request = AuditValue.FromJson(call.Params),
            Decision = new AuditDecision
            {
                Action = isRefusedWebhook ? "deny" : action ?? decision.Action.ToWire(),
                MatchedPolicies = decision.MatchedPolicies.IsDefault ? [] : decision.MatchedPolicies,
                EvaluationTimeUs = (long)decision.EvalDuration.TotalMicroseconds,
                Message = isRefusedWebhook ? ClaudeHookMapping.WebhookRefusal : ClaudeHookMapping.Message(decision),
                Suggestions = decision.Suggestions.IsDefault ? [] : decision.Suggestions,
            },
        });
    }

    /// <summary>A refusal the hook made without the policy engine (unknown post-tool response, CLI-076).</summary>
    public void RecordRefusal(HookEvent e, string session, string message) =>
        Append(new AuditEvent
        {
            Agent = e.Agent,
            Session = session,
            RunId = e.RunId,
            ToolCallId = e.ToolUseId,
            Tool = e.Tool,
            Request = AuditValue.FromJson(e.Params),
            Decision = new AuditDecision { Action = "deny", Message = message },
        });

    /// <summary>A payload that failed to parse (AUD-063): <c>tool:"unknown"</c>, the format as agent, <c>request:{"raw_error":…}</c>.</summary>
    public void RecordParseFailure(string error, bool isEnforcing) =>
        Append(new AuditEvent
        {
            Agent = "claude-code",
            Tool = "unknown",
            Request = AuditValue.Object([new("raw_error", AuditValue.From(error))]),
            // Monitor/audit let the call through (CLI-079); the record says what actually happened.
            Decision = new AuditDecision { Action = isEnforcing ? "deny" : "allow", Message = "parse failure: " + error },
        });

    /// <summary>Throws <see cref="HookRefusalException"/> when the record could not be written (CLI-079).</summary>
    void Append(AuditEvent evt)
    {
        try
        {
            var writer = AuditWriter.Open(new AuditWriterOptions { Directory = directory, StartFromCheckpoint = true, Fsync = false });
            try
            {
                writer.AppendAsync(evt).AsTask().GetAwaiter().GetResult();
            }
            finally
            {
                writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception ex) when (ex is AuditUnavailableException or IOException or UnauthorizedAccessException or JsonException)
        {
            throw new HookRefusalException(Refusal, $"audit: {directory}: {ex.Message}");
        }
    }
}
