namespace Rampart.Core.Matching;

/// <summary>
/// POL-078 transparent launchers (POSIX only). A launcher is stripped only when every option before
/// the command is understood; anything else leaves the tokens unchanged, so a non-executing or
/// ambiguous form never widens a grant. <c>sudo</c>, <c>doas</c>, <c>xargs</c>, … are deliberately absent.
/// </summary>
internal static class ShellLaunchers
{
    /// <summary>
    /// Strips one launcher from <paramref name="tokens"/>[<paramref name="start"/>..]. Usually this only
    /// advances <paramref name="start"/>; <c>env -S</c> splices and replaces the list.
    /// </summary>
    internal static bool TryStrip(ref List<string> tokens, ref int start)
    {
        if (tokens.Count - start < 2) return false;
        var name = ShellWords.SlashedBaseName(tokens[start]);
        var next = name switch
        {
            "command" => Command(tokens, start),
            "exec" => Exec(tokens, start),
            "env" => Env(ref tokens, ref start),
            "nohup" => Nohup(tokens, start),
            "nice" => Nice(tokens, start),
            "timeout" => Timeout(tokens, start),
            "setsid" => Setsid(tokens, start),
            "stdbuf" => Stdbuf(tokens, start),
            _ => -1,
        };
        if (next < 0) return false;
        start = next;
        return true;
    }

    // Each launcher returns the index of the wrapped command's first token, or -1 for "unchanged".

    /// <summary><c>--</c> must be followed by at least one token.</summary>
    static int AfterSeparator(List<string> t, int i) => i + 1 < t.Count ? i + 1 : -1;

    static int Command(List<string> t, int start)
    {
        for (var i = start + 1; i < t.Count; i++)
        {
            var a = t[i];
            if (a == "-p") continue;
            if (a == "--") return AfterSeparator(t, i);
            if (a.StartsWith('-')) return -1; // -v, -V and everything else only query
            return i;
        }
        return -1;
    }

    static int Exec(List<string> t, int start)
    {
        for (var i = start + 1; i < t.Count; i++)
        {
            var a = t[i];
            if (a == "--") return AfterSeparator(t, i);
            if (a == "-a")
            {
                if (i + 1 >= t.Count) return -1;
                i++;
                continue;
            }
            if (a.Length > 1 && a[0] == '-' && OnlyLetters(a.AsSpan(1), "cl")) continue;
            if (a.StartsWith('-')) return -1;
            return i;
        }
        return -1;
    }

    static int Env(ref List<string> t, ref int start)
    {
        for (var i = start + 1; i < t.Count; i++)
        {
            var a = t[i];
            switch (a)
            {
                case "-i" or "--ignore-environment" or "-0" or "--null" or "-v" or "--debug":
                    continue;
                case "-u" or "--unset" or "-C" or "--chdir" or "--argv0":
                    if (i + 1 >= t.Count) return -1;
                    i++;
                    continue;
                case "-S" or "--split-string":
                    return i + 1 < t.Count ? Splice(ref t, ref start, i, 2, t[i + 1]) : -1;
                case "--":
                    i++;
                    while (i < t.Count && ShellText.IsEnvAssignment(t[i])) i++;
                    return i < t.Count ? i : -1;
            }
            if (a.StartsWith("--unset=", StringComparison.Ordinal) ||
                a.StartsWith("--chdir=", StringComparison.Ordinal) ||
                a.StartsWith("--argv0=", StringComparison.Ordinal)) continue;
            if (a.StartsWith("--split-string=", StringComparison.Ordinal))
                return Splice(ref t, ref start, i, 1, a["--split-string=".Length..]);
            if (a.Length > 2 && a.StartsWith("-u", StringComparison.Ordinal) && !a.AsSpan(2).Contains('=')) continue;
            if (a.Length > 2 && a.StartsWith("-C", StringComparison.Ordinal)) continue;
            if (a.Length > 2 && a.StartsWith("-S", StringComparison.Ordinal)) return Splice(ref t, ref start, i, 1, a[2..]);
            if (ShellText.IsEnvAssignment(a)) continue;
            if (a.StartsWith('-')) return -1;
            return i;
        }
        return -1; // nothing after the options
    }

    /// <summary>
    /// <c>env -S S</c>: S is POSIX-tokenised and spliced in place of the option; the result counts as
    /// one change and the unwrap loop continues with <c>env</c> still in front (POL-078).
    /// </summary>
    static int Splice(ref List<string> t, ref int start, int at, int removed, string split)
    {
        var inner = ShellText.TokenizeList(split, ShellDialect.Posix);
        if (inner.Count == 0) return -1;
        var spliced = new List<string>(t.Count - start - removed + inner.Count);
        for (var i = start; i < at; i++) spliced.Add(t[i]);
        spliced.AddRange(inner);
        for (var i = at + removed; i < t.Count; i++) spliced.Add(t[i]);
        t = spliced;
        start = 0;
        return 0;
    }

    static int Nohup(List<string> t, int start)
    {
        var a = t[start + 1];
        if (a == "--") return AfterSeparator(t, start + 1);
        if (a.StartsWith('-')) return -1; // --help, --version, any option
        return start + 1;
    }

