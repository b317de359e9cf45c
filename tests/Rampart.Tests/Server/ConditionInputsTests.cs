using System.Buffers;
using System.Text;
using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Tools;
using Rampart.Server;
using Rampart.Testing;

namespace Rampart.Tests.Server;

/// <summary>
/// Call preparation hands the engine the inputs it already selected (<see cref="PreparedArguments.Inputs"/>,
/// <see cref="PreparedCallInputs.Attach"/>; issue 3): they must be exactly what <see cref="CallInputs.Decode"/>
/// and <see cref="CallInputs.AliasError"/> give for the prepared call, for every request shape.
/// </summary>
public sealed class ConditionInputsTests
{
    static readonly string[] ConformanceFiles = ["engine.yaml", "standard_policy.yaml", "conditions.yaml", "tools.yaml", "suggestions.yaml", "claude_hook.yaml", "lint.yaml"];

    /// <summary>Hand-written bodies for the shapes the fast path must get right or leave alone.</summary>
    static readonly (string Tool, string Body)[] Shapes =
    [
        ("exec", """{"agent":"bench","session":"load","command":"git status"}"""),
        ("exec", """{"command":"  git status  "}"""),
        ("exec", """{"command":"# note\n\ngit push"}"""),
        ("exec", """{"command":"# only a comment"}"""),
        ("exec", """{"command":"   "}"""),
        ("exec", """{"params":{"command":"   "}}"""),
        ("exec", """{"params":{"cmd":"# c\nls"}}"""),
        ("exec", """{"params":{"command":null,"input":"ls"}}"""),
        ("exec", """{"command":"ls","params":{"command":" ls "}}"""),
        ("exec", """{"command":"ls","workdir":" /w ","params":{"workdir":"/w"}}"""),
        ("exec", """{"command":"ls","cwd":"/c"}"""),
        ("exec", """{"command":"ls","params":{"workdir":"  "}}"""),
        ("exec", """{"params":{"command_b64":"bHMgLWxh"}}"""),
        ("exec", """{"command":"curl https://evil.example/x","params":{"domain":"d.example"}}"""),
        ("exec", """{"params":{"command":"ls","url":"https://h.example/p","domain":"d.example","scheme":"ftp"}}"""),
        ("exec", """{"params":{"command":"ls","domain":" d.example "}}"""),
        ("Exec", """{"params":{"cmd":"rm -rf /","command":"ls"}}"""),
        ("read", """{"path":"/etc/passwd"}"""),
        ("read", """{"params":{"path":" /a ","file_path":"/a"}}"""),
        ("read", """{"params":{"target":"/t"}}"""),
        ("write", """{"path":"src/x.go","params":{"content":"x"}}"""),
        ("grep", """{"params":{"path":"a","file":"b"}}"""),
        ("fetch", """{"url":"https://api.github.com/x"}"""),
        ("fetch", """{"params":{"domain":"d.example"}}"""),
        ("mcp", """{"url":"https://h.example:8443/a%20b","params":{"domain":"x"}}"""),
        ("mcp", """{"url":"not a url"}"""),
        ("agent", """{"params":{"description":"do it","command":"x"}}"""),
        ("mcp-tool", """{"params":{"command":"ls","input":"pwd","cmd":"x"}}"""),
        ("exec", """{"command":"ls","input":{"command":"ls"}}"""),
        ("exec", """{"command":"ls","params":{"arguments":{"command":"ls"}}}"""),
        ("exec", """{"command":"ls","params":{"arguments":"plain"}}"""),
    ];

