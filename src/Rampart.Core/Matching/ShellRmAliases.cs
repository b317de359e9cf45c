using System.Text;

namespace Rampart.Core.Matching;

/// <summary>
/// POL-088..090: canonical <c>rm -rf &lt;operand&gt;</c> spellings of destructive <c>rm</c> and <c>find</c>
/// invocations, so that <c>rm -fr //</c> or <c>find /tmp/.. -delete</c> meet a <c>rm -rf /</c> deny.
/// </summary>
internal static class ShellRmAliases
{
    internal const int MaxAliases = 256;

    internal static IReadOnlyList<string> Of(string command, out bool overflow)
    {
        // Linux host rule (POL-088); the case-insensitive Windows/macOS variant is EXTENDED.
        // Only a first word reading rm or find (after quotes and escapes are removed) has operands.
        if (!command.Contains("rm", StringComparison.Ordinal) && !command.Contains("find", StringComparison.Ordinal) &&
            command.AsSpan().IndexOfAny('\'', '"', '\\') < 0)
        {
            overflow = false;
            return [];
        }
        var sink = new Sink();
        {
            foreach (var segment in ShellText.SplitList(ShellText.StripComment(command), ShellDialect.Posix))
            {
                var tokens = ShellText.TokenizeList(MaskRedirections(segment), ShellDialect.Posix);
                var start = 0;
                UnwrapLaunchers(ref tokens, ref start);
                if (start >= tokens.Count) continue;
                switch (ShellWords.LowerBaseName(tokens[start]))
                {
                    case "rm":
                        foreach (var op in Operands(tokens, start)) sink.Emit(op);
                        break;
                    case "find":
                        Find(tokens, start, sink);
                        break;
                }
                if (sink.Overflow) break;
            }
        }
        overflow = sink.Overflow;
        return sink.Aliases;
    }

    /// <summary>
    /// <see cref="Of"/> for a plain <c>rm</c>/<c>find</c> command (<see cref="PlainKind.PlainRm"/>): stripping the
    /// comment, splitting, masking and tokenising change nothing but cutting at the single spaces, and the first
    /// word is no launcher, so the words go straight to the <c>rm</c>/<c>find</c> reading (checked against <see cref="Of"/>).
    /// </summary>
    internal static List<string> OfPlain(string command, out bool overflow)
    {
        var sink = new Sink();
        var tokens = new List<string>(command.AsSpan().Count(' ') + 1);
        foreach (var range in command.AsSpan().Split(' ')) tokens.Add(command[range]);
        if (tokens[0] == "rm")
        {
            foreach (var op in Operands(tokens, 0)) sink.Emit(op);
        }
        else
        {
            Find(tokens, 0, sink);
        }
        overflow = sink.Overflow;
        return sink.Aliases;
    }

    /// <summary>Collects aliases (deduplicated, first kept) up to <see cref="MaxAliases"/>.</summary>
    sealed class Sink
    {
        // A handful of aliases is the rule; the set is only built once a linear search would cost more.
        const int LinearLimit = 8;
        HashSet<string>? seen;
        internal List<string> Aliases { get; } = [];
        internal bool Overflow { get; private set; }

        internal void Emit(string operand)
        {
            if (Overflow) return;
            var alias = "rm -rf " + Display(operand);
            if (seen is null ? Aliases.Contains(alias) : seen.Contains(alias)) return;
            if (Aliases.Count >= MaxAliases)
            {
                Overflow = true;
                return;
            }
            Aliases.Add(alias);
            if (seen is not null) seen.Add(alias);
            else if (Aliases.Count > LinearLimit) seen = new HashSet<string>(Aliases, StringComparer.Ordinal);
        }
    }

    /// <summary>Absolute operands and ones that clean to <c>.</c>, <c>..</c> or <c>../…</c> are shown cleaned.</summary>
    static string Display(string operand)
    {
        var cleaned = ShellWords.Clean(operand);
        if (operand.StartsWith('/') || cleaned is "." or ".." || cleaned.StartsWith("../", StringComparison.Ordinal)) return cleaned;
        return operand;
    }

