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
        var document = PolicyYaml.Parse(yaml, "/conditions/policy.yaml");
        var config = new PolicyConfig { DefaultAction = document.DefaultAction, Policies = document.Policies };
        var set = CompiledPolicySet.Compile(config);

        var decision = set.Evaluate(ConformanceCalls.ToCall(c.Map("call")!), default, DateTimeOffset.UtcNow, new CallCounter());
        var matched = decision.Action == expected && decision.Message == "fired";
        Assert.True((bool)c["expect"]! == matched, $"{id}: expected match={c["expect"]}, decision {decision.Action.ToWire()} \"{decision.Message}\"");
    }
}
