using System.Buffers;

namespace Rampart.Core.Matching;

/// <summary>
/// Derived spellings of a command that deny/ask matching also tries (POL-083..091): body forms,
/// semantic aliases, canonical <c>rm</c> aliases, alternate dialect readings and assigned names.
/// </summary>
public static class ShellForms
{
    /// <summary>
    /// POL-084: the command with leading <c>(</c>, <c>{</c> and keywords (<c>if then do …</c>) stripped and
    /// closers trimmed, and for <c>case</c> the text after the first unquoted <c>)</c>. Empty forms are omitted.
    /// </summary>
    public static IReadOnlyList<string> BodyForms(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        List<string>? forms = null;
        var rest = command.AsSpan();
        var stripped = false;
        while (true)
        {
            rest = rest.TrimStart();
            if (!rest.IsEmpty && (rest[0] == '(' || rest[0] == '{'))
            {
                rest = rest[1..];
                stripped = true;
                continue;
            }
            var word = LeadingWord(rest);
            if (IsBodyKeyword(word))
            {
                rest = rest[word.Length..];
                stripped = true;
                continue;
            }
            break;
        }
        if (stripped) AddForm(ref forms, TrimClosers(rest));

        if (LeadingWord(command.AsSpan().TrimStart()).Equals("case", StringComparison.OrdinalIgnoreCase))
        {
            var close = FirstUnquotedCloseParen(command);
            if (close >= 0) AddForm(ref forms, TrimClosers(command.AsSpan(close + 1)));
        }
        return forms ?? (IReadOnlyList<string>)[];
    }

    static void AddForm(ref List<string>? forms, ReadOnlySpan<char> form)
    {
        form = form.Trim();
        if (!form.IsEmpty) (forms ??= new List<string>(2)).Add(form.ToString());
    }

