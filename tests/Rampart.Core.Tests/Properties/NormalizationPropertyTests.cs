using System.Text;
using Rampart.Core.Matching;
using Rampart.Core.Tests.Fuzzing;
using Rampart.Core.Tests.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Properties;

/// <summary>
/// Properties of command normalisation (POL-068..POL-082) that upstream's own outputs show: each is
/// first asserted over every expected value in shellparse.yaml (so it is upstream's behaviour, not a
/// wish), then over our implementation on fixed-seed mutations of upstream's inputs.
/// </summary>
public sealed class NormalizationPropertyTests
{
    const int Generated = 4000;

    static readonly IReadOnlyList<Dictionary<string, object?>> Vectors = [.. ShellParseVectors.All];

    static IEnumerable<(string Id, string Input, string Output)> UpstreamNormalize()
    {
        foreach (var c in Vectors)
        {
            if (c.Str("op") == "normalize" && c.Str("dialect") is "" or "posix" or "linux") yield return (c.Str("id"), c.Str("input"), c.Str("expect"));
        }
    }

    static IEnumerable<(string Id, string Input, Dictionary<string, object?> Forms)> UpstreamForms()
    {
        foreach (var c in Vectors)
        {
            if (c.Map("forms") is { } forms) yield return (c.Str("id"), c.Str("input"), forms);
        }
    }

    /// <summary>Mutants of upstream's inputs: what an agent might send next to what upstream tested.</summary>
    static IEnumerable<string> GeneratedCommands(int seed)
    {
        var inputs = Vectors.Select(c => Encoding.UTF8.GetBytes(c.Str("input"))).ToArray();
        var mutator = new SeedMutator(seed);
        var random = new Random(seed);
        for (var i = 0; i < Generated; i++)
        {
            yield return Encoding.UTF8.GetString(mutator.Mutate(inputs[random.Next(inputs.Length)], inputs[random.Next(inputs.Length)]));
        }
    }

    /// <summary>POL-068: sanitising drops every code point below U+0020 except TAB and LF (LF stays inside tokens, POL-072).</summary>
    static bool HasNoStrayControls(string s)
    {
        foreach (var c in s)
        {
            if (c < ' ' && c != '\t' && c != '\n') return false;
        }
        return true;
    }

    [Fact]
    public void Normalized_commands_carry_no_control_characters_but_tab_and_newline()
    {
        var upstream = UpstreamNormalize().ToList();
        Assert.True(upstream.Count >= 100, $"only {upstream.Count} upstream normalize vectors");
        foreach (var (id, _, output) in upstream) Assert.True(HasNoStrayControls(output), $"{id}: upstream output '{output}'");

        foreach (var command in GeneratedCommands(seed: 11))
        {
            var normalized = ShellText.Normalize(command);
            Assert.True(HasNoStrayControls(normalized), $"Normalize({Show(command)}) = {Show(normalized)}");
        }
    }

    [Fact]
    public void Surrounding_whitespace_does_not_change_the_normalised_command()
    {
        // Upstream: SP-003 '  ls  -la  ' → 'ls -la'; every upstream output is trimmed (above).
        foreach (var (id, input, output) in UpstreamNormalize())
        {
            Assert.True(ShellText.Normalize("  " + input + " \t ") == output, $"{id} with surrounding blanks");
        }
        foreach (var command in GeneratedCommands(seed: 12))
        {
            if (command.EndsWith('\\')) continue; // a trailing backslash escapes the blank after it
            Assert.True(ShellText.Normalize(" " + command + "  ") == ShellText.Normalize(command), $"{Show(command)}");
        }
    }

    [Fact]
    public void Components_are_distinct_and_non_empty()
    {
        foreach (var (id, _, forms) in UpstreamForms())
        {
            var components = forms.List("components")!.Select(x => (string)x!).ToList();
            Assert.True(IsDistinctNonEmpty(components), $"{id}: upstream components [{string.Join(" | ", components)}]");
        }
        foreach (var command in GeneratedCommands(seed: 13))
        {
            var components = CommandAnalysis.Of(command).Components;
            Assert.True(IsDistinctNonEmpty(components), $"components of {Show(command)}: [{string.Join(" | ", components.Select(Show))}]");
        }
    }

    [Fact]
    public void A_single_component_command_is_its_trimmed_normalised_form()
    {
        // POL-082: not composite ⇒ components = [trimmed normalised] (raw when that is empty, as
        // SP-016 `FOO=bar` shows). Upstream's forms agree.
        var seen = 0;
        foreach (var (id, input, forms) in UpstreamForms())
        {
            if (forms["composite"] is true) continue;
            var normalized = forms.Str("normalized") is { Length: > 0 } n ? n : input;
            var components = forms.List("components")!.Select(x => (string)x!).ToList();
            Assert.True(normalized.Trim().Length == 0 ? components.Count == 0 : components.SequenceEqual([normalized.Trim()]), id);
            seen++;
        }
        Assert.True(seen >= 20, $"only {seen} non-composite upstream cases");
        foreach (var command in GeneratedCommands(seed: 14))
        {
            var analysis = CommandAnalysis.Of(command);
            if (analysis.IsComposite) continue;
            var trimmed = analysis.Normalized.Trim();
            Assert.True(trimmed.Length == 0 ? analysis.Components.Count == 0 : analysis.Components.SequenceEqual([trimmed]), Show(command));
        }
    }

    [Fact]
    public void A_blank_command_normalises_to_nothing()
    {
        foreach (var (id, input, output) in UpstreamNormalize())
        {
            if (input.Trim().Length == 0) Assert.True(output.Length == 0, id);
        }
        foreach (var blank in (string[])["", " ", "\t", "  \t  ", "\n", " \r\n "])
        {
            Assert.Equal("", ShellText.Normalize(blank));
            Assert.Empty(CommandAnalysis.Of(blank).Components);
        }
    }

    // Not "trimmed": POL-082 keeps a sub-command's normalised segments as they are, and a quoted
    // trailing blank (`$(rm 'x ')`) survives normalisation.
    static bool IsDistinctNonEmpty(IReadOnlyList<string> items) =>
        items.All(x => x.Length > 0) && items.Distinct(StringComparer.Ordinal).Count() == items.Count;

    static string Show(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s) sb.Append(c < ' ' || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString());
        return sb.Append('"').ToString();
    }
}
