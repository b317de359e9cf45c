using System.Collections.Immutable;
using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation;

/// <summary>
/// The running result of the policy walk (POL-036): deny &gt; webhook &gt; ask &gt; watch &gt; allow.
/// Deny never reaches here — the walk returns on it at once.
/// </summary>
internal struct Combination
{
    public DecisionAction Final;
    public string Message;
    public bool Audit;
    public bool HeadlessOnly;
    public bool FromProject;
    public WebhookOptions? Webhook;
    public OnceClaim? Once;
    /// <summary>A rule of a non-project policy fired (POL-038).</summary>
    public bool GlobalFired;
    public bool AnyFired;

    public static Combination Start => new() { Final = DecisionAction.Allow, Message = "" };

    /// <summary>The POL-041 decision of a walk that ended with this state (no guard, no durable allow).</summary>
    public readonly Decision ToDecision(ImmutableArray<string> matchedPolicies) => new()
    {
        Action = Final,
        Message = Message,
        MatchedPolicies = matchedPolicies,
        FromProjectPolicy = FromProject,
        AskAudit = Audit,
        HeadlessOnly = HeadlessOnly,
        Webhook = Final == DecisionAction.Webhook ? Webhook : null,
        Once = Final == DecisionAction.Allow ? Once : null,
    };

    /// <summary>Applies one firing non-deny rule of <paramref name="policy"/>.</summary>
    public void Apply(CompiledPolicy policy, CompiledRule rule)
    {
        AnyFired = true;
        if (!policy.IsProject) GlobalFired = true;
        switch (rule.Action)
        {
            case RuleAction.Webhook:
                if (Final != DecisionAction.Webhook)
                {
                    // Upstream quirk (POL-036): an earlier ask's audit/headless flags survive.
                    Final = DecisionAction.Webhook;
                    Message = rule.Message;
                    FromProject = policy.IsProject;
                    Webhook = rule.Rule.Webhook;
                }
                break;
            case RuleAction.Ask:
                if (Final is not (DecisionAction.Webhook or DecisionAction.Ask))
                {
                    Final = DecisionAction.Ask;
                    Message = rule.Message;
                    FromProject = policy.IsProject;
                    Audit = rule.Rule.Ask.Audit;
                    HeadlessOnly = rule.Rule.Ask.HeadlessOnly;
                }
                break;
            case RuleAction.Watch:
                // Upstream quirk: a watch replaces a message an earlier allow set.
                if (Final == DecisionAction.Allow)
                {
                    Final = DecisionAction.Watch;
                    Message = rule.Message;
                    FromProject = policy.IsProject;
                    Audit = false;
                    HeadlessOnly = false;
                }
                break;
            case RuleAction.Allow:
                // The first non-empty allow message wins; while all are empty the last allow
                // supplies from_project and the once claim.
                if (Final == DecisionAction.Allow && Message.Length == 0)
                {
                    Message = rule.Message;
                    FromProject = policy.IsProject;
                    Audit = false;
                    HeadlessOnly = false;
                    Once = rule.Rule.Once ? new OnceClaim(policy.Name, rule.Index, policy.Policy.Source) : null;
                }
                break;
        }
    }
}
