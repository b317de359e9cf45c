using System.Collections.Immutable;
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

        // Decisions fully determined by this policy and one rule, built once so the walk can return
        // them without allocating (they are immutable and carry no per-call data).
        NameArray = [Name];
        GuardAsk = new Decision { Action = DecisionAction.Ask, Message = EngineMessages.GuardAsk, MatchedPolicies = NameArray };
        GuardWatch = new Decision { Action = DecisionAction.Watch, Message = EngineMessages.GuardWatch, MatchedPolicies = NameArray };
        var sole = new Decision?[rules.Length];
        var durable = new Decision?[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = rules[i];
            if (rule.Action is not (RuleAction.Deny or RuleAction.Invalid)) sole[i] = SoleFired(rule);
            if (Durable != DurableKind.None && rule.Action == RuleAction.Allow) durable[i] = DurableAllow(rule);
        }
        _sole = sole;
        _durable = durable;
    }

    readonly Decision?[] _sole;
    readonly Decision?[] _durable;

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

    /// <summary><c>[Name]</c>: the <c>matched_policies</c> of every decision only this policy fired for.</summary>
    public ImmutableArray<string> NameArray { get; }

    /// <summary>POL-037/038 guard ask or watch when only this policy fired.</summary>
    public Decision GuardAsk { get; }
    public Decision GuardWatch { get; }

    /// <summary>
    /// The POL-036 result when <paramref name="rule"/> (an allow, watch, ask or webhook) is the only rule
    /// that fired in the walk and no guard or durable allow took over.
    /// </summary>
    public Decision SoleFiredDecision(CompiledRule rule) => _sole[rule.Index]!;

    /// <summary>POL-039 durable allow by <paramref name="rule"/> (an allow rule of a durable policy).</summary>
    public Decision DurableAllowDecision(CompiledRule rule) => _durable[rule.Index]!;

    Decision SoleFired(CompiledRule rule)
    {
        var combination = Combination.Start;
        combination.Apply(this, rule);
        return combination.ToDecision(NameArray);
    }

    Decision DurableAllow(CompiledRule rule)
    {
        var message = rule.Message.Length > 0 ? rule.Message
            : Durable == DurableKind.AutoAllowed ? EngineMessages.DurableAutoAllowed
            : EngineMessages.DurableUserOverride;
        return new Decision
        {
            Action = DecisionAction.Allow,
            Message = message,
            MatchedPolicies = NameArray,
            Once = rule.Rule.Once ? new OnceClaim(Name, rule.Index, Policy.Source) : null,
        };
    }

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
