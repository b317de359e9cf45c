using System.Text;
using System.Text.Json;
using Rampart.Agents;
using Rampart.Testing;

namespace Rampart.Tests.Agents;

public sealed class ClaudeHookParserTests
{
    static readonly Dictionary<string, object?> File = ConformanceYaml.LoadMap(SharedFiles.Conformance("claude_hook.yaml"));

    static Dictionary<string, object?> Case(string id)
    {
        foreach (var item in File.List("parse_vectors")!)
        {
            var map = (Dictionary<string, object?>)item!;
            if (map.Str("id") == id) return map;
        }
        throw new KeyNotFoundException(id);
    }

    public static TheoryData<string> ParseVectors()
    {
        var data = new TheoryData<string>();
        foreach (var item in File.List("parse_vectors")!) data.Add(((Dictionary<string, object?>)item!).Str("id"));
        return data;
    }

    static HookInput Parse(string stdin, HookEnvironment env = default) =>
        ClaudeHookParser.Parse(Encoding.UTF8.GetBytes(stdin), env);

    [Theory]
    [MemberData(nameof(ParseVectors))]
    public void Parse_vector_matches_upstream(string id)
    {
        var c = Case(id);
        var input = Parse(c.Str("stdin"));
        if (c.ContainsKey("expect_error"))
        {
            Assert.Equal(HookInputStatus.Invalid, input.Status);
            Assert.Equal(c.Str("expect_error"), input.Error);
            return;
        }
        Assert.True(input.Status == HookInputStatus.Parsed, $"{id}: {input.Error}");
        var e = input.Event!;
        var expect = c.Map("expect")!;
        Assert.Equal(expect.Str("agent"), e.Agent);
        Assert.Equal(expect.Str("event"), e.Kind.ToString());
        Assert.Equal(expect.Str("tool"), e.Tool);
        Assert.Equal(expect.Str("workdir"), e.Cwd);
        Assert.Equal(expect.Str("run_id"), e.RunId);
        Assert.Equal(expect.Str("tool_use_id"), e.ToolUseId);
        Assert.Equal(expect.Str("response"), e.ResponseText);
        Assert.Equal(Canonical(ConformanceYaml.ToJson(expect.Map("params"))), Canonical(ParamsJson(e)));
    }

    static string ParamsJson(HookEvent e)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var (k, v) in e.Params)
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append(JsonEncodedText.Encode(k).ToString().Insert(0, "\"") + "\":").Append(v.GetRawText());
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Key-sorted compact JSON, so maps compare regardless of member order.</summary>
    static string Canonical(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var sb = new StringBuilder();
        GoJson.WriteValue(sb, doc.RootElement);
        return sb.ToString();
    }

    [Fact]
    public void Empty_or_blank_stdin_is_a_clean_end_of_input()
    {
        Assert.Equal(HookInputStatus.Empty, Parse("").Status);
        Assert.Equal(HookInputStatus.Empty, Parse(" \n\t").Status);
    }

    [Fact]
    public void Input_over_4_MiB_is_a_parse_error()
    {
        var big = new byte[ClaudeHookParser.MaxInputBytes + 1];
        Array.Fill(big, (byte)' ');
        var input = ClaudeHookParser.Parse(big, default);
        Assert.Equal(HookInputStatus.Invalid, input.Status);
        Assert.Contains("exceeds", input.Error);
    }

    [Fact]
    public void Run_id_prefers_RAMPART_RUN_then_session_then_conversation()
    {
        const string withSession = """{"hook_event_name":"PreToolUse","session_id":"s1","tool_name":"Bash","tool_input":{"command":"ls"}}""";
        const string without = """{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}""";
        Assert.Equal("r1", Parse(withSession, new HookEnvironment("r1", "c1")).Event!.RunId);
        Assert.Equal("s1", Parse(withSession, new HookEnvironment("", "c1")).Event!.RunId);
        Assert.Equal("c1", Parse(without, new HookEnvironment("", "c1")).Event!.RunId);
    }

    [Fact]
    public void Agent_class_adds_one_to_the_agent_depth()
    {
        var e = Parse("""{"hook_event_name":"PreToolUse","tool_name":"Task","tool_input":{"prompt":"x"}}""", new HookEnvironment(AgentDepth: 2)).Event!;
        Assert.Equal("agent", e.Tool);
        Assert.Equal(3, e.AgentDepth);
        Assert.Equal(0, HookEnvironment.ParseDepth("-4"));
        Assert.Equal(0, HookEnvironment.ParseDepth("two"));
        Assert.Equal(5, HookEnvironment.ParseDepth(" 5 "));
    }

    [Fact]
    public void Post_tool_parse_failures_keep_the_response_for_redaction()
    {
        var input = Parse("""{"hook_event_name":"PostToolUse","tool_use_id":"bad id","tool_name":"Bash","tool_input":{},"tool_response":"secret"}""");
        Assert.Equal(HookInputStatus.Invalid, input.Status);
        Assert.True(input.IsPostTool);
        Assert.Equal("secret", input.ToolResponse!.Value.GetString());
    }

    [Fact]
    public void Non_object_tool_input_is_rejected()
    {
        var input = Parse("""{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":"rm -rf /"}""");
        Assert.Equal(HookInputStatus.Invalid, input.Status);
        Assert.Contains("tool_input", input.Error);
    }

    [Fact]
    public void Aliases_are_trimmed_and_written_back_under_the_canonical_key()
    {
        var e = Parse("""{"hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"  /etc/shadow  ","path":"/etc/shadow"}}""").Event!;
        Assert.Equal("/etc/shadow", e.Params["path"].GetString());
    }

    [Fact]
    public void Invalid_json_names_the_offending_character()
    {
        var input = Parse("""{"hook_event_name": x}""");
        Assert.Equal(HookInputStatus.Invalid, input.Status);
        Assert.Contains("'x'", input.Error);
    }
}
