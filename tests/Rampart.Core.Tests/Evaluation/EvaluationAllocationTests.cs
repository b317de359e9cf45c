using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Matching;
using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>
/// The hot path's allocation budget (the design card: "the hot path does not allocate"), measured
/// exactly with the thread's allocation counter, and the shortcut that makes it possible checked
/// against the full shell analysis.
/// </summary>
public sealed class EvaluationAllocationTests
{
    const int Calls = 200;

    static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    static ToolCall Call(string tool, string key, string value) => new()
    {
        Tool = tool,
        Agent = "claude-code",
        Session = "repo/main",
        Params = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            [key] = JsonDocument.Parse(JsonSerializer.Serialize(value, DiffJson.Default.String)).RootElement.Clone(),
        },
    };

    static Policy ExecPolicy(string name, RuleAction action, string pattern, int priority = 100) => new()
    {
        Name = name,
        Priority = priority,
        Match = new PolicyMatch { Tools = ["exec"] },
        Rules =
        [
            new PolicyRule
            {
                Action = action,
                RawAction = action.ToString().ToLowerInvariant(),
                When = new Condition { CommandMatches = [pattern] },
                Message = name + " fired",
            },
        ],
        Source = "/test/policies.yaml",
    };

    static readonly CompiledPolicySet FewPolicies = CompiledPolicySet.Compile(new PolicyConfig
    {
        DefaultAction = "deny",
        Policies =
        [
            ExecPolicy("block-destructive", RuleAction.Deny, "rm -rf *", priority: 1),
            ExecPolicy("block-curl-pipe", RuleAction.Deny, "curl * | *", priority: 5),
            ExecPolicy("allow-git", RuleAction.Allow, "git *"),
            ExecPolicy("allow-ls", RuleAction.Allow, "ls *"),
        ],
    });

    /// <summary>Bytes per call of <paramref name="action"/> after warm-up (the thread counter is exact).</summary>
    static long BytesPerCall(Action action)
    {
        for (var i = 0; i < 20; i++) action();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++) action();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
    }

    [Fact]
    public void Allowed_plain_command_allocates_only_the_command_text()
    {
        var call = Call("exec", "command", "git status");
        var decision = FewPolicies.Evaluate(call, default, Now);
        Assert.Equal(DecisionAction.Allow, decision.Action);
        Assert.Equal("allow-git fired", decision.Message);
        Assert.Equal<string>(["allow-git"], decision.MatchedPolicies);

        // The one unavoidable allocation: JsonElement.GetString materialises the command once per call.
        var element = call.Params["command"];
        var commandText = BytesPerCall(() => element.GetString());
        var evaluation = BytesPerCall(() => FewPolicies.Evaluate(call, default, Now));
        Assert.InRange(evaluation, 0, commandText);
    }

    [Fact]
    public void Allowed_plain_command_under_the_standard_profile_allocates_only_the_command_text()
    {
        var set = CompiledPolicySet.Compile(PolicyStore.LoadFile(SharedFiles.Fixture("standard.yaml")));
        var call = Call("exec", "command", "git status");
        Assert.Equal(DecisionAction.Allow, set.Evaluate(call, default, Now).Action);

        var element = call.Params["command"];
        var commandText = BytesPerCall(() => element.GetString());
        Assert.InRange(BytesPerCall(() => set.Evaluate(call, default, Now)), 0, commandText);
    }

    [Fact]
    public void Default_decision_without_any_policy_in_scope_allocates_nothing()
    {
        var call = Call("read", "file_path", "");
        Assert.Equal(EngineMessages.NoMatchingPolicy, FewPolicies.Evaluate(call, default, Now).Message);
        Assert.Equal(0, BytesPerCall(() => FewPolicies.Evaluate(call, default, Now)));
    }

    [Fact]
    public void Repeated_decisions_are_equal_to_the_first()
    {
        // Cached decisions must not leak state from one call into the next.
        foreach (var command in new[] { "git status", "rm -rf /", "ls -la", "curl x | sh", "echo hi" })
        {
            var call = Call("exec", "command", command);
            var first = FewPolicies.Evaluate(call, default, Now);
            for (var i = 0; i < 3; i++)
            {
                var again = FewPolicies.Evaluate(call, default, Now);
                Assert.Equal(first.Action, again.Action);
                Assert.Equal(first.Message, again.Message);
                Assert.Equal<string>(first.MatchedPolicies, again.MatchedPolicies);
                Assert.Equal<string>(first.Suggestions, again.Suggestions);
            }
        }
    }

    /// <summary>The plain ones among every string of the shell, engine and condition vectors and generated word lists.</summary>
    public static TheoryData<string> PlainCommands()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { "shellparse.yaml", "engine.yaml", "conditions.yaml", "standard_policy.yaml", "suggestions.yaml" })
        {
            ConformanceYaml.CollectStrings(ConformanceYaml.LoadFile(SharedFiles.Conformance(file)), found);
        }
        string[] firsts =
        [
            "git", "ls", "Rm", "FIND", "env", "Env:PATH", "sudo", "bash", "CMD", "pwsh.exe", "eval", "IF", "then", "export",
            "set", "Set-Item", "busybox", "timeout", "nohup", "FOO=1", "./run", "x=", "case", "do", "!", "rmdir", "finder",
        ];
        string[] rests = ["", " status", " -rf /", " a=b", " *.go", " -c ls", " a  b", " a\tb", " rm -rf /", " ~/x", " 50%", " a:b,c+d@e"];
        foreach (var first in firsts)
        {
            foreach (var rest in rests) found.Add(first + rest);
        }
        var data = new TheoryData<string>();
        foreach (var s in found)
        {
            if (s.Length < 400 && PlainCommand.Is(s)) data.Add(s);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PlainCommands))]
    public void Plain_command_shortcut_agrees_with_the_full_analysis(string command)
    {
        var analysis = CommandAnalysis.Of(command);
        Assert.Equal(command, analysis.Normalized);
        Assert.Equal(command, ShellText.Normalize(command));
        Assert.Equal([command], analysis.Segments);
        Assert.Empty(analysis.SubCommands);
        Assert.Equal([command], analysis.Components);
        Assert.False(analysis.IsComposite);
        Assert.Equal([command], ShellForms.RestrictiveCandidates(command));
        Assert.Empty(ShellForms.CanonicalRmAliases(command, out var overflow));
        Assert.False(overflow);
        Assert.Empty(ShellForms.SemanticAliases(command));
        Assert.Empty(ShellForms.AlternateReadings(command));
        Assert.Empty(ShellForms.EnvAssignmentNames(command));
        Assert.Null(ShellText.WrapperDialect(command));
    }

    [Theory]
    [InlineData("git status", true)]
    [InlineData("ls -la src/*.go", true)]
    [InlineData("rm -rf /", false)]
    [InlineData("git status; rm -rf /", false)]
    [InlineData("git  status", false)]
    [InlineData(" git status", false)]
    [InlineData("FOO=1 git status", false)]
    [InlineData("/usr/bin/git status", false)]
    [InlineData("bash -c ls", false)]
    [InlineData("echo $(id)", false)]
    [InlineData("env:PATH x", false)]
    [InlineData("Find . -delete", false)]
    public void Plain_commands_are_recognised_conservatively(string command, bool plain) =>
        Assert.Equal(plain, PlainCommand.Is(command));
}
