namespace Rampart.Cli;

/// <summary>
/// Reads a POSIX shell's command line the way <c>sh</c>/<c>bash</c>/<c>zsh</c> do, far enough to find
/// the <c>-c</c> command string: options first (<c>-l</c>, <c>-e</c>, <c>-o NAME</c>, <c>--login</c>,
/// clusters like <c>-lc</c> or <c>-euo pipefail</c>), then, with <c>-c</c>, the command string.
/// </summary>
internal static class WrapShellArgs
{
    /// <summary>
    /// The command string of a <c>-c</c> invocation, or null for any other kind (interactive shell,
    /// a script file, <c>-s</c> reading stdin, or <c>-c</c> without its argument, which the real shell
    /// rejects itself).
    /// </summary>
    public static string? CommandOf(IReadOnlyList<string> args)
    {
        var hasCommandFlag = false;
        var i = 0;
        while (i < args.Count)
        {
            var arg = args[i];
            if (arg is "--" or "-")
            {
                i++;
                break;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                // bash's long options; these two take a file argument.
                i += arg is "--rcfile" or "--init-file" ? 2 : 1;
                continue;
            }
            if (arg.Length < 2 || arg[0] is not ('-' or '+')) break;
            var letters = arg.AsSpan(1);
            if (arg[0] == '-' && letters.Contains('c')) hasCommandFlag = true;
            // -o/+o (and bash's -O/+O) take the option name as the next word.
            i += letters.Contains('o') || letters.Contains('O') ? 2 : 1;
        }
        return hasCommandFlag && i < args.Count ? args[i] : null;
    }
}
