using System.Text;
using System.Text.Json;
using Rampart.Cli;

namespace Rampart.Tests.Agents;

public sealed class WrapPreflightTests
{
    static WrapVerdict Interpret(int status, string body) => WrapPreflight.Interpret(status, Encoding.UTF8.GetBytes(body));

    [Fact]
    public void Body_carries_the_command_base64_with_enforce()
    {
        using var doc = JsonDocument.Parse(WrapPreflight.Body("echo 'a\"b'\nls", "codex", "repo/main", "/work"));
        var root = doc.RootElement;
        Assert.Equal("codex", root.GetProperty("agent").GetString());
        Assert.Equal("repo/main", root.GetProperty("session").GetString());
        Assert.Equal("/work", root.GetProperty("cwd").GetString());
        Assert.True(root.GetProperty("enforce").GetBoolean());
        Assert.Equal("echo 'a\"b'\nls", Encoding.UTF8.GetString(Convert.FromBase64String(root.GetProperty("params").GetProperty("command_b64").GetString()!)));
        Assert.False(root.TryGetProperty("command", out _));
    }

    [Theory]
    [InlineData("allow")]
    [InlineData("watch")]
    public void An_enforced_allow_runs(string decision)
    {
        var v = Interpret(200, $$"""{"allowed":true,"decision":"{{decision}}","message":"ok","matched_policies":null,"enforced":true,"enforcement_requested":true}""");
        Assert.Equal(WrapOutcome.Allowed, v.Outcome);
    }

    [Fact]
    public void Deny_blocks_with_the_policy_and_message()
    {
        var v = Interpret(200, """{"allowed":false,"decision":"deny","message":"destructive command blocked","matched_policies":["block-rm"],"enforced":true,"suggestions":["rampart allow \"rm -rf x\""]}""");
        Assert.Equal(WrapOutcome.Blocked, v.Outcome);
        Assert.Equal("command blocked by policy \"block-rm\": destructive command blocked", v.Message);
        Assert.Equal(["rampart allow \"rm -rf x\""], v.Suggestions);
    }

    [Fact]
    public void Ask_blocks_because_a_shell_cannot_wait_for_approval()
    {
        var v = Interpret(200, """{"allowed":false,"decision":"ask","message":"deploys need a human","matched_policies":["ask-deploy"],"enforced":true}""");
        Assert.Equal(WrapOutcome.Blocked, v.Outcome);
        Assert.Contains("needs approval by policy \"ask-deploy\": deploys need a human", v.Message);
    }

    [Fact]
    public void Webhook_preview_blocks()
    {
        Assert.Equal(WrapOutcome.Blocked, Interpret(200, """{"allowed":false,"decision":"webhook","message":"","enforced":true}""").Outcome);
    }

    [Fact]
    public void Monitor_mode_allow_is_not_a_confirmed_enforcement()
    {
        // SEC-042: the shim blocks when the service cannot confirm enforcement; monitor answers enforced:false.
        var v = Interpret(200, """{"allowed":true,"decision":"allow","message":"monitor mode observed deny; action allowed","enforced":false,"policy_decision":"deny"}""");
        Assert.Equal(WrapOutcome.Unconfirmed, v.Outcome);
    }

    [Fact]
    public void Missing_enforced_is_not_a_confirmation()
    {
        Assert.Equal(WrapOutcome.Unconfirmed, Interpret(200, """{"allowed":true,"decision":"allow"}""").Outcome);
    }

    [Theory]
    [InlineData(401, """{"error":"missing authorization token"}""", "HTTP 401: missing authorization token")]
    [InlineData(503, """{"error":"audit storage is unavailable; refusing tool call"}""", "HTTP 503: audit storage is unavailable; refusing tool call")]
    [InlineData(502, "<html>bad gateway</html>", "HTTP 502")]
    public void Error_statuses_are_unconfirmed_with_the_servers_error(int status, string body, string detail)
    {
        var v = Interpret(status, body);
        Assert.Equal(WrapOutcome.Unconfirmed, v.Outcome);
        Assert.Equal(detail, v.Message);
    }

    [Fact]
    public void Unparseable_200_is_unconfirmed()
    {
        Assert.Equal(WrapOutcome.Unconfirmed, Interpret(200, "not json").Outcome);
        Assert.Equal(WrapOutcome.Unconfirmed, Interpret(200, "[]").Outcome);
    }
}