    static int Nice(List<string> t, int start)
    {
        for (var i = start + 1; i < t.Count; i++)
        {
            var a = t[i];
            if (a == "--") return AfterSeparator(t, i);
            if (a is "-n" or "--adjustment")
            {
                if (i + 1 >= t.Count || !IsSignedInteger(t[i + 1])) return -1;
                i++;
                continue;
            }
            if (a.StartsWith("--adjustment=", StringComparison.Ordinal))
            {
                if (!IsSignedInteger(a.AsSpan("--adjustment=".Length))) return -1;
                continue;
            }
            if (a.StartsWith("-n=", StringComparison.Ordinal))
            {
                if (!IsSignedInteger(a.AsSpan(3))) return -1;
                continue;
            }
            if (a.Length > 2 && a.StartsWith("-n", StringComparison.Ordinal))
            {
                if (!IsSignedInteger(a.AsSpan(2))) return -1;
                continue;
            }
            if (a is "--help" or "--version") return -1;
            if (a.StartsWith('-'))
            {
                if (!IsSignedInteger(a.AsSpan(1))) return -1; // historical `nice -5`
                continue;
            }
            return i;
        }
        return -1;
    }

    static int Timeout(List<string> t, int start)
    {
        var i = start + 1;
        for (; i < t.Count; i++)
        {
            var a = t[i];
            if (a is "--preserve-status" or "--foreground" or "--verbose" or "-v") continue;
            if (a is "-k" or "--kill-after")
            {
                if (i + 1 >= t.Count || !IsDuration(t[i + 1])) return -1;
                i++;
                continue;
            }
            if (a is "-s" or "--signal")
            {
                if (i + 1 >= t.Count || !IsSignal(t[i + 1])) return -1;
                i++;
                continue;
            }
            if (a.StartsWith("--kill-after=", StringComparison.Ordinal))
            {
                if (!IsDuration(a.AsSpan("--kill-after=".Length))) return -1;
                continue;
            }
            if (a.StartsWith("--signal=", StringComparison.Ordinal))
            {
                if (!IsSignal(a.AsSpan("--signal=".Length))) return -1;
                continue;
            }
            if (a.Length > 2 && a.StartsWith("-k", StringComparison.Ordinal))
            {
                if (!IsDuration(a.AsSpan(2))) return -1;
                continue;
            }
            if (a.Length > 2 && a.StartsWith("-s", StringComparison.Ordinal))
            {
                if (!IsSignal(a.AsSpan(2))) return -1;
                continue;
            }
            if (a == "--")
            {
                i++;
                break;
            }
            if (a.StartsWith('-')) return -1; // --help, --version, unknown options
            break;
        }
        if (i >= t.Count || !IsDuration(t[i])) return -1;
        return i + 1 < t.Count ? i + 1 : -1;
    }

    static int Setsid(List<string> t, int start)
    {
        for (var i = start + 1; i < t.Count; i++)
        {
            var a = t[i];
            if (a is "--ctty" or "--fork" or "--wait") continue;
            if (a == "--") return AfterSeparator(t, i);
            if (a.Length > 1 && a[0] == '-' && OnlyLetters(a.AsSpan(1), "cfw")) continue;
            if (a.StartsWith('-')) return -1;
            return i;
        }
        return -1;
    }

    static int Stdbuf(List<string> t, int start)
    {
        for (var i = start + 1; i < t.Count; i++)
        {
            var a = t[i];
            if (a == "--") return AfterSeparator(t, i);
            if (a is "-i" or "-o" or "-e" or "--input" or "--output" or "--error")
            {
                if (i + 1 >= t.Count || !IsBufferMode(t[i + 1])) return -1;
                i++;
                continue;
            }
            var eq = a.IndexOf('=');
            if (eq > 0 && a.AsSpan(0, eq) is "--input" or "--output" or "--error")
            {
                if (!IsBufferMode(a.AsSpan(eq + 1))) return -1;
                continue;
            }
            if (a.Length > 2 && a[0] == '-' && a[1] is 'i' or 'o' or 'e')
            {
                var mode = a.AsSpan(2);
                if (mode[0] == '=') mode = mode[1..];
                if (!IsBufferMode(mode)) return -1;
                continue;
            }
            if (a.StartsWith('-')) return -1; // --help, --version, other options
            return i;
        }
        return -1;
    }

    static bool OnlyLetters(ReadOnlySpan<char> s, string allowed)
    {
        foreach (var c in s)
        {
            if (!allowed.Contains(c)) return false;
        }
        return true;
    }

    /// <summary><c>^[+-]?[0-9]+$</c>.</summary>
    internal static bool IsSignedInteger(ReadOnlySpan<char> s)
    {
        if (!s.IsEmpty && (s[0] == '+' || s[0] == '-')) s = s[1..];
        return !s.IsEmpty && AllDigits(s);
    }

    /// <summary><c>inf</c>, <c>infinity</c> or <c>^([0-9]+(\.[0-9]*)?|\.[0-9]+)[smhd]?$</c>.</summary>
    internal static bool IsDuration(ReadOnlySpan<char> s)
    {
        if (s is "inf" or "infinity") return true;
        if (!s.IsEmpty && s[^1] is 's' or 'm' or 'h' or 'd') s = s[..^1];
        var dot = s.IndexOf('.');
        if (dot < 0) return !s.IsEmpty && AllDigits(s);
        var whole = s[..dot];
        var fraction = s[(dot + 1)..];
        if (!AllDigits(whole) || !AllDigits(fraction)) return false;
        return !whole.IsEmpty || !fraction.IsEmpty;
    }

    /// <summary>Letters and digits only, non-empty.</summary>
    internal static bool IsSignal(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c)) return false;
        }
        return true;
    }

    /// <summary><c>^(0|L|B|[0-9]+([kKmMgGtTpPeEzZyY](i?[bB])?)?)$</c>.</summary>
    internal static bool IsBufferMode(ReadOnlySpan<char> s)
    {
        if (s is "0" or "L" or "B") return true;
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i == 0) return false;
        if (i == s.Length) return true;
        if (!"kKmMgGtTpPeEzZyY".Contains(s[i])) return false;
        var suffix = s[(i + 1)..];
        return suffix is "" or "b" or "B" or "ib" or "iB";
    }

    static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        return true;
    }
}
