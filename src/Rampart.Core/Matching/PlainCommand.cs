using System.Buffers;
using System.Collections.Frozen;

namespace Rampart.Core.Matching;

/// <summary>
/// Recognises the common command whose every derived spelling (POL-068..091) is the command itself, so
/// evaluation can skip the shell analysis: printable-ASCII words separated by single spaces, none of the
/// characters any heuristic reacts to, and a first word no heuristic treats specially.
/// </summary>
/// <remarks>
/// For such a command: sanitising and trimming change nothing (POL-068), the split yields the command
/// (POL-069), there are no embedded commands (POL-071), tokenising in any dialect splits at the spaces
/// and normalising joins the words back (POL-072..080), so the only component is the command; it has
/// no body forms (POL-084), no semantic, <c>rm</c> or alternate-dialect aliases (POL-085..090) and no
/// assigned names (POL-091). A differential test checks this against the full analysis.
/// </remarks>
internal static class PlainCommand
{
    // Not in the set, and why: quotes and escapes (POL-069, POL-072..074), separators (POL-069/070),
    // substitutions `$ ` ( )` (POL-071), redirections `< >` (POL-080, POL-089), grouping `{ }` and `!`
    // (POL-084), comments `#` (POL-087), cmd.exe `^` and PowerShell `[` (POL-070, POL-086, POL-091),
    // tabs and other white space (only single spaces are known to survive normalisation unchanged).
    // The word characters, and the space that separates words (a double space is checked for separately).
    static readonly SearchValues<char> WordCharsAndSpace =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:,+@%=~*? ");

    // First words (lower-cased) that some heuristic rewrites or inspects: shells and wrappers (POL-076,
    // POL-079), launchers (POL-078), eval (POL-071), body keywords (POL-084), rm/find and multi-call
    // binaries (POL-085, POL-088..090), and assignment commands of every dialect (POL-091).
    static readonly FrozenSet<string> SpecialFirstWords = FrozenSet.Create(StringComparer.Ordinal,
    [
        "sh", "bash", "zsh", "dash", "ash", "ksh",
        "cmd", "cmd.exe", "powershell", "powershell.exe", "pwsh", "pwsh.exe",
        "command", "exec", "env", "nohup", "nice", "timeout", "setsid", "stdbuf",
        "eval",
        "if", "elif", "while", "until", "then", "do", "else", "case", "fi", "done", "esac",
        "rm", "find", "busybox", "toybox",
        "export", "declare", "typeset", "set", "setx", "set-item", "new-item", "set-content",
    ]);

    static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> SpecialFirstWordLookup =
        SpecialFirstWords.GetAlternateLookup<ReadOnlySpan<char>>();

    const int MaxFirstWord = 16;

    /// <summary>True when <paramref name="command"/> is its own normalised form, only component and only candidate.</summary>
    public static bool Is(string command) => Classify(command) == PlainKind.Plain;

    /// <summary>
    /// <see cref="PlainKind.Plain"/> as described above; <see cref="PlainKind.PlainRm"/> for the same text whose
    /// first word is exactly <c>rm</c> or <c>find</c>; <see cref="PlainKind.Shell"/> for everything else.
    /// </summary>
    /// <remarks>
    /// A plain <c>rm</c>/<c>find</c> command differs from a plain one only in POL-088..090: it can have canonical
    /// <c>rm</c> aliases. Its POL-085 semantic alias is the command itself (the first word is already its own
    /// lower-cased base name and the words are joined back with the single spaces they had), which is dropped,
    /// and no other heuristic looks at <c>rm</c>/<c>find</c>; so it too is its own normalised form, only
    /// component and only candidate (checked against the full analysis by a differential test).
    /// </remarks>
    public static PlainKind Classify(string command)
    {
        var s = command.AsSpan();
        if (s.IsEmpty || s[0] == ' ' || s[^1] == ' ') return PlainKind.Shell;
        if (s.ContainsAnyExcept(WordCharsAndSpace) || s.Contains("  ", StringComparison.Ordinal)) return PlainKind.Shell;
        var firstEnd = s.IndexOf(' ');
        var first = firstEnd < 0 ? s : s[..firstEnd];
        // A directory part makes POL-085 apply; `=` could make it an assignment (POL-081); `env:` is
        // PowerShell's environment drive (POL-091).
        if (first.IndexOfAny('/', '=') >= 0) return PlainKind.Shell;
        if (first.StartsWith("env:", StringComparison.OrdinalIgnoreCase)) return PlainKind.Shell;
        if (first.Length > MaxFirstWord) return PlainKind.Plain;
        if (first is "rm" or "find") return PlainKind.PlainRm;
        return IsSpecialFirstWord(first) ? PlainKind.Shell : PlainKind.Plain;
    }

    /// <summary>The word, lower-cased, is one some heuristic rewrites or inspects (see <c>SpecialFirstWords</c>).</summary>
    internal static bool IsSpecialFirstWord(ReadOnlySpan<char> word)
    {
        if (word.Length > MaxFirstWord) return false;
        Span<char> lower = stackalloc char[word.Length];
        ShellWords.LowerInto(word, lower);
        return SpecialFirstWordLookup.Contains(lower);
    }
}

/// <summary>What <see cref="PlainCommand.Classify"/> found.</summary>
internal enum PlainKind : byte
{
    /// <summary>Anything the shell analysis has to look at.</summary>
    Shell,
    /// <summary>Its own normalised form, only component and only candidate, without any alias.</summary>
    Plain,
    /// <summary>Like <see cref="Plain"/>, but a plain <c>rm</c>/<c>find</c> command: it may have canonical rm aliases (POL-088..090).</summary>
    PlainRm,
}