    static ReadOnlySpan<char> LeadingWord(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (ShellWords.IsLineSpace(s[i])) return s[..i];
        }
        return s;
    }

    static bool IsBodyKeyword(ReadOnlySpan<char> word)
    {
        if (word.IsEmpty || word.Length > 5) return false;
        Span<char> lower = stackalloc char[word.Length];
        ShellWords.LowerInto(word, lower);
        return lower is "if" or "elif" or "while" or "until" or "then" or "do" or "else" or "!";
    }

    /// <summary>Repeatedly drop a trailing <c>)</c>, <c>}</c> or last word <c>fi</c>/<c>done</c>/<c>esac</c> (any case).</summary>
    static ReadOnlySpan<char> TrimClosers(ReadOnlySpan<char> s)
    {
        while (true)
        {
            s = s.Trim();
            if (s.IsEmpty) return s;
            if (s[^1] == ')' || s[^1] == '}')
            {
                s = s[..^1];
                continue;
            }
            var lastSpace = s.Length - 1;
            while (lastSpace >= 0 && !ShellWords.IsLineSpace(s[lastSpace])) lastSpace--;
            var word = s[(lastSpace + 1)..];
            if (word.Equals("fi", StringComparison.OrdinalIgnoreCase) ||
                word.Equals("done", StringComparison.OrdinalIgnoreCase) ||
                word.Equals("esac", StringComparison.OrdinalIgnoreCase))
            {
                s = s[..(lastSpace + 1)];
                continue;
            }
            return s;
        }
    }

    /// <summary>First <c>)</c> outside quotes and not escaped, with the quoting rules of POL-069.</summary>
    static int FirstUnquotedCloseParen(string s)
    {
        var inSingle = false;
        var inDouble = false;
        var escaped = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (escaped) escaped = false;
            else if (c == '\\' && !inSingle) escaped = true;
            else if (c == '\'' && !inDouble) inSingle = !inSingle;
            else if (c == '"' && !inSingle) inDouble = !inDouble;
            else if (!inSingle && !inDouble && c == ')') return i;
        }
        return -1;
    }

    /// <summary>
    /// POL-083 step 1: the command, its body forms, then every executed component (POL-082) and its body
    /// forms; trimmed, without empty entries or duplicates.
    /// </summary>
    public static IReadOnlyList<string> RestrictiveCandidates(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return RestrictiveCandidates(CommandAnalysis.Of(command));
    }

    /// <summary>POL-083 step 1 for an already analysed command (reuses its components).</summary>
    public static IReadOnlyList<string> RestrictiveCandidates(CommandAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var candidates = new List<string>();
        AddRestrictiveCandidates(analysis.Raw, analysis.Components, candidates);
        return candidates;
    }

    /// <summary>POL-083 step 1 of <paramref name="raw"/> with its POL-082 <paramref name="components"/>, appended to an empty list.</summary>
    internal static void AddRestrictiveCandidates(string raw, IReadOnlyList<string> components, List<string> candidates)
    {
        HashSet<string>? seen = null;
        AddWithBodyForms(candidates, ref seen, raw);
        for (var i = 0; i < components.Count; i++)
        {
            // A component equal to the raw command (a plain segment) adds nothing: its candidate and body forms are in already.
            var component = components[i];
            if (!string.Equals(component, raw, StringComparison.Ordinal)) AddWithBodyForms(candidates, ref seen, component);
        }
    }

    static void AddWithBodyForms(List<string> candidates, ref HashSet<string>? seen, string text)
    {
        AddCandidate(candidates, ref seen, text);
        foreach (var form in BodyForms(text)) AddCandidate(candidates, ref seen, form);
    }

    static void AddCandidate(List<string> candidates, ref HashSet<string>? seen, string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length > 0) ShellWords.AddDistinct(candidates, ref seen, trimmed);
    }

    /// <summary>
    /// POL-085 semantic aliases (restrictive only), computed only when the first word has a directory
    /// part or names <c>rm</c>, <c>find</c>, <c>busybox</c>, <c>toybox</c>, or a shell fed a here-string.
    /// </summary>
    public static IReadOnlyList<string> SemanticAliases(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return NeedsSemanticAliases(command) ? SemanticAliasSpellings(command) : Array.Empty<string>();
    }

    /// <summary>The POL-085 gate.</summary>
    internal static bool NeedsSemanticAliases(string command)
    {
        var word = ShellWords.FirstWordSpan(command);
        if (word.IsEmpty) return false;
        // A directory part (the base name differs from the word); "/" is its own base name.
        if (word.IndexOfAny('/', '\\') >= 0) return word is not "/";
        // The longest name below has 7 characters.
        if (word.Length > 7) return false;
        Span<char> lower = stackalloc char[word.Length];
        ShellWords.LowerInto(word, lower);
        return lower switch
        {
            "rm" or "find" or "busybox" or "toybox" => true,
            "bash" or "sh" or "zsh" or "dash" => command.Contains("<<<", StringComparison.Ordinal),
            _ => false,
        };
    }

    /// <summary>
    /// The POL-085 spellings without the gate. This is what shellparse.yaml lists as
    /// <c>restrictive_aliases</c>: upstream's alias function, whose caller applies the gate.
    /// </summary>
    internal static List<string> SemanticAliasSpellings(string command)
    {
        var aliases = new List<string>();
        var stripped = ShellText.StripComment(command);
        var normalized = ShellText.Normalize(stripped);
        if (normalized.Length == 0) normalized = stripped;
        foreach (var segment in ShellText.SplitList(normalized, ShellDialect.Posix))
        {
            var tokens = ShellText.TokenizeList(segment, ShellDialect.Posix);
            if (tokens.Count == 0) continue;
            var start = 0;
            if (ShellWords.LowerBaseName(tokens[0]) is "busybox" or "toybox" && tokens.Count > 1 && !tokens[1].StartsWith('-'))
                start = 1;
            var name = ShellWords.LowerBaseName(tokens[start]);
            tokens[start] = name;
            AddAlias(aliases, command, ShellWords.Join(tokens, start));
            if (name is "bash" or "sh" or "zsh" or "dash")
            {
                for (var i = start + 1; i + 1 < tokens.Count; i++)
                {
                    if (tokens[i] == "<<<") AddAlias(aliases, command, ShellWords.Join(tokens, i + 1));
                }
            }
        }
        return aliases;
    }

    static void AddAlias(List<string> aliases, string command, string alias)
    {
        if (alias != command && !aliases.Contains(alias)) aliases.Add(alias);
    }

    /// <summary>
    /// POL-088..090: <c>rm -rf &lt;operand&gt;</c> spellings synthesised from <c>rm</c> and <c>find</c>. At most 256;
    /// <paramref name="overflow"/> is set when a 257th would be emitted (callers then fail closed).
    /// </summary>
    public static IReadOnlyList<string> CanonicalRmAliases(string command, out bool overflow)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ShellRmAliases.Of(command, out overflow);
    }

    /// <summary>
    /// POL-086: every string to try, in order, for the alternate cmd.exe / PowerShell readings of the
    /// command. Callers compare these case-insensitively (whole string lower-cased on both sides).
    /// </summary>
    public static IReadOnlyList<string> AlternateReadings(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var wrapper = ShellText.WrapperDialect(command);
        // Every hint below needs one of these characters.
        var anyHint = command.AsSpan().ContainsAny(HintChars);
        var cmdHints = anyHint && (command.Contains('^') || command.Contains("&>", StringComparison.Ordinal) ||
                                   (command.Contains('\'') && (command.Contains('&') || command.Contains('|'))));
        var powerShellHints = anyHint && command.Contains('`');
        if (wrapper is null && !cmdHints && !powerShellHints) return [];
        var readings = new List<string>();

        var seen = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyList<string>? subCommands = null;
        if (wrapper == ShellDialect.Cmd) AddReadings(readings, seen, command, ShellDialect.Cmd, ref subCommands);
        if (wrapper == ShellDialect.PowerShell) AddReadings(readings, seen, command, ShellDialect.PowerShell, ref subCommands);
        if (cmdHints) AddReadings(readings, seen, command, ShellDialect.Cmd, ref subCommands);
        if (powerShellHints) AddReadings(readings, seen, command, ShellDialect.PowerShell, ref subCommands);
        return readings;
    }

    static readonly SearchValues<char> HintChars = SearchValues.Create("^&'`");

    static void AddReadings(List<string> readings, HashSet<string> seen, string command, ShellDialect dialect, ref IReadOnlyList<string>? subCommands)
    {
        var normalized = ShellText.Normalize(command, dialect);
        if (normalized != command)
        {
            AddReading(readings, seen, normalized);
            foreach (var segment in ShellText.SplitList(normalized, dialect)) AddReading(readings, seen, segment);
        }
        foreach (var segment in ShellText.SplitList(command, dialect))
        {
            AddReading(readings, seen, segment);
            var n = ShellText.Normalize(segment, dialect);
            if (n != segment) AddReading(readings, seen, n);
        }
        subCommands ??= ShellText.ExtractSubcommands(command);
        foreach (var sub in subCommands)
        {
            AddReading(readings, seen, sub);
            var n = ShellText.Normalize(sub, dialect);
            if (n != sub) AddReading(readings, seen, n);
        }
    }

    static void AddReading(List<string> readings, HashSet<string> seen, string reading)
    {
        if (seen.Add(reading)) readings.Add(reading);
    }

    /// <summary>POL-091: variable names the command assigns, read as POSIX, cmd.exe and PowerShell.</summary>
    public static IReadOnlyList<string> EnvAssignmentNames(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ShellEnvAssignments.Names(command);
    }
}
