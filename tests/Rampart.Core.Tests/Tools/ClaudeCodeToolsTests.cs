using Rampart.Core.Tools;
using Rampart.Testing;

namespace Rampart.Core.Tests.Tools;

public sealed class ClaudeCodeToolsTests
{
    public static TheoryData<string> Cases => ToolVectors.Ids("claude_code_tool_vectors");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classifies_like_upstream(string id)
    {
        var c = ToolVectors.Get("claude_code_tool_vectors", id);
        Assert.Equal(c.Str("expect"), ClaudeCodeTools.Classify(c.Str("host_tool")));
    }

    [Theory]
    [InlineData("  mcp__fs__write_file  ", "write")]
    [InlineData(" Bash", "unknown")]                 // the table is exact
    [InlineData("EndConversation", "interact")]
    [InlineData("CronDelete", "process")]
    public void Applies_the_table_exactly_and_mcp_names_by_candidates(string name, string expected)
    {
        Assert.Equal(expected, ClaudeCodeTools.Classify(name));
    }
}
