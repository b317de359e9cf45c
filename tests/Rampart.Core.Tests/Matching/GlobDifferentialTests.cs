using Rampart.Core.Matching;

namespace Rampart.Core.Tests.Matching;

/// <summary>Keeps the compiled matchers honest against <see cref="ReferenceGlob"/> on generated inputs (fixed seeds).</summary>
public sealed class GlobDifferentialTests
{
    private static readonly string[] PatternPieces = ["a", "b", "/", "*", "?", "[", "]", "-", "^", "**", "\\", "a", "b", "/"];
    private static readonly string[] NamePieces = ["a", "b", "/", "-", "^", "[", "]", "*", "?", "\\", "a", "b", "/", "a"];
    private static readonly string[] WidePieces = ["é", "😀", "[^a]", "[a-😀]"];

    private static string Generate(Random random, string[] pieces, int maxPieces, string[]? extra = null)
    {
        var count = random.Next(maxPieces + 1);
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var pool = extra is not null && random.Next(6) == 0 ? extra : pieces;
            sb.Append(pool[random.Next(pool.Length)]);
        }
        return sb.ToString();
    }

    // Half the names are the pattern with its wildcards filled in, so matches are common enough to test.
    private static string NameFor(Random random, string pattern, string[]? extra)
    {
        if (random.Next(2) == 0) return Generate(random, NamePieces, 9, extra);
        var sb = new System.Text.StringBuilder();
        foreach (var c in pattern)
        {
            if (c is '*' or '?') sb.Append(Generate(random, ["a", "b", "/", "-"], c == '*' ? 2 : 1));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static IEnumerable<(string Pattern, string Name)> Pairs(int seed, int count, string[]? extra = null)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var pattern = Generate(random, PatternPieces, 7, extra);
            for (var k = 0; k < 4; k++) yield return (pattern, NameFor(random, pattern, extra));
        }
    }

    [Fact]
    public void General_matcher_agrees_with_the_reference()
    {
        var checkedPairs = 0;
        var matches = 0;
        foreach (var (pattern, name) in Pairs(seed: 1, count: 2500))
        {
            var expected = ReferenceGlob.General(pattern, name);
            Assert.True(expected == GlobPattern.Compile(pattern).IsMatch(name), $"pattern '{pattern}' name '{name}': expected {expected}");
            checkedPairs++;
            if (expected) matches++;
        }
        // The generator must exercise both outcomes, or the comparison proves little.
        Assert.Equal(10_000, checkedPairs);
        Assert.InRange(matches, 1_000, 9_000);
    }

    [Fact]
    public void Segment_matcher_agrees_with_the_reference_on_double_star_patterns()
    {
        var random = new Random(2);
        var matches = 0;
        for (var i = 0; i < 2500; i++)
        {
            // Force a `**` so every pair reaches the segment matcher (POL-056 step 4).
            var pattern = Generate(random, PatternPieces, 3, WidePieces) + "**" + Generate(random, PatternPieces, 3, WidePieces);
            for (var k = 0; k < 4; k++)
            {
                var name = NameFor(random, pattern, WidePieces);
                var expected = ReferenceGlob.General(pattern, name);
                Assert.True(expected == GlobPattern.Compile(pattern).IsMatch(name), $"pattern '{pattern}' name '{name}': expected {expected}");
                if (expected) matches++;
            }
        }
        Assert.InRange(matches, 500, 9_500);
    }

    [Fact]
    public void Path_matcher_agrees_with_the_reference()
    {
        var matches = 0;
        foreach (var (pattern, name) in Pairs(seed: 3, count: 2500, WidePieces))
        {
            var expected = ReferenceGlob.Path(pattern, name);
            Assert.True(expected == PathGlob.Compile(pattern).IsMatch(name), $"pattern '{pattern}' name '{name}': expected {expected}");
            if (expected) matches++;
        }
        Assert.InRange(matches, 200, 9_800);
    }

    [Fact]
    public void Long_path_patterns_agree_with_the_reference()
    {
        // 64+ tokens leave the one-word automaton for the multi-word position sets.
        var pad = string.Concat(Enumerable.Repeat("ab/", 24));
        var matches = 0;
        foreach (var (pattern, name) in Pairs(seed: 6, count: 500, WidePieces))
        {
            var expected = ReferenceGlob.Path(pad + pattern, pad + name);
            Assert.True(expected == PathGlob.Compile(pad + pattern).IsMatch(pad + name), $"pattern '{pad}{pattern}' name '{pad}{name}': expected {expected}");
            if (expected) matches++;
        }
        Assert.InRange(matches, 50, 1_950);
    }

    [Fact]
    public void Filepath_match_with_escapes_agrees_with_the_reference()
    {
        var matches = 0;
        foreach (var (pattern, name) in Pairs(seed: 4, count: 2500))
        {
            var expected = ReferenceGlob.Filepath(pattern, name, escapes: true);
            Assert.True(expected == Glob.FilepathMatch(pattern, name, backslashEscapes: true), $"pattern '{pattern}' name '{name}': expected {expected}");
            if (expected) matches++;
        }
        Assert.InRange(matches, 100, 9_900);
    }

    [Fact]
    public void Glob_set_agrees_with_testing_patterns_one_by_one()
    {
        var random = new Random(5);
        for (var round = 0; round < 200; round++)
        {
            var patterns = new List<string>();
            var size = random.Next(1, 12);
            for (var i = 0; i < size; i++)
            {
                // Literal prefixes make the trie do real work.
                var prefix = random.Next(2) == 0 ? Generate(random, ["a", "b", "/"], 3) : "";
                patterns.Add(prefix + Generate(random, PatternPieces, 5));
            }
            var set = GlobSet.Compile(patterns);
            for (var k = 0; k < 20; k++)
            {
                var name = NameFor(random, patterns[random.Next(patterns.Count)], null);
                var expected = patterns.FindIndex(p => ReferenceGlob.General(p, name));
                Assert.True(expected == set.FirstMatch(name), $"set [{string.Join(", ", patterns)}] name '{name}': expected {expected}");
            }
        }
    }
}
