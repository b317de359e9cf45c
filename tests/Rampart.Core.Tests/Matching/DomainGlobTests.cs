using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

public sealed class DomainGlobTests
{
    public static TheoryData<string> DomainCases => GlobCases.Ids("domain");

    [Theory]
    [MemberData(nameof(DomainCases))]
    public void Matches_like_upstream(string id)
    {
        var c = GlobCases.Get(id);
        Assert.Equal(c.Expect(), DomainGlob.Compile(c.Str("pattern")).IsMatch(c.Str("input")));
        Assert.Equal(c.Expect(), Glob.MatchDomain(c.Str("pattern"), c.Str("input")));
    }

    [Theory]
    [InlineData(@"a\*b.com", "a*b.com", true)]      // `\` escapes in domain globs (POL-061)
    [InlineData(@"a\*b.com", "axb.com", false)]
    [InlineData(".", "x", false)]                   // empty after dropping the trailing dot
    [InlineData("x", "  X.  ", true)]
    [InlineData("*.EXAMPLE.com", "Api.Example.COM", true)]
    public void Normalises_both_sides(string pattern, string domain, bool expected)
    {
        Assert.Equal(expected, DomainGlob.Compile(pattern).IsMatch(domain));
    }
}
