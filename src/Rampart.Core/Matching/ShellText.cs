using System.Buffers;
using System.Text;

namespace Rampart.Core.Matching;

/// <summary>
/// Heuristic shell text operations of POL-068..081 and POL-087. Not a shell: every quirk here is
/// reproduced on purpose because policy decisions depend on each intermediate form.
/// </summary>
/// <remarks>
/// "Byte by byte" in the spec is implemented over UTF-16 chars: every character the heuristics react
/// to is ASCII, so non-ASCII text is only ever copied and the results are identical.
/// </remarks>
public static class ShellText
{
    /// <summary>POL-068: drop ANSI CSI sequences and control characters other than TAB and LF.</summary>
    /// <remarks>
    /// Upstream receives bytes and turns invalid UTF-8 into U+FFFD here. A .NET string is already
    /// decoded (the JSON/UTF-8 readers have replaced invalid bytes), so the only invalid input left is a
    /// lone UTF-16 surrogate, which is replaced by U+FFFD for the same effect.
    /// </remarks>
    public static string Sanitize(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
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
        // Up to the first control character, surrogate or other unit above U+D7FF everything is clean.
        var from = s.AsSpan().IndexOfAnyExceptInRange(' ', '\uD7FF');
        if (from < 0) return true;
        for (var i = from; i < s.Length; i++)
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

    /// <summary>
    /// POL-069 / POL-070: split a compound command at <c>&amp;&amp; || &amp; | ;</c> and LF outside quotes.
    /// Segments are trimmed, empty ones dropped, quote characters kept. The input is not sanitised.
    /// </summary>
    public static IReadOnlyList<string> Split(string command, ShellDialect dialect = ShellDialect.Posix) =>
        SplitList(command, dialect);

    internal static List<string> SplitList(string command, ShellDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(command);
        var segments = new List<string>();
        SplitInto(command, dialect, segments);
        return segments;
    }

    /// <summary>The separators of POL-069/070 in every dialect (quotes and escapes only keep them from splitting).</summary>
    static readonly SearchValues<char> Separators = SearchValues.Create("&|;\n");

    /// <summary>No separator character at all: the split is the trimmed text itself (or nothing when that is empty).</summary>
    internal static bool HasNoSeparator(ReadOnlySpan<char> text) => !text.ContainsAny(Separators);

    /// <summary><see cref="SplitList"/> appending to <paramref name="segments"/>.</summary>
    internal static void SplitInto(string command, ShellDialect dialect, List<string> segments)
    {
        if (HasNoSeparator(command))
        {
            AddSegment(segments, command, 0, command.Length);
            return;
        }
        var cmd = dialect == ShellDialect.Cmd;
        var segmentStart = 0;
        var inSingle = false;
        var inDouble = false;
        var escaped = false;
        var n = command.Length;
        // Segments are substrings of the input between separators (copying all other characters
        // unchanged), so they are cut out with ranges instead of being rebuilt char by char.
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
                // POL-070: `^` copies itself and the next character. It is applied regardless of
                // double quotes, mirroring `\` in the POSIX scan (which escapes outside single quotes).
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
    }

    static void AddSegment(List<string> segments, string command, int start, int end)
    {
        if (start >= end) return;
        var span = command.AsSpan(start, end - start).Trim();
        if (span.Length == 0) return;
        segments.Add(span.Length == command.Length ? command : span.ToString());
    }

    /// <summary>
    /// POL-071: embedded commands (<c>$(…)</c>, back-quotes, <c>eval</c>, <c>&lt;(…)</c>/<c>&gt;(…)</c>) of the
    /// sanitised command, each followed by its own embedded commands. Quotes are not respected.
    /// </summary>
    public static IReadOnlyList<string> ExtractSubcommands(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var result = new List<string>();
        AddSubcommands(command, result);
        return result;
    }

    /// <summary>
    /// Some POL-071 form can occur: <c>$(</c>, a back-quote, <c>eval</c>, <c>&lt;(</c> or <c>&gt;(</c>. Without one,
    /// <see cref="DirectSubcommands"/> finds nothing (each of its four searches needs one of them).
    /// </summary>
    internal static bool MayEmbed(ReadOnlySpan<char> s) =>
        s.Contains('`') || s.Contains("eval", StringComparison.Ordinal) || HasSubstitutionOpener(s);

    /// <summary>A <c>(</c> right after <c>$</c>, <c>&lt;</c> or <c>&gt;</c>.</summary>
    static bool HasSubstitutionOpener(ReadOnlySpan<char> s)
    {
        var from = 0;
        while (true)
        {
            var at = s[from..].IndexOf('(');
            if (at < 0) return false;
            var i = from + at;
            if (i > 0 && s[i - 1] is '$' or '<' or '>') return true;
            from = i + 1;
        }
    }

    /// <summary><see cref="ExtractSubcommands"/> appending to <paramref name="result"/>.</summary>
    internal static void AddSubcommands(string command, List<string> result)
    {
        var sanitized = Sanitize(command);
        if (!MayEmbed(sanitized)) return;
        var first = result.Count;
        DirectSubcommands(sanitized, result);
        var leaves = true;
        for (var i = first; i < result.Count && leaves; i++) leaves = !MayEmbed(result[i]);
        // Items without embedded commands of their own are the whole depth-first list already.
        if (leaves) return;
        var direct = result.GetRange(first, result.Count - first);
        result.RemoveRange(first, result.Count - first);
        // Depth-first, pre-order, with an explicit stack: nesting depth is attacker-controlled and
        // must not be able to overflow the thread's stack.
        var stack = new Stack<(List<string> Items, int Next)>();
        stack.Push((direct, 0));
        while (stack.Count > 0)
        {
            var (items, next) = stack.Pop();
            if (next >= items.Count) continue;
            var item = items[next];
            stack.Push((items, next + 1));
            result.Add(item);
            if (!MayEmbed(item)) continue;
            var inner = new List<string>();
            DirectSubcommands(item, inner);
            if (inner.Count > 0) stack.Push((inner, 0));
        }
    }

    static void DirectSubcommands(string s, List<string> found)
    {
        var n = s.Length;

        // 1. $( … ): only `$(` opens, any `)` closes; an unclosed one ends the search (POL-071).
        for (var i = 0; i + 1 < n; i++)
        {
            var open = s.AsSpan(i).IndexOf("$(", StringComparison.Ordinal);
            if (open < 0) break;
            i += open;
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

        // 2. Back-quote pairs; an unmatched back-quote is skipped.
        for (var i = 0; i < n;)
        {
            var open = s.IndexOf('`', i);
            if (open < 0) break;
            var close = s.IndexOf('`', open + 1);
            if (close < 0) break;
            AddInner(found, s, open + 1, close);
            i = close + 1;
        }

        // 3. eval after optional assignments.
        if (s.Contains("eval", StringComparison.Ordinal))
        {
            var tokens = TokenizeList(s.Trim(), ShellDialect.Posix);
            var k = 0;
            while (k < tokens.Count && IsEnvAssignment(tokens[k])) k++;
            if (tokens.Count - k >= 2 && tokens[k] == "eval")
            {
                var inner = ShellWords.Join(tokens, k + 1).Trim();
                if (inner.Length > 0) found.Add(inner);
            }
        }

        // 4. Process substitution: every `(` and `)` counts.
        for (var i = 0; i + 1 < n; i++)
        {
            var arrow = s.AsSpan(i, n - i - 1).IndexOfAny('<', '>');
            if (arrow < 0) break;
            i += arrow;
            if (s[i + 1] != '(') continue;
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
    }

    static void AddInner(List<string> found, string s, int start, int end)
    {
        var span = s.AsSpan(start, end - start).Trim();
        if (span.Length > 0) found.Add(span.ToString());
    }

    /// <summary>POL-072..074: split text into words in the given dialect, removing quotes and escapes.</summary>
    public static IReadOnlyList<string> Tokenize(string text, ShellDialect dialect = ShellDialect.Posix) =>
        TokenizeList(text, dialect);

    internal static List<string> TokenizeList(string text, ShellDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(text);
        return dialect switch
        {
            ShellDialect.Cmd => TokenizeCmd(text),
            ShellDialect.PowerShell => TokenizePowerShell(text),
            _ => TokenizePosix(text),
        };
    }

    static List<string> TokenizePosix(string s)
    {
        var tokens = new List<string>();
        var sb = new StringBuilder();
        var n = s.Length;
        var i = 0;
        while (i < n)
        {
            var c = s[i];
            if (ShellWords.IsSpaceOrTab(c))
            {
                Flush(tokens, sb);
                i++;
            }
            else if (c == '\'')
            {
                var close = s.IndexOf('\'', i + 1);
                if (close < 0)
                {
                    sb.Append(s, i + 1, n - i - 1);
                    i = n;
                }
                else
                {
                    sb.Append(s, i + 1, close - i - 1);
                    i = close + 1;
                }
            }
            else if (c == '"')
            {
                i++;
                while (i < n && s[i] != '"')
                {
                    if (s[i] == '\\' && i + 1 < n)
                    {
                        if (s[i + 1] != '\n') sb.Append(s[i + 1]);
                        i += 2;
                    }
                    else
                    {
                        sb.Append(s[i++]);
                    }
                }
                if (i < n) i++; // closing quote
            }
            else if (c == '\\')
            {
                if (i + 1 < n)
                {
                    if (s[i + 1] != '\n') sb.Append(s[i + 1]);
                    i += 2;
                }
                else
                {
                    sb.Append('\\'); // a final lone backslash is kept
                    i++;
                }
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }
        Flush(tokens, sb);
        return tokens;
    }

    static void Flush(List<string> tokens, StringBuilder sb)
    {
        if (sb.Length == 0) return;
        tokens.Add(sb.ToString());
        sb.Clear();
    }

    static List<string> TokenizeCmd(string s)
    {
        var tokens = new List<string>();
        var sb = new StringBuilder();
        var started = false;
        var inQuotes = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (inQuotes)
            {
                if (c == '"') inQuotes = false;
                else sb.Append(c);
                continue;
            }
            if (c == '"')
            {
                inQuotes = true;
                started = true;
            }
            else if (c == '^')
            {
                // A final lone caret is kept; Normalize removes every remaining `^` anyway (POL-076).
                sb.Append(i + 1 < s.Length ? s[++i] : '^');
                started = true;
            }
            else if (ShellWords.IsSpaceOrTab(c))
            {
                if (started) tokens.Add(sb.ToString());
                sb.Clear();
                started = false;
            }
            else
            {
                sb.Append(c);
                started = true;
            }
        }
        if (started) tokens.Add(sb.ToString());
        return tokens;
    }

    static List<string> TokenizePowerShell(string s)
    {
        var tokens = new List<string>();
        var sb = new StringBuilder();
        var started = false;
        var inSingle = false;
        var inDouble = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (inSingle)
            {
                if (c != '\'') sb.Append(c);
                else if (i + 1 < s.Length && s[i + 1] == '\'') sb.Append(s[++i]);
                else inSingle = false;
                continue;
            }
            if (c == '`')
            {
                // A final lone back-tick is kept (nothing follows to escape).
                sb.Append(i + 1 < s.Length ? s[++i] : '`');
                started = true;
                continue;
            }
            if (inDouble)
            {
                if (c == '"') inDouble = false;
                else sb.Append(c);
                continue;
            }
            if (c == '\'')
            {
                inSingle = true;
                started = true;
            }
            else if (c == '"')
            {
                inDouble = true;
                started = true;
            }
            else if (ShellWords.IsSpaceOrTab(c))
            {
                if (started) tokens.Add(sb.ToString());
                sb.Clear();
                started = false;
            }
            else
            {
                sb.Append(c);
                started = true;
            }
        }
        if (started) tokens.Add(sb.ToString());
        return tokens;
    }

    /// <summary>
    /// POL-075: sanitise, split, normalise each segment (POL-076..080) and join the non-empty results
    /// with <c> &amp;&amp; </c>. The dialect is the caller's default; an explicit wrapper overrides it.
    /// </summary>
    public static string Normalize(string command, ShellDialect dialect = ShellDialect.Posix)
    {
        ArgumentNullException.ThrowIfNull(command);
        var text = Sanitize(command).Trim();
        if (text.Length == 0) return "";
        // The trimmed, non-empty text without separators is its own only segment.
        if (HasNoSeparator(text)) return NormalizeSegment(text, dialect);
        var segments = SplitList(text, dialect);
        if (segments.Count == 1) return NormalizeSegment(segments[0], dialect);
        var sb = new StringBuilder(text.Length + 8);
        foreach (var segment in segments)
        {
            var normalized = NormalizeSegment(segment, dialect);
            if (normalized.Length == 0) continue;
            if (sb.Length > 0) sb.Append(" && ");
            sb.Append(normalized);
        }
        return sb.ToString();
    }

    /// <summary>POL-076: normalise one segment.</summary>
    static string NormalizeSegment(string segment, ShellDialect callerDialect) =>
        callerDialect == ShellDialect.Posix && IsVerbatimSegment(segment) ? segment : NormalizeSegmentFully(segment, callerDialect);

    /// <summary>
    /// A POSIX segment that normalises to itself: no quotes or backslashes (so tokenising only splits at
    /// single spaces and joining restores them), and a first word that is no assignment, launcher, shell
    /// wrapper or redirection (so nothing is stripped; checked against <see cref="NormalizeSegmentFully"/>).
    /// </summary>
    internal static bool IsVerbatimSegment(string segment)
    {
        var s = segment.AsSpan();
        if (s.IsEmpty || s[0] == ' ' || s[^1] == ' ') return false;
        if (s.ContainsAny(VerbatimBreakers) || s.Contains("  ", StringComparison.Ordinal)) return false;
        var firstEnd = s.IndexOf(' ');
        var first = firstEnd < 0 ? s : s[..firstEnd];
        if (first.IndexOfAny("/=<>") >= 0) return false;
        return !PlainCommand.IsSpecialFirstWord(first);
    }

    static readonly SearchValues<char> VerbatimBreakers = SearchValues.Create("'\"\\\t");

    internal static string NormalizeSegmentFully(string segment, ShellDialect callerDialect)
    {
        var dialect = FirstWordDialect(segment) ?? callerDialect;
        var tokens = TokenizeList(segment, dialect);
        if (dialect == ShellDialect.Cmd) ShellWrappers.RemoveCarets(tokens, 0);
        var start = 0;
        Unwrap(ref tokens, ref start, ref dialect);
        start = SkipLeadingRedirections(tokens, start);
        return ShellWords.Join(tokens, start);
    }

    /// <summary>POL-077: strip assignments, launchers and shell wrappers until nothing changes.</summary>
    static void Unwrap(ref List<string> tokens, ref int start, ref ShellDialect dialect)
    {
        // Terminates: every change removes at least one token or shortens the text.
        while (true)
        {
            var changed = false;
            while (start < tokens.Count && IsEnvAssignment(tokens[start]))
            {
                start++;
                changed = true;
            }
            if (dialect == ShellDialect.Posix && ShellLaunchers.TryStrip(ref tokens, ref start)) changed = true;
            if (ShellWrappers.TryUnwrap(tokens, start, out var wrapped, out var wrappedDialect))
            {
                tokens = wrapped;
                start = 0;
                dialect = wrappedDialect;
                changed = true;
            }
            if (!changed) return;
        }
    }

    /// <summary>POL-080: index of the first token after leading redirections.</summary>
    static int SkipLeadingRedirections(List<string> tokens, int start)
    {
        while (start < tokens.Count)
        {
            var t = tokens[start];
            if (t is ">" or ">>" or "<" or "<<")
            {
                start = Math.Min(start + 2, tokens.Count);
            }
            else if (IsAttachedRedirection(t))
            {
                start++;
            }
            else
            {
                break;
            }
        }
        return start;
    }

    /// <summary>
    /// Digits, then <c>&gt;</c> or <c>&lt;</c> (optionally doubled), then at least one more character —
    /// regex semantics, so the doubling can also be the "one more character" (<c>2&gt;&gt;</c> counts).
    /// </summary>
    static bool IsAttachedRedirection(string t)
    {
        var i = 0;
        while (i < t.Length && char.IsAsciiDigit(t[i])) i++;
        return i < t.Length && (t[i] == '>' || t[i] == '<') && t.Length - i >= 2;
    }

    /// <summary>POL-087: the command before its first unquoted comment, trimmed.</summary>
    public static string StripComment(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var inSingle = false;
        var inDouble = false;
        var escaped = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (escaped)
            {
                escaped = false;
            }
            else if (c == '\\' && !inSingle)
            {
                escaped = true;
            }
            else if (c == '\'' && !inDouble)
            {
                inSingle = !inSingle;
            }
            else if (c == '"' && !inSingle)
            {
                inDouble = !inDouble;
            }
            else if (!inSingle && !inDouble && c == '#' && (i == 0 || ShellWords.IsLineSpace(command[i - 1])))
            {
                return command.AsSpan(0, i).Trim().ToString();
            }
        }
        return command.Trim();
    }

    /// <summary>POL-081: <c>NAME=…</c> with NAME of Unicode letters, digits and <c>_</c>, not starting with a digit.</summary>
    public static bool IsEnvAssignment(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var eq = token.IndexOf('=');
        return eq > 0 && IsVariableName(token.AsSpan(0, eq));
    }

    internal static bool IsVariableName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty) return false;
        var first = true;
        foreach (var rune in name.EnumerateRunes())
        {
            var ok = rune.Value == '_' || Rune.IsLetter(rune) || (!first && Rune.IsDigit(rune));
            if (!ok) return false;
            first = false;
        }
        return true;
    }

    /// <summary>
    /// POL-076 first-word rule: <see cref="ShellDialect.Cmd"/> or <see cref="ShellDialect.PowerShell"/> when the
    /// command's first word names that wrapper, otherwise null (POSIX shells included).
    /// </summary>
    public static ShellDialect? WrapperDialect(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var dialect = FirstWordDialect(command);
        return dialect == ShellDialect.Posix ? null : dialect;
    }

    /// <summary>POL-076: the dialect named by the first word (quotes trimmed, <c>\</c>→<c>/</c>, base name, lower-cased).</summary>
    static ShellDialect? FirstWordDialect(string text)
    {
        var name = ShellWords.SlashedBaseNameSpan(ShellWords.FirstWordSpan(text).Trim("'\""));
        // The longest name below has 14 characters.
        if (name.Length > 14) return null;
        Span<char> lower = stackalloc char[name.Length];
        ShellWords.LowerInto(name, lower);
        return lower switch
        {
            "cmd" or "cmd.exe" => ShellDialect.Cmd,
            "sh" or "bash" or "zsh" or "dash" or "ash" or "ksh" => ShellDialect.Posix,
            "powershell" or "powershell.exe" or "pwsh" or "pwsh.exe" => ShellDialect.PowerShell,
            _ => null,
        };
    }
}
