using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>
/// The call's inputs are decoded from its JSON params once per <see cref="ToolCall"/> instance
/// (<see cref="CallInputs.Decode"/>): later evaluations of the same instance allocate nothing on allow
/// paths, and a copy with other params, input, tool or workdir decodes afresh.
/// </summary>
public sealed class DecodedCallInputsTests
{
    static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    static readonly CompiledPolicySet Standard = CompiledPolicySet.Compile(PolicyStore.LoadFile(SharedFiles.Fixture("standard.yaml")));

    static JsonElement Str(string value) => JsonDocument.Parse(JsonSerializer.Serialize(value, DiffJson.Default.String)).RootElement.Clone();

    static Dictionary<string, JsonElement> Map(params (string Key, string Value)[] entries)
    {
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (key, value) in entries) map[key] = Str(value);
        return map;
    }

    static ToolCall Call(string tool, params (string Key, string Value)[] entries) =>
        new() { Tool = tool, Agent = "claude-code", Session = "repo/main", Params = Map(entries) };

    static long BytesPerCall(Action action)
    {
        for (var i = 0; i < 20; i++) action();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++) action();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 200;
    }

    public static TheoryData<string, string, string> AllowedCalls => new()
    {
        { "exec", "command", "git status" },
        { "fetch", "url", "https://api.github.com" },
        { "read", "file_path", "src/main.go" },
        { "read", "file_path", "/home/user/project/src/main.go" },
    };

    [Theory]
    [MemberData(nameof(AllowedCalls))]
    public void Allowed_calls_evaluated_again_allocate_nothing(string tool, string key, string value)
    {
        var call = Call(tool, (key, value));
        Assert.Equal(DecisionAction.Allow, Standard.Evaluate(call, default, Now).Action);
        Assert.Equal(0, BytesPerCall(() => Standard.Evaluate(call, default, Now)));
    }

    [Fact]
    public void A_copy_with_other_params_is_decoded_afresh()
    {
        var call = Call("exec", ("command", "git status"));
        Assert.Equal(DecisionAction.Allow, Standard.Evaluate(call, default, Now).Action);
        var changed = call with { Params = Map(("command", "rm -rf /")) };
        Assert.Equal(DecisionAction.Deny, Standard.Evaluate(changed, default, Now).Action);
        Assert.Equal(DecisionAction.Allow, Standard.Evaluate(call, default, Now).Action);
    }

    [Fact]
    public void A_copy_with_another_tool_or_input_is_decoded_afresh()
    {
        var call = Call("read", ("file_path", "src/main.go"));
        Assert.Equal(DecisionAction.Allow, Standard.Evaluate(call, default, Now).Action);
        var inInput = call with { Params = ToolCall.NoParams, Input = Map(("file_path", "/home/u/.ssh/id_rsa")) };
        Assert.Equal(DecisionAction.Deny, Standard.Evaluate(inInput, default, Now).Action);
        var asExec = Call("exec", ("command", "git status"), ("cmd", "rm -rf /")) with { Tool = "write" };
        // For write only `command` is a command key (POL-002): the decode follows the tool.
        var inputs = CallInputs.Decode(asExec);
        Assert.Equal("git status", inputs.Command);
        var asExecAgain = asExec with { Tool = "exec" };
        Assert.Equal("git status", CallInputs.Decode(asExecAgain).Command);
        Assert.Equal("exec", CallInputs.Decode(asExecAgain).ToolClass);
        Assert.Equal("write", CallInputs.Decode(asExec).ToolClass);
    }

    [Fact]
    public void Key_precedence_is_kept()
    {
        var cmdOnly = CallInputs.Decode(Call("exec", ("cmd", "ls"), ("input", "pwd")));
        Assert.Equal("ls", cmdOnly.Command);
        var blankCommand = CallInputs.Decode(Call("exec", ("command", "  "), ("input", "pwd")));
        Assert.Equal("pwd", blankCommand.Command);
        var path = CallInputs.Decode(Call("read", ("target", "/t"), ("file", "/f")));
        Assert.Equal("/f", path.Path);
        var url = CallInputs.Decode(Call("fetch", ("href", "https://h.example/x"), ("domain", "d.example")));
        Assert.Equal("https://h.example/x", url.Url);
        Assert.Equal("h.example", url.Domain);
        var workdir = CallInputs.Decode(Call("read", ("path", "x"), ("cwd", " /c ")) with { Workdir = "" });
        Assert.Equal("/c", workdir.Workdir);
    }

    [Fact]
    public void Evaluating_a_call_does_not_change_its_equality()
    {
        var parameters = Map(("command", "git status"));
        var a = new ToolCall { Tool = "exec", Params = parameters };
        var b = new ToolCall { Tool = "exec", Params = parameters };
        Standard.Evaluate(a, default, Now);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }
}
