using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

/// <summary>
/// The rule index's two foundations: the automaton marks exactly the literals a folded text contains,
/// and a glob's <see cref="GlobPattern.RequiredLiteral"/> really occurs in every name it matches.
/// </summary>
public sealed class LiteralAutomatonTests
{
    // Small alphabet with the characters folding treats specially: case, `\` vs `/`, non-ASCII
    // letters whose invariant lower case is ASCII (Kelvin sign → k, İ → i), and a surrogate pair.
    static readonly string[] Units = ["a", "b", "A", "B", "k", "K", "\u212A", "i", "\u0130", "/", "\\", " ", "-", "*", "?", "[", "]", "\U0001F600", "é", "É"];

    static string RandomText(Random r, int max)
    {
        var n = r.Next(0, max + 1);
        var s = "";
        for (var i = 0; i < n; i++) s += Units[r.Next(Units.Length)];
        return s;
    }

    static string FoldText(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++) chars[i] = LiteralAutomaton.Fold(chars[i]);
        return new string(chars);
    }

    [Fact]
    public void Marks_exactly_the_literals_the_folded_text_contains()
    {
        var random = new Random(7);
        for (var round = 0; round < 300; round++)
        {
            var literals = new List<(string, int)>();
            var folded = new List<string>();
            var count = random.Next(1, 12);
            for (var t = 0; t < count; t++)
            {
                var literal = LiteralAutomaton.FoldLiteral(RandomText(random, 4));
                if (literal.Length == 0) literal = "a";
                literals.Add((literal, t));
                folded.Add(literal);
            }
            var automaton = LiteralAutomaton.Build(literals);
            for (var k = 0; k < 20; k++)
            {
                var text = RandomText(random, 12);
                var bits = new ulong[1];
                automaton.Mark(text, bits);
                var haystack = FoldText(text);
                for (var t = 0; t < count; t++)
                {
                    var want = haystack.Contains(folded[t], StringComparison.Ordinal);
                    var got = (bits[0] & (1UL << t)) != 0;
                    Assert.True(want == got, $"literal \"{folded[t]}\" in \"{text}\": want {want}, got {got}");
                }
            }
        }
    }

    [Fact]
    public void Dense_table_marks_what_the_edge_lists_mark()
    {
        // Every string of the conformance files and upstream's policies as a literal (many shared
        // prefixes and failure links), scanned over the same strings and random mixes of them.
        var strings = ConformanceYaml.CorpusStrings(
            ["glob.yaml", "engine.yaml", "conditions.yaml", "standard_policy.yaml", "shellparse.yaml", "suggestions.yaml"], maxLength: 200);
        const int Words = 16;
        var literals = new List<(string, int)>();
        // About the size of standard.yaml's command automaton (~1 500 literals), which stays dense.
        foreach (var s in strings.Where(s => s.Length < 40).Take(1500))
        {
            var literal = LiteralAutomaton.FoldLiteral(s);
            if (literal.Length > 0) literals.Add((literal, literals.Count % (Words * 64)));
        }
        var automaton = LiteralAutomaton.Build(literals);
        Assert.True(automaton.IsDense, $"size {automaton.Size}, literals {literals.Count}");
        var random = new Random(11);
        var texts = new List<string>(strings);
        for (var i = 0; i < 2000; i++)
        {
            texts.Add(strings[random.Next(strings.Count)] + RandomText(random, 6) + strings[random.Next(strings.Count)][..1] + RandomText(random, 6));
        }
        var dense = new ulong[Words];
        var sparse = new ulong[Words];
        var marked = 0;
        foreach (var text in texts)
        {
            Array.Clear(dense);
            Array.Clear(sparse);
            automaton.Mark(text, dense);
            automaton.MarkSparse(text, sparse);
            Assert.True(dense.AsSpan().SequenceEqual(sparse), $"text \"{text}\"");
            if (dense.AsSpan().IndexOfAnyExcept(0UL) >= 0) marked++;
        }
        Assert.True(marked > texts.Count / 2);
    }

    [Fact]
    public void Folding_agrees_with_string_lower_casing_outside_surrogates()
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var ch = (char)c;
            if (char.IsSurrogate(ch)) continue;
            var expected = ch == '\\' ? "/" : ch.ToString().ToLowerInvariant();
            Assert.Equal(expected, LiteralAutomaton.Fold(ch).ToString());
        }
    }

    [Fact]
    public void Fold_literal_keeps_the_longest_surrogate_free_run()
    {
        Assert.Equal("abc/d", LiteralAutomaton.FoldLiteral("ABC\\D"));
        Assert.Equal("long", LiteralAutomaton.FoldLiteral("x\U0001F600LONG\U0001F600y"));
        Assert.Equal("", LiteralAutomaton.FoldLiteral("\U0001F600"));
    }

    public static TheoryData<string> CommandCaseIds => GlobCases.Ids("command");

    [Theory]
    [MemberData(nameof(CommandCaseIds))]
    public void Required_literal_occurs_in_every_matching_name_of_the_conformance_cases(string id)
    {
        var c = GlobCases.Get(id);
        AssertRequiredLiteralHolds(c.Str("pattern"), c.Str("input"));
    }

    static readonly string[] PatternPieces = ["*", "**", "?", "[ab]", "[!a]", "[^b]", "a", "b", "A", "/", "\\", " ", "-", "rm", "git", "[", "]", "\u212A", "é"];

    [Fact]
    public void Required_literal_occurs_in_every_matching_name()
    {
        var random = new Random(11);
        var matched = 0;
        for (var round = 0; round < 20000; round++)
        {
            var pattern = "";
            var n = random.Next(1, 6);
            for (var i = 0; i < n; i++) pattern += PatternPieces[random.Next(PatternPieces.Length)];
            var name = RandomText(random, 6);
            if (random.Next(3) == 0) name = pattern.Replace("*", RandomText(random, 2)).Replace("?", "a");
            if (AssertRequiredLiteralHolds(pattern, name)) matched++;
            if (AssertRequiredLiteralHolds(pattern.ToLowerInvariant(), name.ToLowerInvariant())) matched++;
        }
        // The generator must produce matches, or the property is vacuous.
        Assert.True(matched > 2000, $"only {matched} matches");
    }

    static bool AssertRequiredLiteralHolds(string pattern, string name)
    {
        var compiled = GlobPattern.Compile(pattern);
        if (!compiled.IsMatch(name)) return false;
        var literal = compiled.RequiredLiteral;
        Assert.True(literal is not null, $"\"{pattern}\" matched \"{name}\" but claims to match nothing");
        var folded = LiteralAutomaton.FoldLiteral(literal!);
        Assert.True(FoldText(name).Contains(folded, StringComparison.Ordinal),
            $"\"{pattern}\" matched \"{name}\" without its required literal \"{literal}\"");
        return true;
    }
}
