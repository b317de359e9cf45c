using Rampart.Core.Evaluation;
using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>
/// conditions.yaml: each case's <c>when</c> becomes the only rule of a one-policy configuration;
/// the rule matched exactly when the decision carries the rule's action. The default is chosen so
/// that "not matched" is distinguishable (deny under an allow rule, allow otherwise).
/// </summary>
public sealed class ConditionConformanceTests
{
    static readonly Lazy<Dictionary<string, Dictionary<string, object?>>> Cases = new(() => ConformanceCalls.ById("conditions.yaml"));

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Cases.Value.Keys) data.Add(id);
        return data;
    }

    static RuleAction ToRule(DecisionAction a) => a switch
    {
        DecisionAction.Allow => RuleAction.Allow,
        DecisionAction.Deny => RuleAction.Deny,
        DecisionAction.Watch => RuleAction.Watch,
        DecisionAction.Ask => RuleAction.Ask,
        _ => RuleAction.Webhook,
    };

    /// <summary>A condition made of list keys only (the shapes the loader-rejected vectors use).</summary>
    static Condition ListCondition(Dictionary<string, object?> when)
    {
        System.Collections.Immutable.ImmutableArray<string> L(string key) =>
            when.List(key) is { } list ? [.. list.Select(x => x?.ToString() ?? "")] : [];
        foreach (var key in when.Keys)
        {
            if (!key.StartsWith("command_", StringComparison.Ordinal) && !key.StartsWith("path_", StringComparison.Ordinal))
                throw new InvalidDataException("unsupported key for a loader-rejected vector: " + key);
        }
        return new Condition
        {
            CommandMatches = L("command_matches"),
            CommandNotMatches = L("command_not_matches"),
            CommandContains = L("command_contains"),
            CommandEnvAssignments = L("command_env_assignments"),
            PathMatches = L("path_matches"),
            PathNotMatches = L("path_not_matches"),
        };
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Condition_matches_like_upstream(string id)
    {
        var c = Cases.Value[id];
        var action = c.Str("action");
        var expected = ConformanceCalls.ParseAction(action);
        var defaultAction = expected == DecisionAction.Allow ? "deny" : "allow";
        var yaml =
            "version: \"1\"\n" +
            "default_action: " + defaultAction + "\n" +
            "policies:\n" +
            "  - name: condition-under-test\n" +
            "    rules:\n" +
            "      - action: " + action + "\n" +
            "        message: fired\n" +
            (expected == DecisionAction.Webhook ? "        webhook: {url: \"https://hooks.example.invalid/x\"}\n" : "") +
            "        when: " + ConformanceCalls.ToYamlFlow(c["condition"]) + "\n";
        PolicyConfig config;
        try
        {
            var document = PolicyYaml.Parse(yaml, "/conditions/policy.yaml");
            config = new PolicyConfig { DefaultAction = document.DefaultAction, Policies = document.Policies };
        }
        catch (PolicyLoadException)
        {
            // Matcher-level vectors the loader rejects (e.g. an empty command_contains entry,
            // POL-020) still pin the condition semantics: build the model directly.
            config = new PolicyConfig
            {
                DefaultAction = defaultAction,
                Policies =
                [
                    new Policy
                    {
                        Name = "condition-under-test",
                        Rules = [new PolicyRule { Action = ToRule(expected), RawAction = action, Message = "fired", When = ListCondition(c.Map("condition")!) }],
                    },
                ],
            };
        }
        var set = CompiledPolicySet.Compile(config);

        var decision = set.Evaluate(ConformanceCalls.ToCall(c.Map("call")!), default, DateTimeOffset.UtcNow, new CallCounter());
        var matched = decision.Action == expected && decision.Message == "fired";
        Assert.True((bool)c["expect"]! == matched, $"{id}: expected match={c["expect"]}, decision {decision.Action.ToWire()} \"{decision.Message}\"");
    }
}
