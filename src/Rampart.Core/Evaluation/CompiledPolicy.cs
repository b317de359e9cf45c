using Rampart.Core.Evaluation.Conditions;
using Rampart.Core.Matching;
using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation;

/// <summary>Which durable-allow file a policy came from (POL-039).</summary>
internal enum DurableKind
{
    None,
    UserOverrides,
    AutoAllowed,
}

/// <summary>One enabled policy, scope and rules precompiled.</summary>
internal sealed class CompiledPolicy
{
    public CompiledPolicy(Policy policy, int order)
    {
        Policy = policy;
        Order = order;
        Priority = policy.EffectivePriority;
        Name = policy.Name;
        IsProject = policy.IsProject;
        ProfileName = policy.ProfileName;
        Durable = DurableOf(policy);
        Agent = GlobPattern.Compile(policy.Match.EffectiveAgent);
        Session = GlobPattern.Compile(policy.Match.EffectiveSession);
        AgentIsStar = policy.Match.EffectiveAgent == "*";
        SessionIsStar = policy.Match.EffectiveSession == "*";
        var tools = policy.Match.Tools;
        Tools = tools.IsDefaultOrEmpty ? GlobSet.Empty : GlobSet.Compile(tools);
        AllTools = tools.IsDefaultOrEmpty;
        IsToolIndexed = CompiledPolicySet.IsLiteralOnly(tools);

        var rules = new CompiledRule[policy.Rules.Length];
        for (var i = 0; i < rules.Length; i++) rules[i] = new CompiledRule(policy.Rules[i], i, Durable != DurableKind.None);
        Rules = rules;
        foreach (var r in rules)
        {
            if (r.Condition.HasResponseMatches) HasResponseMatches = true;
        }
    }

    public Policy Policy { get; }
    /// <summary>Position in the configuration (the order candidates are collected in, POL-033 step 4).</summary>
    public int Order { get; }
    public int Priority { get; }
    public string Name { get; }
    public bool IsProject { get; }
    public string ProfileName { get; }
    public DurableKind Durable { get; }
    public GlobPattern Agent { get; }
    public GlobPattern Session { get; }
    public bool AgentIsStar { get; }
    public bool SessionIsStar { get; }
    public GlobSet Tools { get; }
    public bool AllTools { get; }
    /// <summary>Every tool pattern is a literal: the tool index alone decides the tool part of the scope.</summary>
    public bool IsToolIndexed { get; }
    public CompiledRule[] Rules { get; }
    public bool HasResponseMatches { get; }

    /// <summary>POL-016 agent and session part of the scope (the tool part is decided by the index or <see cref="MatchesTool"/>).</summary>
    public bool MatchesCaller(ToolCall call) =>
        (AgentIsStar || Agent.IsMatch(call.Agent)) && (SessionIsStar || Session.IsMatch(call.Session));

    public bool MatchesTool(string tool) => AllTools || Tools.IsMatchAny(tool);

    static DurableKind DurableOf(Policy policy)
    {
        // POL-039: decided by the file the policy came from; project and embedded sources never qualify.
        if (policy.IsProject || policy.Source.StartsWith(ProfileNames.EmbeddedPrefix, StringComparison.Ordinal)) return DurableKind.None;
        return policy.ProfileName.ToLowerInvariant() switch
        {
            "user-overrides" => DurableKind.UserOverrides,
            "auto-allowed" => DurableKind.AutoAllowed,
            _ => DurableKind.None,
        };
    }
}

/// <summary>One rule with its condition compiled for the semantics of its own action (POL-046).</summary>
internal sealed class CompiledRule
{
    public CompiledRule(PolicyRule rule, int index, bool durable)
    {
        Rule = rule;
        Index = index;
        Action = rule.Action;
        Message = rule.Message;
        ExpiresAt = rule.ExpiresAt;
        Condition = new CompiledCondition(rule.When, rule.IsRestrictive, compileStrict: durable);
    }

    public PolicyRule Rule { get; }
    public int Index { get; }
    public RuleAction Action { get; }
    public string Message { get; }
    public DateTimeOffset? ExpiresAt { get; }
    public CompiledCondition Condition { get; }

    /// <summary>POL-017: skipped once <c>now &gt; expires_at</c>.</summary>
    public bool HasExpired(DateTimeOffset now) => ExpiresAt is { } at && now > at;
}
