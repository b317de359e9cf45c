using System.Text;
using System.Text.Json;
using Rampart.Agents;

namespace Rampart.Tests.Agents;

public sealed class RemoteEvaluationTests
{
    static HookEvent Event(string stdin)
    {
        var input = ClaudeHookParser.Parse(Encoding.UTF8.GetBytes(stdin), default);
        Assert.Equal(HookInputStatus.Parsed, input.Status);
        return input.Event!;
    }

    static readonly HookEvent Pre = Event("""{"hook_event_name":"PreToolUse","session_id":"s","cwd":"/w","tool_use_id":"t1","tool_name":"Read","tool_input":{"file_path":"/etc/passwd"}}""");
    static readonly HookEvent Post = Event("""{"hook_event_name":"PostToolUse","session_id":"s","tool_name":"Bash","tool_input":{"command":"env"},"tool_response":{"stdout":"AKIA","stderr":""}}""");
    static readonly HookEvent Failure = Event("""{"hook_event_name":"PostToolUseFailure","session_id":"s","tool_name":"Bash","tool_input":{"command":"rm -rf /"},"tool_response":"exit 1"}""");

    static RemoteVerdict Interpret(HookEvent e, int status, string body) => RemoteEvaluation.Interpret(e, status, Encoding.UTF8.GetBytes(body));

    [Fact]
    public void Pre_tool_use_goes_to_preflight_and_post_tool_use_to_the_response_route()
    {
        Assert.Equal("/v1/preflight/read", RemoteEvaluation.PathFor(Pre));
        Assert.Equal("/v1/response/exec", RemoteEvaluation.PathFor(Post));
        Assert.Equal("/v1/preflight/exec", RemoteEvaluation.PathFor(Failure));
    }

    [Fact]
    public void Preflight_body_carries_the_call_as_CLI_082_lists_it()
    {
        using var doc = JsonDocument.Parse(RemoteEvaluation.Body(Pre, "repo/main", enforce: true));
        var root = doc.RootElement;
        Assert.Equal("claude-code", root.GetProperty("agent").GetString());
        Assert.Equal("repo/main", root.GetProperty("session").GetString());
        Assert.Equal("s", root.GetProperty("run_id").GetString());
        Assert.Equal("t1", root.GetProperty("tool_call_id").GetString());
        Assert.Equal("/w", root.GetProperty("cwd").GetString());
        Assert.Equal("/etc/passwd", root.GetProperty("params").GetProperty("path").GetString());
        Assert.Equal("/etc/passwd", root.GetProperty("params").GetProperty("file_path").GetString());
        Assert.True(root.GetProperty("enforce").GetBoolean());
        Assert.False(root.TryGetProperty("response", out _));
    }

    [Fact]
    public void Response_body_adds_the_scanned_text()
    {
        using var doc = JsonDocument.Parse(RemoteEvaluation.Body(Post, "", enforce: true));
        Assert.Equal("AKIA", doc.RootElement.GetProperty("response").GetString());
    }

    [Fact]
    public void Failure_events_are_a_pure_evaluation_without_agent_or_session()
    {
        using var doc = JsonDocument.Parse(RemoteEvaluation.Body(Failure, "repo/main", enforce: true));
        Assert.Equal("", doc.RootElement.GetProperty("agent").GetString());
        Assert.Equal("", doc.RootElement.GetProperty("session").GetString());
        Assert.False(doc.RootElement.GetProperty("enforce").GetBoolean());
    }

    [Fact]
    public void Allow_needs_200_enforced_and_allowed()
    {
        var v = Interpret(Pre, 200, """{"allowed":true,"decision":"allow","message":"ok","enforced":true,"matched_policies":null}""");
        Assert.Equal(HookVerdict.Allow, v.Answer!.Verdict);
        Assert.True(Interpret(Pre, 200, """{"allowed":true,"decision":"allow","enforced":false}""").IsFailure);
        Assert.True(Interpret(Pre, 200, """{"allowed":true,"decision":"allow"}""").IsFailure);
        Assert.True(Interpret(Pre, 200, """{"allowed":"yes","decision":"allow","enforced":true}""").IsFailure);
    }

    [Fact]
    public void Deny_carries_the_message_policy_and_suggestions()
    {
        var v = Interpret(Pre, 200, """{"allowed":false,"decision":"deny","message":"no secrets","enforced":true,"matched_policies":["block-secrets"],"suggestions":["rampart allow x"]}""");
        Assert.Equal(HookVerdict.Deny, v.Answer!.Verdict);
        Assert.Equal("no secrets", v.Answer.Reason);
        Assert.Equal("block-secrets", v.Answer.Policy);
        Assert.Equal(["rampart allow x"], v.Answer.Suggestions.ToArray());
    }

    [Theory]
    [InlineData("ask")]
    [InlineData("require_approval")]
    public void Ask_decisions_become_the_native_prompt(string decision)
    {
        var v = Interpret(Pre, 200, $$"""{"allowed":false,"decision":"{{decision}}","message":"needs a human","enforced":true}""");
        Assert.Equal(HookVerdict.Ask, v.Answer!.Verdict);
        Assert.Equal("needs a human", v.Answer.Reason);
    }

    [Fact]
    public void Webhook_decisions_are_refused()
    {
        var v = Interpret(Pre, 200, """{"allowed":false,"decision":"webhook","message":"","enforced":true}""");
        Assert.Equal(ClaudeHookMapping.WebhookRefusal, v.Answer!.Reason);
    }

    [Theory]
    [InlineData(503, """{"error":"audit storage is unavailable; refusing tool call"}""")]
    [InlineData(401, """{"error":"unauthorized"}""")]
    [InlineData(403, """{"allowed":false,"decision":"deny","message":"x"}""")]
    [InlineData(200, "not json")]
    [InlineData(200, "[]")]
    [InlineData(200, """{"allowed":false,"decision":"mystery","enforced":true}""")]
    [InlineData(200, "")]
    public void Anything_but_an_explicit_decision_is_a_failure(int status, string body)
    {
        Assert.True(Interpret(Pre, status, body).IsFailure);
    }

    [Fact]
    public void Response_route_deny_blocks_and_allow_passes()
    {
        Assert.Equal(HookVerdict.Deny, Interpret(Post, 200, """{"allowed":false,"decision":"deny","message":"credential in output"}""").Answer!.Verdict);
        Assert.Equal(HookVerdict.Allow, Interpret(Post, 200, """{"allowed":true,"decision":"allow","message":""}""").Answer!.Verdict);
        Assert.True(Interpret(Post, 200, """{"message":"?"}""").IsFailure);
        Assert.True(Interpret(Post, 502, "").IsFailure);
    }
}