    public static TheoryData<string, string, string> Bodies()
    {
        var data = new TheoryData<string, string, string>();
        for (var i = 0; i < Shapes.Length; i++) data.Add("shape-" + i, Shapes[i].Tool, Shapes[i].Body);
        foreach (var file in ConformanceFiles)
        {
            var calls = new List<(string Id, Dictionary<string, object?> Call)>();
            Collect(ConformanceYaml.LoadFile(SharedFiles.Conformance(file)), file, calls);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (id, call) in calls)
            {
                var tool = call.Str("tool");
                var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (call.Map("params") is { } p) fields["params"] = p;
                if (call.Map("input") is { } input) fields["input"] = input;
                if (call.Str("workdir") is { Length: > 0 } w) fields["workdir"] = w;
                // The call as the HTTP API takes it, and its params as top-level fields (the hook's and the bench's shape).
                foreach (var (suffix, body) in new[] { ("", ConformanceYaml.ToJson(fields)), ("/top", ConformanceYaml.ToJson(call.Map("params") ?? [])) })
                {
                    if (seen.Add(tool + "\n" + body)) data.Add(id + suffix, tool, body);
                }
            }
        }
        return data;
    }

    /// <summary>Every mapping with a string <c>tool</c> and a <c>params</c> mapping, named by the nearest id.</summary>
    static void Collect(object? node, string id, List<(string, Dictionary<string, object?>)> into)
    {
        switch (node)
        {
            case Dictionary<string, object?> map:
                var here = map.Str("id") is { Length: > 0 } own ? own : id;
                if (map.TryGetValue("tool", out var t) && t is string && map.Map("params") is not null) into.Add((here, map));
                foreach (var value in map.Values) Collect(value, here, into);
                break;
            case List<object?> list:
                foreach (var item in list) Collect(item, id, into);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Prepared_inputs_equal_the_decoded_ones(string id, string tool, string body)
    {
        if (!ToolNames.TryCanonicalize(tool, out var canonical, out _)) return;
        // Bodies the API answers with 400 (e.g. a command array lifted to the top level) have no call.
        if (ToolRequest.Decode(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)), "").Value is not { } request) return;
        if (!CallPreparation.TryPrepare(canonical, request, out var args, out _) || args.Inputs is not { } inputs) return;

        var decoded = new ToolCall { Tool = canonical, Workdir = args.Workdir, Params = args.Params, Input = args.Input };
        var prepared = decoded with { };
        PreparedCallInputs.Attach(prepared, inputs.Command, inputs.Path, inputs.Url, inputs.Domain, prepared.Workdir);
        if (prepared.Decoded is null) return;

        var expected = CallInputs.Decode(decoded);
        Assert.Equal(id + ": " + Describe(expected, CallInputs.AliasError(decoded, expected.ToolClass)),
            id + ": " + Describe(CallInputs.Decode(prepared), CallInputs.AliasError(prepared, expected.ToolClass)));
    }

    [Fact]
    public void Most_conformance_calls_are_handed_over()
    {
        var handed = 0;
        var total = 0;
        foreach (var row in Bodies())
        {
            var (tool, body) = ((string)row[1], (string)row[2]);
            if (!ToolNames.TryCanonicalize(tool, out var canonical, out _)) continue;
            if (ToolRequest.Decode(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)), "").Value is not { } request) continue;
            if (!CallPreparation.TryPrepare(canonical, request, out var args, out _)) continue;
            total++;
            if (args.Inputs is not null) handed++;
        }
        Assert.True(handed * 2 > total, $"{handed} of {total} prepared calls handed over");
        Console.WriteLine($"{handed} of {total} prepared calls handed over");
    }

    [Fact]
    public void The_benchmark_body_is_handed_over_without_a_decode()
    {
        var request = ToolRequest.Decode(new ReadOnlySequence<byte>("""{"agent":"bench","session":"load","command":"git status"}"""u8.ToArray()), "").Value!;
        Assert.True(CallPreparation.TryPrepare("exec", request, out var args, out _));
        Assert.Equal(new ConditionInputs("git status", "", "", ""), args.Inputs);
    }

    [Fact]
    public void Shapes_the_engine_reads_differently_are_left_to_the_decode()
    {
        foreach (var body in (string[])["""{"params":{"cmd":"# c\nls"}}""", """{"command":"ls","input":{"command":"ls"}}""", """{"params":{"command_b64":"bHM="}}"""])
        {
            var request = ToolRequest.Decode(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)), "").Value!;
            Assert.True(CallPreparation.TryPrepare("exec", request, out var args, out _));
            Assert.Null(args.Inputs);
        }
    }

    [Fact]
    public void A_copy_with_other_params_does_not_reuse_the_handed_over_inputs()
    {
        var request = ToolRequest.Decode(new ReadOnlySequence<byte>("""{"command":"git status"}"""u8.ToArray()), "").Value!;
        Assert.True(CallPreparation.TryPrepare("exec", request, out var args, out _));
        var call = new ToolCall { Tool = "exec", Workdir = args.Workdir, Params = args.Params, Input = args.Input };
        PreparedCallInputs.Attach(call, "git status", "", "", "", "");
        var other = new Dictionary<string, JsonElement> { ["command"] = JsonDocument.Parse("\"rm -rf /\"").RootElement, ["cmd"] = JsonDocument.Parse("\"ls\"").RootElement };
        var copy = call with { Params = other, Input = other };
        Assert.Equal("rm -rf /", CallInputs.Decode(copy).Command);
        Assert.Equal("conflicting command aliases", CallInputs.AliasError(copy, "exec"));
        Assert.Equal("git status", CallInputs.Decode(call).Command);
        Assert.Null(CallInputs.AliasError(call, "exec"));
    }

    [Fact]
    public void A_tool_that_is_not_its_own_class_gets_nothing_handed_over()
    {
        var call = new ToolCall { Tool = "Exec" };
        PreparedCallInputs.Attach(call, "x", "", "", "", "");
        Assert.Null(call.Decoded);
    }

    static string Describe(DecodedCallInputs i, string? aliasError) =>
        $"class={i.ToolClass}|command={i.Command}|path={i.Path}|url={i.Url}|domain={i.Domain}|workdir={i.Workdir}|alias={aliasError ?? "-"}";
}
