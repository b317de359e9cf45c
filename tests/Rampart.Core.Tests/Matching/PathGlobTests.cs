using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

public sealed class PathGlobTests
{
    public static TheoryData<string> PathCases => GlobCases.Ids("path");

    [Theory]
    [MemberData(nameof(PathCases))]
    public void Matches_like_upstream(string id)
    {
        var c = GlobCases.Get(id);
        Assert.Equal(c.Expect(), PathGlob.Compile(c.Str("pattern")).IsMatch(c.Str("input")));
        Assert.Equal(c.Expect(), Glob.MatchPath(c.Str("pattern"), c.Str("input")));
    }

    [Theory]
    [InlineData("/a/*/c", "/a/b/c", true)]
    [InlineData("/a/*/c", "/a/b/x/c", false)]
    [InlineData("/a/**/**/c", "/a/c", false)]        // `**/` retry is for a leading one only
    [InlineData("**/**/**", "a/b/c", false)]         // more than two `**`
    [InlineData("[z-a]", "b", false)]                // reversed range: invalid
    [InlineData("[a-]", "-", true)]
    [InlineData("[^a]", "/", false)]                 // classes never match `/` in the segment matcher
    public void Uses_the_segment_matcher_for_every_path_pattern(string pattern, string path, bool expected)
    {
        Assert.Equal(expected, PathGlob.Compile(pattern).IsMatch(path));
    }

    [Fact]
    public void Long_star_patterns_stay_linear()
    {
        // A backtracking matcher needs exponential time on this; the automaton answers at once.
        var pattern = PathGlob.Compile(string.Concat(Enumerable.Repeat("*a", 100)) + "b");
        Assert.False(pattern.IsMatch(new string('a', 8000)));
    }
}
