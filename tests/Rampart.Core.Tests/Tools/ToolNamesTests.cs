using Rampart.Core.Tools;
using Rampart.Testing;

namespace Rampart.Core.Tests.Tools;

public sealed class ToolNamesTests
{
    public static TheoryData<string> Cases => ToolVectors.Ids("http_tool_name_vectors");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Canonicalises_like_upstream(string id)
    {
        var c = ToolVectors.Get("http_tool_name_vectors", id);
        var ok = ToolNames.TryCanonicalize(c.Str("path_segment"), out var canonical, out var error);
        if (c.ContainsKey("expect_error"))
        {
            Assert.False(ok);
            Assert.Equal(c.Str("expect_error"), error);
        }
        else
        {
            Assert.True(ok, error);
            Assert.Equal(c.Str("expect"), canonical);
        }
    }

    [Theory]
    [InlineData("a\tb", @"tool name contains unsupported character '\t'")]
    [InlineData("a\u0001", @"tool name contains unsupported character '\x01'")]
    [InlineData("a'b", @"tool name contains unsupported character '\''")]
    [InlineData("a\u00a0b", @"tool name contains unsupported character '\u00a0'")]
    [InlineData("a😀", "tool name contains unsupported character '😀'")]
    [InlineData("ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé", "tool name exceeds 128 bytes")]
    public void Quotes_the_offending_character_like_go(string segment, string expected)
    {
        Assert.False(ToolNames.TryCanonicalize(segment, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("exec", true)]
    [InlineData("mcp-dangerous", true)]
    [InlineData("Exec", false)]
    [InlineData("agent", false)]
    public void Knows_the_reserved_classes(string name, bool expected)
    {
        Assert.Equal(expected, ToolNames.IsReservedClass(name));
    }
}
