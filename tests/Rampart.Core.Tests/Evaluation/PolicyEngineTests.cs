using System.Collections.Immutable;
using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;
using YamlDotNet.RepresentationModel;

namespace Rampart.Core.Tests.Evaluation;

public sealed class PolicyEngineTests
{
    static ToolCall Exec(string command, string tool = "exec") => new()
    {
        Tool = tool,
        Agent = "main",
        Params = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["command"] = JsonDocument.Parse(JsonSerializer.Serialize(command, DiffJson.Default.String)).RootElement.Clone(),
        },
    };

    static PolicyRule Rule(RuleAction action, string pattern, string message, bool once = false) => new()
    {
        Action = action,
        RawAction = action.ToString().ToLowerInvariant(),
        When = new Condition { CommandMatches = [pattern] },
        Message = message,
        Once = once,
    };

    const string OnceYaml = """
        version: "1"
        default_action: deny
        policies:
          - name: one-time
            match:
              tool: exec
            rules:
              - action: allow
                when:
                  command_matches: ["deploy *"]
                message: "allowed once"
                once: true
              - action: allow
                when:
                  command_matches: ["git *"]
                message: "git ok"
        """;

    static (PolicyEngine Engine, string File, DirectoryInfo Dir) OnceEngine(string? source = null)
    {
        var dir = Directory.CreateTempSubdirectory("rampart-once-");
        var file = Path.Combine(dir.FullName, "custom.yaml");
        File.WriteAllText(file, OnceYaml);
        var config = new PolicyConfig
        {
            DefaultAction = "deny",
            Policies =
            [
                new Policy
                {
                    Name = "one-time",
                    Match = new PolicyMatch { Tools = ["exec"] },
                    Rules = [Rule(RuleAction.Allow, "deploy *", "allowed once", once: true), Rule(RuleAction.Allow, "git *", "git ok")],
                    Source = source ?? file,
                },
            ],
        };
        return (new PolicyEngine(CompiledPolicySet.Compile(config)), file, dir);
    }

    [Fact]
    public void Once_allow_is_consumed_by_the_first_enforced_call_and_removed_from_its_file()
    {
        var (engine, file, dir) = OnceEngine();
        try
        {
            var preview = engine.Evaluate(Exec("deploy prod"));
            Assert.Equal(DecisionAction.Allow, preview.Action);
            Assert.Equal(new OnceClaim("one-time", 0, file), preview.Once);

            var first = engine.Enforce(Exec("deploy prod"));
            Assert.Equal(DecisionAction.Allow, first.Action);
            Assert.Equal("allowed once", first.Message);

            var second = engine.Enforce(Exec("deploy prod"));
            Assert.Equal(DecisionAction.Deny, second.Action);
            Assert.Equal(DecisionAction.Allow, engine.Enforce(Exec("git status")).Action);

            // The file keeps the other rule and no longer holds the once rule.
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            var root = (YamlMappingNode)stream.Documents[0].RootNode;
            var rules = (YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)root["policies"]).Children[0])["rules"];
            Assert.Single(rules.Children);
            Assert.Equal("git ok", ((YamlScalarNode)((YamlMappingNode)rules.Children[0])["message"]).Value);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Once_claim_rewrites_a_file_the_strict_loader_still_accepts()
    {
        var dir = Directory.CreateTempSubdirectory("rampart-once-");
        try
        {
            var file = Path.Combine(dir.FullName, "custom.yaml");
            File.WriteAllText(file, OnceYaml);
            var engine = new PolicyEngine(CompiledPolicySet.Compile(PolicyStore.LoadFile(file)), reload: () => PolicyStore.LoadFile(file));

            Assert.Equal(DecisionAction.Allow, engine.Enforce(Exec("deploy prod")).Action);
            Assert.Equal(DecisionAction.Deny, engine.Enforce(Exec("deploy prod")).Action);

            var reloaded = PolicyStore.LoadFile(file);
            var policy = Assert.Single(reloaded.Policies);
            var rule = Assert.Single(policy.Rules);
            Assert.Equal("git ok", rule.Message);
            Assert.Equal(1, engine.Current.RuleCount);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Claiming_the_last_rule_removes_its_policy()
    {
        var dir = Directory.CreateTempSubdirectory("rampart-once-");
        try
        {
            var file = Path.Combine(dir.FullName, "custom.yaml");
            File.WriteAllText(file, """
                version: "1"
                default_action: deny
                policies:
                  - name: only-once
                    rules:
                      - action: allow
                        when: {command_matches: ["deploy *"]}
                        once: true
                """);
            var engine = new PolicyEngine(CompiledPolicySet.Compile(PolicyStore.LoadFile(file)), reload: () => PolicyStore.LoadFile(file));
            Assert.Equal(DecisionAction.Allow, engine.Enforce(Exec("deploy prod")).Action);
            Assert.Empty(PolicyStore.LoadFile(file).Policies);
            Assert.Equal(0, engine.Current.PolicyCount);
            Assert.Equal(DecisionAction.Deny, engine.Enforce(Exec("deploy prod")).Action);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Preview_never_consumes_a_once_allow()
    {
        var (engine, file, dir) = OnceEngine();
        try
        {
            var before = File.ReadAllText(file);
            for (var i = 0; i < 3; i++) Assert.Equal(DecisionAction.Allow, engine.Evaluate(Exec("deploy prod")).Action);
            Assert.Equal(before, File.ReadAllText(file));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Once_allow_that_cannot_be_claimed_fails_closed()
    {
        var (engine, _, dir) = OnceEngine(source: "embedded:standard");
        try
        {
            var decision = engine.Enforce(Exec("deploy prod"));
            Assert.Equal(DecisionAction.Deny, decision.Action);
            Assert.Equal("one-time authorization could not be claimed; failing closed", decision.Message);
            Assert.Null(decision.Once);
            Assert.Equal(["rampart allow \"deploy prod\"", "rampart allow \"deploy *\""], decision.Suggestions.ToArray());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Counter_capacity_failure_denies_the_call()
    {
        var config = new PolicyConfig
        {
            DefaultAction = "allow",
            Policies =
            [
                new Policy
                {
                    Name = "rate",
                    Rules = [new PolicyRule { Action = RuleAction.Deny, RawAction = "deny", When = new Condition { CallCount = new CallCountCondition("", 5, "1m", TimeSpan.FromMinutes(1)) } }],
                },
            ],
        };
        var engine = new PolicyEngine(CompiledPolicySet.Compile(config));
        var decision = engine.Enforce(Exec("ls", tool: new string('t', 300)));
        Assert.Equal(DecisionAction.Deny, decision.Action);
        Assert.Equal("call counter capacity unavailable; refusing tool call", decision.Message);
        Assert.Empty(engine.CallCounts);
    }

    [Fact]
    public void Enforce_records_only_calls_some_rule_counts()
    {
        var config = new PolicyConfig
        {
            DefaultAction = "allow",
            Policies =
            [
                new Policy
                {
                    Name = "rate",
                    Match = new PolicyMatch { Tools = ["read"] },
                    Rules = [new PolicyRule { Action = RuleAction.Deny, RawAction = "deny", When = new Condition { CallCount = new CallCountCondition(" fetch ", 2, "1m", TimeSpan.FromMinutes(1)) } }],
                },
            ],
        };
        var engine = new PolicyEngine(CompiledPolicySet.Compile(config));
        engine.Enforce(Exec("ls"));
        engine.Enforce(new ToolCall { Tool = "fetch" });
        engine.Evaluate(new ToolCall { Tool = "fetch" });
        Assert.Equal(new Dictionary<string, int> { ["fetch"] = 1 }, engine.CallCounts);
    }

    [Fact]
    public void Swap_replaces_the_configuration_atomically()
    {
        var deny = new PolicyConfig { DefaultAction = "deny" };
        var allow = new PolicyConfig { DefaultAction = "allow" };
        var engine = new PolicyEngine(CompiledPolicySet.Compile(deny));
        Assert.Equal(DecisionAction.Deny, engine.Evaluate(Exec("ls")).Action);
        var next = CompiledPolicySet.Compile(allow);
        engine.Swap(next);
        Assert.Same(next, engine.Current);
        Assert.Equal(DecisionAction.Allow, engine.Evaluate(Exec("ls")).Action);
    }

    [Fact]
    public void Concurrent_evaluations_agree_with_sequential_ones()
    {
        var config = new PolicyConfig
        {
            DefaultAction = "deny",
            Policies =
            [
                new Policy { Name = "git", Match = new PolicyMatch { Tools = ["exec"] }, Rules = [Rule(RuleAction.Allow, "git *", "git ok")] },
                new Policy { Name = "rm", Priority = 1, Rules = [Rule(RuleAction.Deny, "rm -rf *", "no rm")] },
                new Policy { Name = "ls", Match = new PolicyMatch { Tools = ["exec"] }, Rules = [Rule(RuleAction.Watch, "ls*", "watched")] },
            ],
        };
        var set = CompiledPolicySet.Compile(config);
        string[] commands = ["git status", "rm -rf /", "ls -la", "git status && ls", "echo hi"];
        var expected = commands.Select(c => set.Evaluate(Exec(c), default, DateTimeOffset.UtcNow)).ToArray();
        Parallel.For(0, 2000, i =>
        {
            var k = i % commands.Length;
            var d = set.Evaluate(Exec(commands[k]), default, DateTimeOffset.UtcNow);
            Assert.Equal(expected[k].Action, d.Action);
            Assert.Equal(expected[k].Message, d.Message);
            // ImmutableArray equality is by reference; compare the contents.
            Assert.Equal(expected[k].MatchedPolicies.ToArray(), d.MatchedPolicies.ToArray());
        });
    }
}
