using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

/// <summary>
/// The literal fast path of <see cref="GlobPattern"/> (a filepath pattern without metacharacters compared
/// ordinally) against the general matcher it replaces: every string of the conformance files and of
/// upstream's policies as a pattern, each against itself and generated variants (case, separators,
/// non-ASCII, lone surrogates, U+FFFD, one character more or less) and against every other string.
/// </summary>
public sealed class GlobLiteralFastPathTests
{
    static readonly string[] ConformanceFiles =
        ["glob.yaml", "engine.yaml", "conditions.yaml", "standard_policy.yaml", "shellparse.yaml", "suggestions.yaml", "tools.yaml", "claude_hook.yaml"];

    static readonly string[] Extra =
    [
        "cat /etc/passwd", "CAT /ETC/PASSWD", "cat \\etc\\passwd", "a\\b", "a/b", "a//b", "/", "\\", "é", "É", "straße", "STRASSE",
        "\u212A", "k", "K", "İ", "i", "ǅ", "\uFFFD", "a\uFFFD", "a\uD800", "a\uDC00b", "\uD83D\uDE00", "x\uD83D\uDE00y",
        "a]b", "a]", "a{b}", "a^b", "a!b", "~/.ssh", " ", "a b", "a\tb", "a\nb", new string('x', 300),
    ];

    static List<string> Strings() => ConformanceYaml.CorpusStrings(ConformanceFiles, maxLength: 600, Extra);

    static IEnumerable<string> Variants(string s)
    {
        yield return s;
        yield return s.ToUpperInvariant();
        yield return s.ToLowerInvariant();
        yield return s.Replace('/', '\\');
        yield return s.Replace('\\', '/');
        yield return s + "x";
        yield return "x" + s;
        yield return s + "/";
        if (s.Length > 1)
        {
            yield return s[..^1];
            yield return s[1..];
            var mid = s.Length / 2;
            yield return s[..mid] + "\uD800" + s[(mid + 1)..];
            yield return s[..mid] + "\uFFFD" + s[(mid + 1)..];
            yield return s[..mid] + "é" + s[(mid + 1)..];
            yield return s[..mid] + (char)(s[mid] ^ 0x20) + s[(mid + 1)..];
            yield return s[..mid] + (s[mid] == '/' ? '\\' : '/') + s[(mid + 1)..];
        }
    }

    [Fact]
    public void Literal_fast_path_agrees_with_the_general_matcher()
    {
        var strings = Strings();
        var mismatches = new List<string>();
        var literals = 0;
        var pairs = 0;
        foreach (var text in strings)
        {
            var pattern = GlobPattern.Compile(text);
            if (!pattern.IsLiteral) continue;
            literals++;
            foreach (var name in Variants(text)) Check(pattern, name);
            foreach (var other in strings) Check(pattern, other);
        }
        // The fast path must actually be taken for the comparison to mean anything.
        Assert.True(literals > 100, $"only {literals} literal patterns");
        Assert.True(pairs > 10_000, $"only {pairs} pairs");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(20)));

        void Check(GlobPattern pattern, string name)
        {
            pairs++;
            var fast = pattern.IsMatch(name);
            var general = pattern.IsMatchGeneral(name);
            if (fast != general) mismatches.Add($"pattern {Printable.Escape(pattern.Pattern)} name {Printable.Escape(name)}: fast {fast}, general {general}");
        }
    }

    [Theory]
    [InlineData("cat /etc/passwd", "cat /etc/passwd", true)]
    [InlineData("cat /etc/passwd", "cat \\etc\\passwd", true)]
    [InlineData("cat \\etc\\passwd", "cat /etc/passwd", true)]
    [InlineData("cat /etc/passwd", "CAT /etc/passwd", false)]
    [InlineData("cat /etc/passwd", "cat /etc/passwd ", false)]
    [InlineData("straße", "straße", true)]
    [InlineData("a]b", "a]b", true)]
    public void Literal_patterns_match_only_themselves_with_backslash_read_as_slash(string text, string name, bool expected)
    {
        var pattern = GlobPattern.Compile(text);
        Assert.True(pattern.IsLiteral);
        Assert.Equal(expected, pattern.IsMatch(name));
    }

    [Theory]
    [InlineData("a\uFFFD")]
    [InlineData("a\uD800")]
    [InlineData("x\uD83D\uDE00y")]
    [InlineData("a*")]
    [InlineData("a?")]
    [InlineData("a[b]")]
    public void Patterns_with_metacharacters_surrogates_or_replacement_characters_take_the_general_matcher(string text)
    {
        Assert.False(GlobPattern.Compile(text).IsLiteral);
    }
}
