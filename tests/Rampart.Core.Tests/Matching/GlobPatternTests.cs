using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

public sealed class GlobPatternTests
{
    public static TheoryData<string> CommandCases => GlobCases.Ids("command");

    [Theory]
    [MemberData(nameof(CommandCases))]
    public void Matches_like_upstream(string id)
    {
        var c = GlobCases.Get(id);
        var pattern = GlobPattern.Compile(c.Str("pattern"));
        Assert.Equal(c.Expect(), pattern.IsMatch(c.Str("input")));
    }

    [Fact]
    public void Conformance_file_has_command_cases()
    {
        Assert.True(CommandCases.Count > 100);
    }

    [Theory]
    [InlineData("git *", "git push", true)]
    [InlineData("git *", "git", false)]
    [InlineData("*cat /etc/shadow", @"sudo cat \etc\shadow", true)]      // name backslashes read as `/`
    [InlineData("a?c*", @"a?c\x", true)]                                 // step-5 literal prefix on the replaced name
    [InlineData("foo*bar", @"foo\bar", false)]                           // filepath `*` does not cross the replaced `/`
    [InlineData("**/x", @"a\b\x", true)]
    [InlineData("caf?", "caf\U0001F600", true)]                          // `?` is one code point, even outside the BMP
    [InlineData("caf??", "caf\U0001F600", false)]
    [InlineData("**caf?", "caf\U0001F600", true)]
    [InlineData("**caf??", "caf\U0001F600", false)]
    [InlineData("[]a]*", "[]a]zz", true)]                                // malformed class: only the literal prefix can match
    [InlineData("[]a]*", "a", false)]
    public void Follows_the_steps_of_POL_056(string pattern, string name, bool expected)
    {
        Assert.Equal(expected, GlobPattern.Compile(pattern).IsMatch(name));
        Assert.Equal(expected, Glob.Match(pattern, name));
    }

    [Fact]
    public void Go_filepath_commits_to_the_first_fit_after_a_star()
    {
        // Go's filepath.Match takes `[^x][^x]` at "ab" and never revisits it, so the `/` left over blocks the
        // second star; a textbook glob would match by taking "b/". Upstream's answer is the reference.
        Assert.False(GlobPattern.Compile("x*[^x][^x]*c").IsMatch("xab/c"));
    }

    [Fact]
    public void Go_filepath_star_skips_bytes_not_characters()
    {
        // upstream's star loop advances one UTF-8 byte at a time, so `??` can eat the two tail bytes of `€`.
        Assert.True(GlobPattern.Compile("a*??").IsMatch("a€"));
        Assert.False(GlobPattern.Compile("a??").IsMatch("a€"));
    }

    [Fact]
    public void Oversized_names_never_match_even_the_star_pattern()
    {
        Assert.True(GlobPattern.Compile("*").IsMatch(new string('é', 4096)));   // 8192 bytes
        Assert.False(GlobPattern.Compile("*").IsMatch(new string('é', 4097)));
    }

    [Fact]
    public void Composite_flag_is_settable_by_the_evaluator()
    {
        var pattern = GlobPattern.Compile("a && b");
        Assert.False(pattern.IsComposite);
        pattern.IsComposite = true;
        Assert.True(pattern.IsComposite);
        Assert.Equal("a && b", pattern.Pattern);
    }
    [Theory]
    [InlineData("curl ** | sh", " | sh")]           // equally long runs: the later one (the command name is shared by many patterns)
    [InlineData("curl ** | bash", " | bash")]       // the longest run
    [InlineData("curl -s ** | **", "curl -s ")]     // the longest run, first
    [InlineData("**/ab/**/cd", "/cd")]              // with the retry, from after the leading `**/`
    public void A_double_star_pattern_requires_its_longest_literal_run_the_later_on_ties(string pattern, string expected)
    {
        var glob = GlobPattern.Compile(pattern);
        Assert.Equal(expected, glob.RequiredLiteral);
        Assert.Contains(expected, pattern.Replace('\\', '/'), StringComparison.Ordinal);
    }
}
