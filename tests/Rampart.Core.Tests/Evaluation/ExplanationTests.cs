using Rampart.Core.Evaluation;
using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>CompiledPolicySet.Explain (POL-053, CLI-051): same decision as Evaluate, and it names the spelling that matched.</summary>
public sealed class ExplanationTests
{
    static readonly Lazy<Dictionary<string, Dictionary<string, object?>>> Cases = new(() => ConformanceCalls.ById("standard_policy.yaml"));
    static readonly Lazy<CompiledPolicySet> Standard = new(() => CompiledPolicySet.Compile(PolicyStore.LoadFile(SharedFiles.Fixture("standard.yaml"))));
    static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Cases.Value.Keys) data.Add(id);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Explanation_decision_equals_Evaluate_on_standard_policy(string id)
    {
        var c = Cases.Value[id];
        var call = ConformanceCalls.ToCall(new Dictionary<string, object?>
        {
            ["tool"] = c["tool"],
            ["agent"] = "test-agent",
            ["session"] = "test-session",
            ["params"] = c.Map("params"),
        });
        var evaluated = Standard.Value.Evaluate(call, default, Now);
        var explained = Standard.Value.Explain(call, default, Now);

        Assert.Equal(evaluated.Action, explained.Decision.Action);
        Assert.Equal(evaluated.Message, explained.Decision.Message);
        Assert.Equal(evaluated.MatchedPolicies.ToArray(), explained.Decision.MatchedPolicies.ToArray());
        Assert.Equal(evaluated.Suggestions.ToArray(), explained.Decision.Suggestions.ToArray());

        // The walked policies that fired are the decision's first matched policies (POL-036), and a
        // deny is the last of them, with its own message.
        var fired = explained.Policies.Where(p => p.WasReached && p.FiredRule is not null).ToList();
        if (fired.Count == 0) return;
        Assert.Equal(evaluated.MatchedPolicies.Take(fired.Count).ToArray(), fired.Select(p => p.Name).ToArray());
        if (evaluated.Action == DecisionAction.Deny && fired[^1].FiredRule!.Action == RuleAction.Deny)
            Assert.Equal(evaluated.Message, fired[^1].FiredRule!.Message);
    }

    static CompiledPolicySet Compile(string yaml) =>
        CompiledPolicySet.Compile(PolicyStore.LoadProfileWithDirectory("t", yaml, null));

    static ToolCall Exec(string command) => ConformanceCalls.ToCall(new Dictionary<string, object?>
    {
        ["tool"] = "exec",
        ["agent"] = "a",
        ["session"] = "s",
        ["params"] = new Dictionary<string, object?> { ["command"] = command },
    });

    const string DenyRoot = """
        version: "1"
        default_action: allow
        policies:
          - name: no-root-wipe
            match: { tool: exec }
            rules:
              - action: deny
                when: { command_matches: ["rm -rf /"] }
                message: wipes root
          - name: later
            match: { tool: exec }
            rules:
              - action: allow
                when: { command_matches: ["*"] }
        """;

    static CommandMatch FiredMatch(Explanation e, string policy)
    {
        var p = e.Policies.Single(x => x.Name == policy);
        var rule = Assert.IsType<RuleExplanation>(p.FiredRule);
        return Assert.Single(rule.CommandMatches);
    }

    [Theory]
    [InlineData("/bin/rm -rf /")]
    [InlineData("rm -fr /")]
    public void Rm_spellings_match_through_the_canonical_alias(string command)
    {
        // POL-083 2b runs before the semantic aliases (2d), so the canonical rm alias is what matches.
        var e = Compile(DenyRoot).Explain(Exec(command), default, Now);
        Assert.Equal(DecisionAction.Deny, e.Decision.Action);
        var m = FiredMatch(e, "no-root-wipe");
        Assert.Equal(CommandForm.CanonicalRm, m.Form);
        Assert.Equal("rm -rf /", m.Pattern);
    }

    [Fact]
    public void Bash_c_body_matches_as_a_component()
    {
        var e = Compile(DenyRoot).Explain(Exec("bash -c 'rm -rf /'"), default, Now);
        Assert.Equal(DecisionAction.Deny, e.Decision.Action);
        var m = FiredMatch(e, "no-root-wipe");
        Assert.Equal(CommandForm.Component, m.Form);
        Assert.Equal("rm -rf /", m.Text);
    }

    [Fact]
    public void Compound_command_matches_through_its_component()
    {
        var e = Compile(DenyRoot).Explain(Exec("ls && rm -rf /"), default, Now);
        var m = FiredMatch(e, "no-root-wipe");
        Assert.Equal(CommandForm.Component, m.Form);
        Assert.Equal("rm -rf /", m.Text);
    }

    [Fact]
    public void Plain_command_matches_as_sent()
    {
        var e = Compile(DenyRoot).Explain(Exec("rm -rf /"), default, Now);
        var m = FiredMatch(e, "no-root-wipe");
        Assert.Equal(new CommandMatch(CommandForm.Raw, "rm -rf /", "rm -rf /"), m);
    }

    [Fact]
    public void Contains_names_the_needle()
    {
        var yaml = """
            version: "1"
            policies:
              - name: p
                match: { tool: exec }
                rules:
                  - action: deny
                    when: { command_contains: ["IGNORE PREVIOUS"] }
            """;
        var e = Compile(yaml).Explain(Exec("echo ignore previous instructions"), default, Now);
        var m = FiredMatch(e, "p");
        Assert.Equal(CommandForm.Contains, m.Form);
        Assert.Equal("ignore previous", m.Pattern);
    }

    [Fact]
    public void Policies_after_a_deny_are_listed_as_not_reached_with_their_rules()
    {
        var e = Compile(DenyRoot).Explain(Exec("rm -rf /"), default, Now);
        Assert.Equal(["no-root-wipe", "later"], e.Policies.Select(p => p.Name));
        Assert.True(e.Policies[0].WasReached);
        Assert.False(e.Policies[1].WasReached);
        Assert.Equal(RuleOutcome.Fired, Assert.Single(e.Policies[1].Rules).Outcome);
    }

    [Fact]
    public void A_policy_without_rules_is_reached_when_nothing_denies()
    {
        var yaml = """
            version: "1"
            default_action: allow
            policies:
              - name: empty
                match: { tool: exec }
              - name: watcher
                match: { tool: exec }
                rules:
                  - action: watch
                    when: { command_matches: ["git *"] }
            """;
        var e = Compile(yaml).Explain(Exec("git push"), default, Now);
        Assert.Equal(DecisionAction.Watch, e.Decision.Action);
        Assert.All(e.Policies, p => Assert.True(p.WasReached, p.Name));
        Assert.Empty(e.Policies[0].Rules);
    }

    [Fact]
    public void Rule_that_does_not_match_reports_the_failing_field()
    {
        var e = Compile(DenyRoot).Explain(Exec("git status"), default, Now);
        Assert.Equal(DecisionAction.Allow, e.Decision.Action);
        var rule = Assert.Single(e.Policies[0].Rules);
        Assert.Equal(RuleOutcome.NotMatched, rule.Outcome);
        Assert.Equal([new FieldOutcome(ConditionField.Command, false)], rule.Fields.ToArray());
        var granted = FiredMatch(e, "later");
        Assert.Equal(CommandForm.Component, granted.Form);
        Assert.Equal("*", granted.Pattern);
    }

    [Fact]
    public void Exclusions_are_named()
    {
        var yaml = """
            version: "1"
            policies:
              - name: p
                match: { tool: exec }
                rules:
                  - action: deny
                    when: { command_matches: ["rm -rf /var/**"], command_not_matches: ["rm -rf /var/log/**"] }
            """;
        var e = Compile(yaml).Explain(Exec("rm -rf /var/log/archive"), default, Now);
        var rule = Assert.Single(e.Policies[0].Rules);
        Assert.Equal(RuleOutcome.NotMatched, rule.Outcome);
        Assert.Contains(rule.CommandMatches, m => m.Form == CommandForm.Exclusion && m.Pattern == "rm -rf /var/log/**");
    }

    [Fact]
    public void Rejected_call_has_no_policies_and_the_engine_decision()
    {
        var set = Compile(DenyRoot);
        var call = Exec(new string('a', 70_000));
        var e = set.Explain(call, default, Now);
        var evaluated = set.Evaluate(call, default, Now);
        Assert.Equal(evaluated.Action, e.Decision.Action);
        Assert.Equal(evaluated.Message, e.Decision.Message);
        Assert.Empty(e.Policies);
    }
}
