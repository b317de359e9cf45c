using Rampart.Core.Tools;
using Rampart.Testing;

namespace Rampart.Core.Tests.Tools;

public sealed class McpToolClassesTests
{
    public static TheoryData<string> NameCases => ToolVectors.Ids("mcp_name_vectors");
    public static TheoryData<string> NativeCases => ToolVectors.Ids("native_mcp_vectors");

    [Theory]
    [MemberData(nameof(NameCases))]
    public void Classifies_names_like_upstream(string id)
    {
        var c = ToolVectors.Get("mcp_name_vectors", id);
        Dictionary<string, string>? custom = null;
        if (c.Map("custom") is { } map)
        {
            custom = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in map) custom[k] = v?.ToString() ?? "";
        }
        Assert.Equal(c.Str("expect"), McpToolClasses.Classify(c.Str("tool_name"), custom));
    }

    [Theory]
    [MemberData(nameof(NativeCases))]
    public void Picks_the_most_sensitive_candidate_like_upstream(string id)
    {
        var c = ToolVectors.Get("native_mcp_vectors", id);
        var input = ConformanceYaml.ToJsonMap(c.Map("params"));
        Assert.Equal(c.Str("expect"), McpToolClasses.ClassifyNative(c.Str("host_tool"), input));
    }

    [Fact]
    public void Empty_custom_values_do_not_override()
    {
        var custom = new Dictionary<string, string> { ["get_weather"] = "", ["_default"] = "" };
        Assert.Equal("mcp", McpToolClasses.Classify("get_weather", custom));
    }

    [Fact]
    public void Ties_keep_the_earlier_candidate_and_params_can_raise_the_class()
    {
        var input = ConformanceYaml.ToJsonMap(new Dictionary<string, object?> { ["tool_name"] = "read_file", ["toolName"] = "kill_all" });
        Assert.Equal("mcp-destructive", McpToolClasses.ClassifyNative("mcp__srv__read_file", input));
        Assert.Equal("read", McpToolClasses.ClassifyNative("mcp__srv__read_file"));
    }
}
