using System.Collections.Immutable;
using System.Text.Json;
using Rampart.Agents;
using Rampart.Core.Evaluation;
using Rampart.Testing;

namespace Rampart.Tests.Agents;

public sealed class ClaudeHookOutputTests
{
    static readonly Dictionary<string, object?> File = ConformanceYaml.LoadMap(SharedFiles.Conformance("claude_hook.yaml"));

    public static TheoryData<string> OutputVectors()
    {
        var data = new TheoryData<string>();
        foreach (var item in File.List("output_vectors")!) data.Add(((Dictionary<string, object?>)item!).Str("id"));
        return data;
    }

    static Dictionary<string, object?> Case(string id)
    {
        foreach (var item in File.List("output_vectors")!)
        {
            var map = (Dictionary<string, object?>)item!;
            if (map.Str("id") == id) return map;
        }
        throw new KeyNotFoundException(id);
    }

    [Theory]
    [MemberData(nameof(OutputVectors))]
    public void Output_vector_is_byte_identical(string id)
    {
        var c = Case(id);
        var isPost = (bool)c["post_tool_use"]!;
        var verdict = c.Str("decision") switch
        {
            "allow" => HookVerdict.Allow,
            "ask" => HookVerdict.Ask,
            "deny" or "block" => HookVerdict.Deny,
            var other => throw new InvalidDataException(other),
        };
        JsonElement? response = null;
        if (c.ContainsKey("tool_response"))
        {
            using var doc = JsonDocument.Parse(ConformanceYaml.ToJson(c["tool_response"]));
            response = doc.RootElement.Clone();
        }
        var stdout = ClaudeHookOutput.Render(isPost ? HookEventKind.PostToolUse : HookEventKind.PreToolUse,
            new HookAnswer(verdict, c.Str("reason")), response);
        Assert.Equal(c.Str("expect_stdout"), stdout);
    }

    [Fact]
    public void Post_block_without_a_response_omits_hookSpecificOutput()
    {
        var stdout = ClaudeHookOutput.Render(HookEventKind.PostToolUse, new HookAnswer(HookVerdict.Deny, "no"));
        Assert.Equal("{\"decision\":\"block\",\"reason\":\"Rampart: no\"}\n", stdout);
    }

    [Fact]
    public void Post_tool_failure_deny_gives_guidance_that_forbids_workarounds_and_lists_suggestions()
    {
        var answer = new HookAnswer(HookVerdict.Deny, "rm -rf is destructive") { Policy = "block-destructive", Suggestions = ["rampart allow 'rm -rf build'"] };
        var stdout = ClaudeHookOutput.Render(HookEventKind.PostToolUseFailure, answer, null, "rm -rf /");
        using var doc = JsonDocument.Parse(stdout);
        var specific = doc.RootElement.GetProperty("hookSpecificOutput");
        Assert.Equal("PostToolUseFailure", specific.GetProperty("hookEventName").GetString());
        var text = specific.GetProperty("additionalContext").GetString()!;
        Assert.StartsWith("⛔ Blocked [block-destructive]: rm -rf is destructive", text);
        Assert.Contains("Do not retry", text);
        Assert.Contains("rampart policy explain 'rm -rf /'", text);
        Assert.Contains("rampart watch", text);
        Assert.Contains("a human must run", text);
        Assert.Contains("rampart allow 'rm -rf build'", text);
        // Raw UTF-8 as Go writes it, not \u26D4.
        Assert.Contains("⛔", stdout);
    }

    [Fact]
    public void Post_tool_failure_that_is_not_denied_prints_an_empty_object()
    {
        Assert.Equal("{}\n", ClaudeHookOutput.Render(HookEventKind.PostToolUseFailure, HookAnswer.Allow));
    }

    [Fact]
    public void Project_policy_guidance_is_marked()
    {
        var answer = new HookAnswer(HookVerdict.Deny, "x") { Policy = "p", FromProjectPolicy = true };
        Assert.StartsWith("⛔ Blocked [p] [Project Policy]: x", ClaudeHookOutput.Guidance(answer, "ls"));
    }

    [Theory]
    [InlineData(DecisionAction.Allow, HookVerdict.Allow)]
    [InlineData(DecisionAction.Watch, HookVerdict.Allow)]
    [InlineData(DecisionAction.Deny, HookVerdict.Deny)]
    [InlineData(DecisionAction.Ask, HookVerdict.Ask)]
    [InlineData(DecisionAction.Webhook, HookVerdict.Deny)]
    public void Decisions_map_to_hook_verdicts(DecisionAction action, HookVerdict expected)
    {
        var answer = ClaudeHookMapping.Answer(new Decision { Action = action, Message = "m", MatchedPolicies = ["p"] });
        Assert.Equal(expected, answer.Verdict);
        if (action == DecisionAction.Webhook) Assert.Equal(ClaudeHookMapping.WebhookRefusal, answer.Reason);
    }

    [Fact]
    public void Monitor_mode_allows_whatever_the_decision()
    {
        Assert.Equal(HookVerdict.Allow, ClaudeHookMapping.Answer(new Decision { Action = DecisionAction.Deny }, isEnforcing: false).Verdict);
    }

    [Fact]
    public void Project_policy_decisions_are_prefixed()
    {
        var answer = ClaudeHookMapping.Answer(new Decision { Action = DecisionAction.Deny, Message = "no", FromProjectPolicy = true, Suggestions = ImmutableArray.Create("s") });
        Assert.Equal("[Project Policy] no", answer.Reason);
        Assert.True(answer.FromProjectPolicy);
    }
}
