namespace Rampart.Core.Matching;

/// <summary>POL-079 shell wrappers: <c>bash -c …</c>, <c>cmd /c …</c>, <c>pwsh -Command …</c>.</summary>
internal static class ShellWrappers
{
    /// <summary>
    /// When <paramref name="tokens"/>[<paramref name="start"/>..] is a shell wrapper, the wrapped command's
    /// tokens (re-tokenised in the wrapper's dialect when they are a single token) and that dialect.
    /// </summary>
    internal static bool TryUnwrap(List<string> tokens, int start, out List<string> wrapped, out ShellDialect dialect)
    {
        wrapped = [];
        dialect = ShellDialect.Posix;
        if (tokens.Count - start < 2) return false;
        var first = tokens[start];
        int from;
        string? attached = null;
        if (IsPosixShell(first) || IsPosixShell(ShellWords.BaseName(first)))
        {
            from = PosixCommandStart(tokens, start);
        }
        else
        {
            switch (ShellWords.LowerBaseName(first))
            {
                case "cmd" or "cmd.exe":
                    dialect = ShellDialect.Cmd;
                    from = CmdCommandStart(tokens, start, out attached);
                    break;
                case "powershell" or "powershell.exe" or "pwsh" or "pwsh.exe":
                    dialect = ShellDialect.PowerShell;
                    from = PowerShellCommandStart(tokens, start);
                    break;
                default:
                    return false;
            }
        }
        if (from < 0) return false;

        var result = new List<string>(tokens.Count - from + 1);
        if (attached is not null) result.Add(attached);
        for (var i = from; i < tokens.Count; i++) result.Add(tokens[i]);
        if (dialect == ShellDialect.Cmd) RemoveCarets(result, 0);
        if (result.Count == 1)
        {
            var retokenized = ShellText.TokenizeList(result[0], dialect);
            if (retokenized.Count > 0) result = retokenized;
        }
        wrapped = result;
        return true;
    }

    static bool IsPosixShell(string name) => name is "sh" or "bash" or "zsh" or "dash" or "ash" or "ksh";

    /// <summary>First token after the command flag (a single-dash option containing <c>c</c>), or -1.</summary>
    static int PosixCommandStart(List<string> t, int start)
    {
        for (var i = start + 1; i < t.Count; i++)
        {
            var a = t[i];
            if (!a.StartsWith('-')) return -1;
            // `-c`, `-lc`, `-ic` and also `-norc` (any `c` after a single dash) are the command flag.
            if (!a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('c', 1) >= 0)
                return i + 1 < t.Count ? i + 1 : -1;
        }
        return -1;
    }

    static int CmdCommandStart(List<string> t, int start, out string? attached)
    {
        attached = null;
        for (var i = start + 1; i < t.Count; i++)
        {
            var a = t[i];
            if (a.Equals("/c", StringComparison.OrdinalIgnoreCase) || a.Equals("/k", StringComparison.OrdinalIgnoreCase))
                return i + 1 < t.Count ? i + 1 : -1;
            if (a.Length > 2 && (a.StartsWith("/c", StringComparison.OrdinalIgnoreCase) || a.StartsWith("/k", StringComparison.OrdinalIgnoreCase)))
            {
                attached = a[2..];
                return i + 1;
            }
            if (!a.StartsWith('/')) return -1;
        }
        return -1;
    }

    static int PowerShellCommandStart(List<string> t, int start)
    {
        for (var i = start + 1; i < t.Count; i++)
        {
            var a = t[i];
            if (a.Equals("-command", StringComparison.OrdinalIgnoreCase) || a.Equals("-c", StringComparison.OrdinalIgnoreCase))
                return i + 1 < t.Count ? i + 1 : -1;
            if (!a.StartsWith('-')) return -1;
        }
        return -1;
    }

    /// <summary>cmd.exe escapes: every remaining <c>^</c> is dropped (POL-076, POL-079).</summary>
    internal static void RemoveCarets(List<string> tokens, int start)
    {
        for (var i = start; i < tokens.Count; i++)
        {
            if (tokens[i].Contains('^')) tokens[i] = tokens[i].Replace("^", "", StringComparison.Ordinal);
        }
    }
}
