using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

public sealed class GlobEscapeTests
{
    public static TheoryData<string> ExactCases => GlobCases.Ids("exact_pattern");

    [Theory]
    [MemberData(nameof(ExactCases))]
    public void Escapes_like_upstream(string id)
    {
        var c = GlobCases.Get(id);
        Assert.Equal(c.Str("expect"), Glob.EscapeLiteral(c.Str("input")));
    }

    [Theory]
    [InlineData("echo *.txt", "echo a.txt")]
    [InlineData("ls [ab]?", "ls a1")]
    [InlineData("rm -rf /tmp/*", "rm -rf /tmp/x")]
    public void Escaped_pattern_matches_only_the_literal(string literal, string other)
    {
        var pattern = GlobPattern.Compile(Glob.EscapeLiteral(literal));
        Assert.True(pattern.IsMatch(literal));
        Assert.False(pattern.IsMatch(other));
    }
}
