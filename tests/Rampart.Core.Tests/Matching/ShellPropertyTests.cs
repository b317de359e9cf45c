using System.Text;
using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

/// <summary>Properties of the shell heuristics over the conformance inputs and fixed-seed random text.</summary>
public sealed class ShellPropertyTests
{
    const int RandomCommands = 3000;

    /// <remarks>
    /// Normalize is not idempotent in general, and upstream behaves the same way. Quotes protect
    /// separators and spaces only the first time: <c>echo 'a&amp;&amp;b'</c> → <c>echo a&amp;&amp;b</c> → <c>echo a &amp;&amp; b</c>,
    /// and <c>'he said "hi"' arg</c> → <c>he said "hi" arg</c> → <c>he said hi arg</c> (shellparse.yaml shows the second
    /// step too: its components and restrictive aliases are the split/tokenised normalised form). In
    /// all 100 cases where one upstream case's normalised output is another case's input, upstream's
    /// own result is unchanged. So the assertion covers exactly that evidence, plus every normalised
    /// output that contains no quote or backslash (other than a final lone one) and is already in
    /// split-and-joined form.
    /// </remarks>
    [Fact]
    public void Normalize_is_idempotent_on_stable_normalised_outputs()
    {
        var checkedCount = 0;
        var upstreamNormalized = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in ShellParseVectors.All)
        {
            if (c.Map("forms") is { } forms) upstreamNormalized.TryAdd(c.Str("input"), forms.Str("normalized"));
        }
        foreach (var c in ShellParseVectors.All)
        {
            var id = c.Str("id");
            var normalized = ShellText.Normalize(c.Str("input"));
            if (upstreamNormalized.TryGetValue(normalized, out var upstreamAgain))
            {
                Assert.True(upstreamAgain == normalized, $"{id}: upstream data is not idempotent for '{normalized}'");
                Assert.True(ShellText.Normalize(normalized) == normalized, $"{id}: '{normalized}' changed");
                checkedCount++;
            }
            else if (IsStableForm(normalized))
            {
                Assert.True(ShellText.Normalize(normalized) == normalized, $"{id}: '{normalized}' changed");
                checkedCount++;
            }
        }
        Assert.True(checkedCount >= 100, $"only {checkedCount} outputs checked");
    }

    [Fact]
    public void Normalize_is_not_idempotent_where_quotes_protected_separators()
    {
        Assert.Equal("echo a && b", ShellText.Normalize(ShellText.Normalize("echo 'a&&b'")));
        Assert.Equal("he said hi arg", ShellText.Normalize(ShellText.Normalize("'he said \"hi\"' arg")));
    }

    static bool IsStableForm(string normalized)
    {
        var body = normalized.EndsWith('\\') ? normalized[..^1] : normalized;
        if (body.AsSpan().IndexOfAny("'\"\\") >= 0) return false;
        return string.Join(" && ", ShellText.Split(normalized)) == normalized;
    }

    [Fact]
    public void Split_never_returns_empty_or_untrimmed_segments()
    {
        foreach (var command in RandomCommandTexts(seed: 1))
        {
            foreach (var dialect in Dialects)
            {
                foreach (var segment in ShellText.Split(command, dialect))
                {
                    Assert.False(segment.Length == 0, $"empty segment from {Show(command)}");
                    Assert.True(segment == segment.Trim(), $"untrimmed segment {Show(segment)} from {Show(command)}");
                }
            }
        }
    }

    [Fact]
    public void No_shell_function_throws_on_random_text()
    {
        foreach (var command in RandomCommandTexts(seed: 2))
        {
            foreach (var dialect in Dialects)
            {
                _ = ShellText.Split(command, dialect);
                _ = ShellText.Tokenize(command, dialect);
                _ = ShellText.Normalize(command, dialect);
            }
            _ = ShellText.Sanitize(command);
            _ = ShellText.ExtractSubcommands(command);
            _ = ShellText.StripComment(command);
            _ = ShellText.IsEnvAssignment(command);
            _ = ShellText.WrapperDialect(command);
            _ = CommandAnalysis.Of(command);
            _ = ShellForms.BodyForms(command);
            _ = ShellForms.RestrictiveCandidates(command);
            _ = ShellForms.SemanticAliases(command);
            _ = ShellForms.SemanticAliasSpellings(command);
            _ = ShellForms.CanonicalRmAliases(command, out _);
            _ = ShellForms.AlternateReadings(command);
            _ = ShellForms.EnvAssignmentNames(command);
        }
    }

    [Fact]
    public void Sanitize_output_has_no_control_characters_or_lone_surrogates_and_is_stable()
    {
        foreach (var command in RandomCommandTexts(seed: 3))
        {
            var sanitized = ShellText.Sanitize(command);
            for (var i = 0; i < sanitized.Length; i++)
            {
                var c = sanitized[i];
                Assert.False(c < ' ' && c != '\t' && c != '\n', $"control U+{(int)c:X4} left in {Show(sanitized)}");
                if (char.IsHighSurrogate(c) && i + 1 < sanitized.Length && char.IsLowSurrogate(sanitized[i + 1])) i++;
                else Assert.False(char.IsSurrogate(c), $"lone surrogate left in {Show(sanitized)}");
            }
            Assert.Equal(sanitized, ShellText.Sanitize(sanitized));
        }
    }

    [Fact]
    public void Deep_nesting_is_extracted_completely_and_launcher_chains_fully_stripped()
    {
        // Extraction uses an explicit stack, so depth cannot overflow the thread stack; the output
        // itself is O(depth²) characters, which bounds how deep a test can reasonably go.
        const int depth = 400;
        var nested = new StringBuilder();
        for (var i = 1; i < depth; i++) nested.Append("$(echo ");
        nested.Append("$(A=1 rm -rf /");
        nested.Append(')', depth);
        var command = nested.ToString();

        var subCommands = ShellText.ExtractSubcommands(command);
        Assert.Equal(depth, subCommands.Count);
        Assert.Equal("A=1 rm -rf /", subCommands[^1]);
        Assert.Equal(["A"], ShellForms.EnvAssignmentNames(command));
        Assert.Contains("rm -rf /", CommandAnalysis.Of(command).Components);

        var launchers = string.Concat(Enumerable.Repeat("env nohup command ", 3000)) + "rm -rf /";
        Assert.Equal("rm -rf /", ShellText.Normalize(launchers));
    }

    static readonly ShellDialect[] Dialects = [ShellDialect.Posix, ShellDialect.Cmd, ShellDialect.PowerShell];

    static readonly string[] Fragments =
    [
        " ", " ", "\t", "\n", "\r", "'", "\"", "\\", "`", "^", "$(", "(", ")", "{", "}", "<(", ">(", "<<<", "<<", ">>",
        ">", "<", "&", "&&", "|", "||", ";", ";;", "#", "=", "-", "--", "{}", "\\;", "+", "!", "2>&1", "&>", "\x1B[0m",
        "\x1B[", "\0", "\x01", "\x7F", "\uFFFD", "é", "\uD83D\uDE00", "\uD800", "\uDFFF", "rm", "-rf", "/", "//",
        "../", "find", "-delete", "-exec", "eval", "env", "-S", "-u", "--split-string=", "nohup", "nice", "-n", "5",
        "timeout", "5s", "setsid", "stdbuf", "-oL", "command", "-p", "exec", "-a", "bash", "-c", "sh", "/bin/", "cmd",
        "/c", "/k", "pwsh", "-Command", "busybox", "FOO=1", "if", "then", "fi", "case", "esac", "do", "done", "set",
        "$env:X=", "[environment]::setenvironmentvariable(", "export", "x", "y",
    ];

    static IEnumerable<string> RandomCommandTexts(int seed)
    {
        var random = new Random(seed);
        var sb = new StringBuilder();
        for (var n = 0; n < RandomCommands; n++)
        {
            sb.Clear();
            var parts = random.Next(0, 24);
            for (var i = 0; i < parts; i++)
            {
                if (random.Next(8) == 0) sb.Append((char)random.Next(0, 0x10000)); // any UTF-16 unit, lone surrogates included
                else sb.Append(Fragments[random.Next(Fragments.Length)]);
            }
            yield return sb.ToString();
        }
    }

    static string Show(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s) sb.Append(c < ' ' || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString());
        return sb.Append('"').ToString();
    }
}
