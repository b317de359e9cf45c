using System.Collections.Immutable;
using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation;

/// <summary>The outcome kinds of an evaluation (POL-041), strongest first in combination: deny &gt; webhook &gt; ask &gt; watch &gt; allow.</summary>
public enum DecisionAction
{
    Allow,
    Deny,
    Watch,
    Ask,
    Webhook,
}

/// <summary>(policy name, rule index, source file) of a consumed <c>once</c> allow (POL-044).</summary>
public sealed record OnceClaim(string PolicyName, int RuleIndex, string Source);

/// <summary>The result of evaluating one call (POL-041).</summary>
public sealed record Decision
{
    public DecisionAction Action { get; init; }
    public string Message { get; init; } = "";
    public ImmutableArray<string> MatchedPolicies { get; init; } = [];
    public bool FromProjectPolicy { get; init; }
    /// <summary>Ask with <c>ask.audit: true</c>.</summary>
    public bool AskAudit { get; init; }
    /// <summary>Ask with <c>ask.headless_only: true</c>.</summary>
    public bool HeadlessOnly { get; init; }
    public WebhookOptions? Webhook { get; init; }
    public ImmutableArray<string> Suggestions { get; init; } = [];
    public OnceClaim? Once { get; init; }
    public TimeSpan EvalDuration { get; init; }

    /// <summary>"Allowed" for callers means allow or watch (POL-041).</summary>
    public bool IsAllowed => Action is DecisionAction.Allow or DecisionAction.Watch;

    /// <summary>What the HTTP API reports as <c>policy</c>: the first matched policy, or "".</summary>
    public string Policy => MatchedPolicies.IsDefaultOrEmpty ? "" : MatchedPolicies[0];
}

/// <summary>Wire spellings of decision actions.</summary>
public static class DecisionActions
{
    public static string ToWire(this DecisionAction action) => action switch
    {
        DecisionAction.Allow => "allow",
        DecisionAction.Deny => "deny",
        DecisionAction.Watch => "watch",
        DecisionAction.Ask => "ask",
        DecisionAction.Webhook => "webhook",
        _ => "deny",
    };
}
