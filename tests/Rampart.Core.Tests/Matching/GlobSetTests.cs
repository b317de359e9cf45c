using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

public sealed class GlobSetTests
{
    private static readonly string[] Patterns =
    [
        "git push*", "git *", "*curl*", "rm -rf /**", "rm -rf *", "", "[]x]*", "npm test", @"C:\tools\*", "**/.env", "*",
    ];

    [Fact]
    public void First_match_is_the_first_pattern_in_list_order()
    {
        var set = GlobSet.Compile(Patterns);
        Assert.Equal(0, set.FirstMatch("git push origin"));
        Assert.Equal(1, set.FirstMatch("git status"));
        Assert.Equal(2, set.FirstMatch("git-lfs curl"));   // `git *` needs the space
        Assert.Equal(3, set.FirstMatch("rm -rf /tmp"));
        Assert.Equal(4, set.FirstMatch("rm -rf tmp"));
        Assert.Equal(6, set.FirstMatch("[]x]y"));
        Assert.Equal(8, set.FirstMatch(@"C:\tools\x"));
        Assert.Equal(9, set.FirstMatch("a/.env"));
        Assert.Equal(10, set.FirstMatch("anything"));
    }

    [Fact]
    public void Agrees_with_testing_each_pattern_in_order()
    {
        var set = GlobSet.Compile(Patterns[..^1]);
        string[] names = ["git", "git ", "npm test", "npm tests", "curl", "x curl y", "rm -rf /", "C:/tools/a", @"C:\tools", ".env", "", "[]x]"];
        foreach (var name in names)
        {
            var expected = -1;
            for (var i = 0; i < set.Count; i++)
            {
                if (GlobPattern.Compile(Patterns[i]).IsMatch(name)) { expected = i; break; }
            }
            Assert.Equal(expected, set.FirstMatch(name));
            Assert.Equal(expected >= 0, set.IsMatchAny(name));
        }
    }

    [Fact]
    public void Empty_set_matches_nothing()
    {
        Assert.True(GlobSet.Empty.IsEmpty);
        Assert.Equal(0, GlobSet.Empty.Count);
        Assert.Equal(-1, GlobSet.Empty.FirstMatch("x"));
        Assert.Same(GlobSet.Empty, GlobSet.Compile([]));
    }

    [Fact]
    public void Exposes_the_compiled_patterns_in_order()
    {
        var set = GlobSet.Compile(["a*", "b*"]);
        Assert.Equal(2, set.Count);
        Assert.False(set.IsEmpty);
        Assert.Equal("b*", set.Patterns[1].Pattern);
    }
}
