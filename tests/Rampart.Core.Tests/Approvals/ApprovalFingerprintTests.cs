using System.Text.Json;
using Rampart.Core.Approvals;
using Rampart.Core.Evaluation;

namespace Rampart.Core.Tests.Approvals;

public sealed class ApprovalFingerprintTests
{
    static Dictionary<string, JsonElement> Map(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.EnumerateObject()) map[p.Name] = p.Value.Clone();
        return map;
    }

    static readonly ToolCall Base = new()
    {
        Tool = "exec",
        Agent = "codex",
        AgentDepth = 1,
        Session = "s1",
        RunId = "run-1",
        ToolCallId = "call-1",
        Workdir = "/work",
        Params = Map("""{"command":"deploy prod","opts":{"b":1,"a":[1,2]}}"""),
        Input = null,
    };

    [Fact]
    public void Same_call_with_keys_in_another_order_has_the_same_fingerprint()
    {
        var reordered = Base with { Params = Map("""{"opts":{"a":[1,2],"b":1},"command":"deploy prod"}""") };
        Assert.Equal(ApprovalFingerprint.Of(Base), ApprovalFingerprint.Of(reordered));
        Assert.Matches("^[0-9a-f]{64}$", ApprovalFingerprint.Of(Base));
    }

    public static TheoryData<string, ToolCall> Changes => new()
    {
        { "agent", Base with { Agent = "other" } },
        { "agent_depth", Base with { AgentDepth = 2 } },
        { "session", Base with { Session = "s2" } },
        { "run_id", Base with { RunId = "run-2" } },
        { "tool_call_id", Base with { ToolCallId = "call-2" } },
        { "tool", Base with { Tool = "read" } },
        { "workdir", Base with { Workdir = "/other" } },
        { "params", Base with { Params = Map("""{"command":"deploy prod","opts":{"b":2,"a":[1,2]}}""") } },
        { "params array order", Base with { Params = Map("""{"command":"deploy prod","opts":{"b":1,"a":[2,1]}}""") } },
        { "input present", Base with { Input = Map("{}") } },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Any_changed_field_changes_the_fingerprint(string field, ToolCall changed)
    {
        Assert.True(ApprovalFingerprint.Of(Base) != ApprovalFingerprint.Of(changed), field);
    }

    [Fact]
    public void Replay_keys_need_run_id_and_tool_call_id()
    {
        Assert.Null(ApprovalFingerprint.ReplayKey(Base with { RunId = "" }, ""));
        Assert.Null(ApprovalFingerprint.ReplayKey(Base with { ToolCallId = "" }, ""));
        Assert.Equal(ApprovalFingerprint.Of(Base), ApprovalFingerprint.ReplayKey(Base, ""));
    }

    [Fact]
    public void Owner_bound_keys_differ_per_owner_and_are_versioned()
    {
        var a = ApprovalFingerprint.OwnerScopeOf("hash-a");
        var b = ApprovalFingerprint.OwnerScopeOf("hash-b");
        Assert.True(ApprovalFingerprint.IsOwnerScope(a));
        var keyA = ApprovalFingerprint.ReplayKey(Base, a)!;
        Assert.StartsWith("v2-", keyA);
        Assert.NotEqual(keyA, ApprovalFingerprint.ReplayKey(Base, b));
        Assert.NotEqual(keyA, ApprovalFingerprint.ReplayKey(Base, ""));
        Assert.Equal("credential-" + a[..12], ApprovalFingerprint.CredentialOwner(a));
        Assert.Equal("server/admin", ApprovalFingerprint.CredentialOwner(""));
    }

    [Fact]
    public void Dedup_keys_need_only_a_tool_call_id()
    {
        Assert.NotNull(ApprovalFingerprint.DedupKey(Base with { RunId = "" }, ""));
        Assert.Null(ApprovalFingerprint.DedupKey(Base with { ToolCallId = "" }, ""));
    }
}
