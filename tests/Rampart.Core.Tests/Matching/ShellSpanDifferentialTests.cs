using System.Text;
using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

/// <summary>
/// The scanning shortcuts of the shell analysis (separator-free splits, the POL-071 pre-check, vectorised
/// character gates) and the call context's refilled analysis, candidate lists and pooled forms, against the
/// string-building code they replaced (kept below verbatim as <see cref="StringForms"/>): every string of the
/// shell-related conformance files plus generated commands built from the characters the heuristics react to.
/// </summary>
public sealed class ShellSpanDifferentialTests
{
    static SortedSet<string> ConformanceStrings()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { "shellparse.yaml", "engine.yaml", "conditions.yaml", "standard_policy.yaml", "suggestions.yaml" })
        {
            ConformanceYaml.CollectStrings(ConformanceYaml.LoadFile(SharedFiles.Conformance(file)), found);
        }
        return found;
    }

    /// <summary>Generated commands (lone surrogates included, so they are checked in one fact: test case names cannot carry them).</summary>
    static SortedSet<string> GeneratedStrings()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        string[] pieces =
        [
            "curl https://evil.example/", "$(", ")", "`", "eval ", "eval", "<(", ">(", "(", "'", "\"", "\\", ";", "&&", "||", "|", "&",
            "\n", "\t", " ", "  ", "rm", "-rf", "/", "cat /etc/passwd", "X=1 ", "env:", ":", "=", "#", "\u001b[31m", "\u0001", "\uD800",
            "\uD83D\uDE00", "\uE000", "\uFFFD", "ü", "İ", "bash -c ", "cmd /c ", "pwsh -c ", "^", "find . -delete", "if ", "then ", "{ ", " }",
            "case x in a) ", "nohup ", "sudo ", "2>&1", "> out", "<<< ", "$x", "ev`a`l", "$$(", "$((1))", "echo",
        ];
        var random = new Random(20261201);
        for (var n = 0; n < 6000; n++)
        {
            var sb = new StringBuilder();
            var count = 1 + random.Next(9);
            for (var k = 0; k < count; k++) sb.Append(pieces[random.Next(pieces.Length)]);
            found.Add(sb.ToString());
        }
        return found;
    }

    static IEnumerable<string> Inputs()
    {
        foreach (var s in ConformanceStrings()) yield return s;
        foreach (var s in GeneratedStrings()) yield return s;
    }

    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var s in ConformanceStrings())
        {
            if (s.Length < 400) data.Add(s);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Shell_analysis_of_conformance_strings_agrees_with_the_string_forms(string command) => AssertAgrees(command);

    [Fact]
    public void Shell_analysis_of_generated_commands_agrees_with_the_string_forms()
    {
        foreach (var command in GeneratedStrings())
        {
            try
            {
                AssertAgrees(command);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException("command " + JsonSerializer.Serialize(command) + ": " + e.Message);
            }
        }
    }

    static void AssertAgrees(string command)
    {
        Assert.Equal(StringForms.Sanitize(command), ShellText.Sanitize(command));
        Assert.Equal(StringForms.SplitList(command, ShellDialect.Posix), ShellText.SplitList(command, ShellDialect.Posix));
        Assert.Equal(StringForms.SplitList(command, ShellDialect.Cmd), ShellText.SplitList(command, ShellDialect.Cmd));
        Assert.Equal(StringForms.SplitList(command, ShellDialect.PowerShell), ShellText.SplitList(command, ShellDialect.PowerShell));
        foreach (var dialect in new[] { ShellDialect.Posix, ShellDialect.Cmd, ShellDialect.PowerShell })
        {
            Assert.Equal(StringForms.Normalize(command, dialect), ShellText.Normalize(command, dialect));
        }
        Assert.Equal(StringForms.ExtractSubcommands(command), ShellText.ExtractSubcommands(command));
        Assert.Equal(StringForms.Classify(command), PlainCommand.Classify(command));
        Assert.Equal(StringForms.IsVerbatimSegment(command), ShellText.IsVerbatimSegment(command));
        Assert.Equal(StringForms.CannotAssign(command), ShellEnvAssignments.CannotAssign(command));
        Assert.Equal(command.ToLowerInvariant(), ShellWords.LowerInvariant(command));

        var expected = StringForms.Analysis(command);
        var analysis = CommandAnalysis.Of(command);
        Assert.Equal(expected.Normalized, analysis.Normalized);
        Assert.Equal(expected.NormalizesToNothing, analysis.NormalizesToNothing);
        Assert.Equal(expected.Segments, analysis.Segments);
        Assert.Equal(expected.SubCommands, analysis.SubCommands);
        Assert.Equal(expected.Components, analysis.Components);
        Assert.Equal(expected.IsComposite, analysis.IsComposite);
        Assert.Equal(StringForms.RestrictiveCandidates(expected), ShellForms.RestrictiveCandidates(command));
    }

    /// <summary>
    /// One thread's context analyses every input in turn (refilled lists, pooled forms), so state left over from
    /// one call would show up in a later one.
    /// </summary>
    [Fact]
    public void Call_context_forms_agree_with_the_string_forms_call_after_call()
    {
        var now = DateTimeOffset.UnixEpoch;
        foreach (var input in Inputs())
        {
            if (input.Length >= 400) continue;
            var ctx = CallContext.Rent(Call(input), now, null);
            try
            {
                // As decoded from the call (CallInputs).
                var command = ctx.Command;
                var expected = StringForms.Analysis(command);
                var plain = PlainCommand.Classify(command) != PlainKind.Shell;
                Assert.Equal(plain ? command : expected.Normalized, ctx.Normalized);
                Assert.Equal(!plain && expected.IsComposite, ctx.IsComposite);
                Assert.Equal(plain ? [command] : expected.Components, ctx.Components);
                var candidates = plain ? [command] : StringForms.RestrictiveCandidates(expected);
                var forms = ctx.FormsOf(command).Candidates;
                Assert.Equal(candidates, forms.Select(k => k.Text));
                foreach (var k in forms)
                {
                    Assert.Same(k, ctx.CandidateOf(k.Text));
                    Assert.Equal(StringForms.Normalize(k.Text, ShellDialect.Posix), k.Normalized);
                    Assert.Equal(ShellForms.CanonicalRmAliases(k.Text, out var overflow), k.RmAliases);
                    Assert.Equal(overflow, k.RmOverflow);
                }
                for (var i = 0; i < ctx.Components.Count; i++)
                {
                    var component = ctx.Components[i];
                    var componentForms = ctx.FormsOf(component);
                    Assert.Same(componentForms, ctx.FormsOf(component));
                    Assert.Equal(component, componentForms.Text);
                    var own = component == command ? candidates : StringForms.RestrictiveCandidates(StringForms.Analysis(component));
                    if (PlainCommand.Classify(component) != PlainKind.Shell && component != command) own = [component];
                    Assert.Equal(own, componentForms.Candidates.Select(k => k.Text));
                }
            }
            finally
            {
                CallContext.Return(ctx);
            }
        }
    }

    static ToolCall Call(string command) => new()
    {
        Tool = "exec",
        Params = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["command"] = JsonDocument.Parse(JsonSerializer.Serialize(command)).RootElement.Clone(),
        },
    };

    /// <summary>The string-building code before the span shortcuts (ShellText, CommandAnalysis, ShellForms, PlainCommand, ShellEnvAssignments).</summary>
    static class StringForms
    {
        public sealed record Analysed(string Normalized, bool NormalizesToNothing, List<string> Segments, List<string> SubCommands, List<string> Components, bool IsComposite, string Raw);

        public static string Sanitize(string raw)
        {
            if (IsClean(raw)) return raw;
            var sb = new StringBuilder(raw.Length);
            for (var i = 0; i < raw.Length; i++)
            {
                var c = raw[i];
                if (c == '\x1B' && i + 1 < raw.Length && raw[i + 1] == '[')
                {
                    var j = i + 2;
                    while (j < raw.Length && (char.IsAsciiDigit(raw[j]) || raw[j] == ';')) j++;
                    if (j < raw.Length && char.IsAsciiLetter(raw[j]))
                    {
                        i = j;
                        continue;
                    }
                }
                if (c < ' ' && c != '\t' && c != '\n') continue;
                if (char.IsHighSurrogate(c) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1]))
                {
                    sb.Append(c).Append(raw[++i]);
                    continue;
                }
                sb.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
            return sb.ToString();
        }

        static bool IsClean(string s)
        {
            for (var i = 0; i < s.Length; i++)
            {
                var c = s[i];
                if (c < ' ' && c != '\t' && c != '\n') return false;
                if (char.IsSurrogate(c))
                {
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
                    else return false;
                }
            }
            return true;
        }

        public static List<string> SplitList(string command, ShellDialect dialect)
        {
            var segments = new List<string>();
            var cmd = dialect == ShellDialect.Cmd;
            var segmentStart = 0;
            var inSingle = false;
            var inDouble = false;
            var escaped = false;
            var n = command.Length;
            for (var i = 0; i < n; i++)
            {
                var c = command[i];
                if (escaped)
                {
                    escaped = false;
                    continue;
                }
                if (cmd)
                {
                    if (c == '^')
                    {
                        escaped = true;
                        continue;
                    }
                }
                else
                {
                    if (c == '\\' && !inSingle)
                    {
                        escaped = true;
                        continue;
                    }
                    if (c == '\'' && !inDouble)
                    {
                        inSingle = !inSingle;
                        continue;
                    }
                }
                if (c == '"' && !inSingle)
                {
                    inDouble = !inDouble;
                    continue;
                }
                if (inSingle || inDouble) continue;
                var next = i + 1 < n ? command[i + 1] : '\0';
                if ((c == '&' && next == '&') || (c == '|' && next == '|'))
                {
                    AddSegment(segments, command, segmentStart, i);
                    i++;
                    segmentStart = i + 1;
                    continue;
                }
                if (c == '&')
                {
                    var afterRedirect = i > 0 && (command[i - 1] == '>' || command[i - 1] == '<');
                    if (afterRedirect || (!cmd && next == '>')) continue;
                    AddSegment(segments, command, segmentStart, i);
                    segmentStart = i + 1;
                    continue;
                }
                if (c == '|' || c == ';' || c == '\n')
                {
                    AddSegment(segments, command, segmentStart, i);
                    segmentStart = i + 1;
                }
            }
            AddSegment(segments, command, segmentStart, n);
            return segments;
        }

        static void AddSegment(List<string> segments, string command, int start, int end)
        {
            if (start >= end) return;
            var span = command.AsSpan(start, end - start).Trim();
            if (span.Length == 0) return;
            segments.Add(span.Length == command.Length ? command : span.ToString());
        }

        public static string Normalize(string command, ShellDialect dialect)
        {
            var text = Sanitize(command).Trim();
            if (text.Length == 0) return "";
            var segments = SplitList(text, dialect);
            if (segments.Count == 1) return ShellText.NormalizeSegmentFully(segments[0], dialect);
            var sb = new StringBuilder(text.Length + 8);
            foreach (var segment in segments)
            {
                var normalized = ShellText.NormalizeSegmentFully(segment, dialect);
                if (normalized.Length == 0) continue;
                if (sb.Length > 0) sb.Append(" && ");
                sb.Append(normalized);
            }
            return sb.ToString();
        }

        public static List<string> ExtractSubcommands(string command)
        {
            var result = new List<string>();
            var direct = DirectSubcommands(Sanitize(command));
            if (direct.Count == 0) return result;
            var stack = new Stack<(List<string> Items, int Next)>();
            stack.Push((direct, 0));
            while (stack.Count > 0)
            {
                var (items, next) = stack.Pop();
                if (next >= items.Count) continue;
                var item = items[next];
                stack.Push((items, next + 1));
                result.Add(item);
                var inner = DirectSubcommands(item);
                if (inner.Count > 0) stack.Push((inner, 0));
            }
            return result;
        }

        static List<string> DirectSubcommands(string s)
        {
            var found = new List<string>();
            var n = s.Length;
            for (var i = 0; i + 1 < n; i++)
            {
                if (s[i] != '$' || s[i + 1] != '(') continue;
                var depth = 1;
                var j = i + 2;
                for (; j < n; j++)
                {
                    if (s[j] == '$' && j + 1 < n && s[j + 1] == '(')
                    {
                        depth++;
                        j++;
                    }
                    else if (s[j] == ')' && --depth == 0)
                    {
                        break;
                    }
                }
                if (depth != 0) break;
                AddInner(found, s, i + 2, j);
                i = j;
            }
            for (var i = 0; i < n;)
            {
                var open = s.IndexOf('`', i);
                if (open < 0) break;
                var close = s.IndexOf('`', open + 1);
                if (close < 0) break;
                AddInner(found, s, open + 1, close);
                i = close + 1;
            }
            if (s.Contains("eval", StringComparison.Ordinal))
            {
                var tokens = ShellText.TokenizeList(s.Trim(), ShellDialect.Posix);
                var k = 0;
                while (k < tokens.Count && ShellText.IsEnvAssignment(tokens[k])) k++;
                if (tokens.Count - k >= 2 && tokens[k] == "eval")
                {
                    var inner = string.Join(' ', tokens.Skip(k + 1)).Trim();
                    if (inner.Length > 0) found.Add(inner);
                }
            }
            for (var i = 0; i + 1 < n; i++)
            {
                if ((s[i] != '<' && s[i] != '>') || s[i + 1] != '(') continue;
                var depth = 1;
                var j = i + 2;
                for (; j < n; j++)
                {
                    if (s[j] == '(') depth++;
                    else if (s[j] == ')' && --depth == 0) break;
                }
                if (depth != 0) break;
                AddInner(found, s, i + 2, j);
                i = j;
            }
            return found;
        }

        static void AddInner(List<string> found, string s, int start, int end)
        {
            var span = s.AsSpan(start, end - start).Trim();
            if (span.Length > 0) found.Add(span.ToString());
        }

        public static Analysed Analysis(string raw)
        {
            var normalized = Normalize(raw, ShellDialect.Posix);
            var nothing = normalized.Length == 0;
            if (nothing) normalized = raw;
            var segments = SplitList(normalized, ShellDialect.Posix);
            var subCommands = ExtractSubcommands(raw);
            var composite = segments.Count > 1 || subCommands.Count > 0;
            var components = new List<string>();
            if (!composite)
            {
                var trimmed = normalized.Trim();
                if (trimmed.Length > 0) components.Add(trimmed);
            }
            else
            {
                foreach (var segment in segments) AddDistinct(components, segment);
                foreach (var sub in subCommands)
                {
                    foreach (var segment in SplitList(sub, ShellDialect.Posix))
                    {
                        var n = Normalize(segment, ShellDialect.Posix);
                        AddDistinct(components, n.Length == 0 ? segment : n);
                    }
                }
            }
            return new Analysed(normalized, nothing, segments, subCommands, components, composite, raw);
        }

        public static List<string> RestrictiveCandidates(Analysed analysis)
        {
            var candidates = new List<string>();
            AddWithBodyForms(candidates, analysis.Raw);
            foreach (var component in analysis.Components) AddWithBodyForms(candidates, component);
            return candidates;
        }

        static void AddWithBodyForms(List<string> candidates, string text)
        {
            AddDistinct(candidates, text.Trim());
            foreach (var form in ShellForms.BodyForms(text)) AddDistinct(candidates, form.Trim());
        }

        static void AddDistinct(List<string> into, string item)
        {
            if (item.Length > 0 && !into.Contains(item)) into.Add(item);
        }

        static readonly string WordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:,+@%=~*?";

        public static PlainKind Classify(string command)
        {
            var s = command.AsSpan();
            if (s.IsEmpty || s[0] == ' ' || s[^1] == ' ') return PlainKind.Shell;
            var firstEnd = -1;
            for (var i = 0; i < s.Length; i++)
            {
                var c = s[i];
                if (c == ' ')
                {
                    if (s[i - 1] == ' ') return PlainKind.Shell;
                    if (firstEnd < 0) firstEnd = i;
                }
                else if (!WordChars.Contains(c))
                {
                    return PlainKind.Shell;
                }
            }
            var first = firstEnd < 0 ? s : s[..firstEnd];
            if (first.IndexOfAny('/', '=') >= 0) return PlainKind.Shell;
            if (first.StartsWith("env:", StringComparison.OrdinalIgnoreCase)) return PlainKind.Shell;
            if (first.Length > 16) return PlainKind.Plain;
            if (first is "rm" or "find") return PlainKind.PlainRm;
            return PlainCommand.IsSpecialFirstWord(first) ? PlainKind.Shell : PlainKind.Plain;
        }

        public static bool IsVerbatimSegment(string segment)
        {
            var s = segment.AsSpan();
            if (s.IsEmpty || s[0] == ' ' || s[^1] == ' ') return false;
            var firstEnd = -1;
            for (var i = 0; i < s.Length; i++)
            {
                var c = s[i];
                if (c == ' ')
                {
                    if (s[i - 1] == ' ') return false;
                    if (firstEnd < 0) firstEnd = i;
                }
                else if (c is '\'' or '"' or '\\' or '\t')
                {
                    return false;
                }
            }
            var first = firstEnd < 0 ? s : s[..firstEnd];
            if (first.IndexOfAny("/=<>") >= 0) return false;
            return !PlainCommand.IsSpecialFirstWord(first);
        }

        public static bool CannotAssign(string command)
        {
            var s = command.AsSpan();
            if (s.Contains('=')) return false;
            if (!s.Contains(':')) return true;
            foreach (var c in s)
            {
                if (c < ' ' || c is '\'' or '"' or '\\' or '`' or '^') return false;
            }
            var from = 0;
            while (true)
            {
                var at = s[from..].IndexOf(':');
                if (at < 0) return true;
                var i = from + at;
                if (i >= 3 && s.Slice(i - 3, 3).Equals("env", StringComparison.OrdinalIgnoreCase)) return false;
                if (s[(i + 1)..].StartsWith(":setenvironmentvariable(", StringComparison.OrdinalIgnoreCase)) return false;
                from = i + 1;
            }
        }
    }
}