    /// <summary>POL-089: quoted or backslash-escaped <c>&lt;</c>/<c>&gt;</c> become <c>=</c>, so they read as operands.</summary>
    internal static string MaskRedirections(string segment)
    {
        if (segment.AsSpan().IndexOfAny('<', '>') < 0) return segment;
        var sb = new StringBuilder(segment);
        var inSingle = false;
        var inDouble = false;
        var escaped = false;
        for (var i = 0; i < sb.Length; i++)
        {
            var c = sb[i];
            var literal = escaped || inSingle || inDouble;
            if (escaped) escaped = false;
            else if (c == '\\' && !inSingle) escaped = true;
            else if (c == '\'' && !inDouble) inSingle = !inSingle;
            else if (c == '"' && !inSingle) inDouble = !inDouble;
            if (literal && (c == '<' || c == '>')) sb[i] = '=';
        }
        return sb.ToString();
    }

    /// <summary>POL-078 launchers and a leading <c>busybox</c>/<c>toybox</c>, to a fixed point (no assignments, no shells).</summary>
    static void UnwrapLaunchers(ref List<string> tokens, ref int start)
    {
        while (true)
        {
            if (ShellLaunchers.TryStrip(ref tokens, ref start)) continue;
            if (tokens.Count - start > 1 && ShellWords.LowerBaseName(tokens[start]) is "busybox" or "toybox")
            {
                start++;
                continue;
            }
            return;
        }
    }

    static readonly HashSet<string> RedirectionOperators = new(StringComparer.Ordinal)
    {
        ">", ">>", "<", "<<", "<<<", "1>", "1>>", "2>", "2>>",
    };

    /// <summary>POL-090: the operands of an <c>rm</c> token list, or none unless both recursive and force are set.</summary>
    internal static List<string> Operands(List<string> tokens, int start)
    {
        var operands = new List<string>();
        var recursive = false;
        var force = false;
        var endOfOptions = false;
        for (var i = start + 1; i < tokens.Count; i++)
        {
            var a = tokens[i];
            if (RedirectionOperators.Contains(a))
            {
                i++; // and its target
                continue;
            }
            if (a.AsSpan().IndexOfAny('<', '>') >= 0) continue; // 2>/dev/null, >&2, <&0 …
            if (endOfOptions)
            {
                operands.Add(a);
                continue;
            }
            switch (a)
            {
                case "--":
                    endOfOptions = true;
                    continue;
                case "--recursive":
                    recursive = true;
                    continue;
                case "--force":
                    force = true;
                    continue;
            }
            if (a.StartsWith("--", StringComparison.Ordinal)) continue;
            if (a.Length > 1 && a[0] == '-')
            {
                foreach (var c in a.AsSpan(1))
                {
                    if (c is 'r' or 'R') recursive = true;
                    else if (c == 'f') force = true;
                }
                continue;
            }
            operands.Add(a);
        }
        return recursive && force ? operands : [];
    }

    static void Find(List<string> tokens, int start, Sink sink)
    {
        var targets = new List<string>();
        var i = start + 1;
        for (; i < tokens.Count; i++)
        {
            var a = tokens[i];
            if (a == "-D")
            {
                i++;
                continue;
            }
            if (a is "--" or "-H" or "-L" or "-P" || a.StartsWith("-O", StringComparison.Ordinal)) continue;
            if (a.StartsWith('-') || a is "!" or "(") break;
            targets.Add(a);
        }
        if (targets.Count == 0) targets.Add(".");

        for (; i < tokens.Count && !sink.Overflow; i++)
        {
            var a = tokens[i];
            if (a == "-delete")
            {
                foreach (var target in targets) sink.Emit(target);
                continue;
            }
            if (a is not ("-exec" or "-execdir")) continue;
            var end = i + 1;
            while (end < tokens.Count && tokens[end] is not (";" or "+")) end++;
            if (end >= tokens.Count) return; // an -exec without terminator is ignored
            var inner = tokens.GetRange(i + 1, end - i - 1);
            var innerStart = 0;
            UnwrapLaunchers(ref inner, ref innerStart);
            if (innerStart < inner.Count && ShellWords.LowerBaseName(inner[innerStart]) == "rm")
            {
                foreach (var op in Operands(inner, innerStart))
                {
                    if (!op.Contains("{}", StringComparison.Ordinal))
                    {
                        sink.Emit(op);
                        continue;
                    }
                    foreach (var target in targets) sink.Emit(ShellWords.Clean(op.Replace("{}", target, StringComparison.Ordinal)));
                }
            }
            i = end;
        }
    }
}
