using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Rampart.Core.Evaluation;

/// <summary>Ready-to-run <c>rampart allow …</c> commands attached to some denies (POL-092).</summary>
/// <remarks>
/// Built on every deny, so the checks read spans: one lower-cased copy per text in a stack buffer
/// (the same <c>ToLowerInvariant</c> mapping as the string form), words scanned in place instead of
/// <c>Split</c>, and each suggestion written once into its string.
/// </remarks>
public static class Suggestions
{
    const string DangerousCommandWarning = "⚠️  This command matches a high-risk pattern. Allowing it is not recommended.";
    const string SensitivePathWarning = "⚠️  This path is highly sensitive. Allowing access is not recommended.";
    const string AllowPrefix = "rampart allow ";
    const string ToolFlag = " --tool ";

    /// <summary>Scratch copies up to this many chars live on the stack; longer texts rent from the shared pool.</summary>
    const int StackChars = 256;

    static readonly ImmutableArray<string> CommandWarning = [DangerousCommandWarning];
    static readonly ImmutableArray<string> PathWarning = [SensitivePathWarning];

    /// <summary>The suggestions for denying <paramref name="call"/>; empty when there is nothing sensible to allow.</summary>
    public static IReadOnlyList<string> For(ToolCall call)
    {
        var toolClass = CallInputs.ToolClass(call.Tool);
        return Build(call.Tool, CallInputs.Command(call, toolClass), CallInputs.Path(call, toolClass));
    }

    internal static ImmutableArray<string> For(CallContext ctx) => Build(ctx.Call.Tool, ctx.Command, ctx.Path);

    internal static ImmutableArray<string> Build(string tool, string command, string path)
    {
        if (tool == "exec" && command.Length > 0) return ForCommand(command);
        if (path.Length > 0) return ForPath(path, tool.Length == 0 ? "read" : tool);
        return [];
    }

    static ImmutableArray<string> ForCommand(string command)
    {
        if (IsExtremelyDangerousCommand(command)) return CommandWarning;
        var exact = AllowText(command, default, null);

        // The wildcard form is never longer than the command (single spaces, one word becomes "*").
        char[]? rented = null;
        var form = command.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(command.Length));
        try
        {
            var length = WildcardForm(command, form);
            return length < 0 ? [exact] : [exact, AllowText(form[..length], default, null)];
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    static ImmutableArray<string> ForPath(string path, string tool)
    {
        char[]? rented = null;
        var lower = path.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(path.Length));
        try
        {
            lower = lower[..Lower(path, lower)];
            if (IsExtremelyDangerousPath(lower, tool)) return PathWarning;
            var exact = AllowText(path, default, tool);
            if (tool != "write" && !lower.ContainsAny(SensitiveParts))
            {
                // Go filepath.Join(dir, "*"): the root directory does not get a second slash.
                var dir = GoDir(path);
                if (dir.Length > 0 && dir != ".")
                    return [exact, AllowText(dir, dir == "/" ? "*" : "/*", tool)];
            }
            return [exact];
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary><c>rampart allow</c> + the Go-quoted <paramref name="target"/><paramref name="tail"/> (+ <c>--tool</c>), written once.</summary>
    /// <remarks><paramref name="tail"/> is <c>*</c> or <c>/*</c>: printable ASCII, which quoting leaves as it is.</remarks>
    static string AllowText(ReadOnlySpan<char> target, ReadOnlySpan<char> tail, string? tool)
    {
        var length = AllowPrefix.Length + 2 + GoQuote.BodyLength(target) + tail.Length + (tool is null ? 0 : ToolFlag.Length + tool.Length);
        return string.Create(length, new AllowParts(target, tail, tool), static (dst, parts) =>
        {
            AllowPrefix.CopyTo(dst);
            var n = AllowPrefix.Length;
            dst[n++] = '"';
            n += GoQuote.WriteBody(parts.Target, dst[n..]);
            parts.Tail.CopyTo(dst[n..]);
            n += parts.Tail.Length;
            dst[n++] = '"';
            if (parts.Tool is not null)
            {
                ToolFlag.CopyTo(dst[n..]);
                parts.Tool.CopyTo(dst[(n + ToolFlag.Length)..]);
            }
        });
    }

    readonly ref struct AllowParts(ReadOnlySpan<char> target, ReadOnlySpan<char> tail, string? tool)
    {
        public ReadOnlySpan<char> Target { get; } = target;
        public ReadOnlySpan<char> Tail { get; } = tail;
        public string? Tool { get; } = tool;
    }

    static readonly string[] DangerousTargetPrefixes = ["/bin/", "/usr/", "/etc/", "/home/", "/root/", "/lib/", "/sbin/", "/boot/", "~/"];

    static readonly SearchValues<string> PipeToShell = SearchValues.Create(["| bash", "| sh", "|bash", "|sh"], StringComparison.Ordinal);

    internal static bool IsExtremelyDangerousCommand(string command)
    {
        // Two scratch texts: the lower-cased command and that without quotes and backslashes ("norm").
        // Most commands need neither copy: ASCII text without upper-case letters is its own lower-cased
        // form, and text without quotes or backslashes is its own norm.
        ReadOnlySpan<char> text = command;
        if (text.IndexOfAnyExcept(AsciiLower) < 0)
        {
            return text.IndexOfAny(QuotesAndBackslash) < 0
                ? IsExtremelyDangerous(text, text, text)
                : IsExtremelyDangerousLowered(text, text);
        }
        char[]? rented = null;
        var scratch = command.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(command.Length));
        try
        {
            var lower = scratch[..Lower(text, scratch)];
            return IsExtremelyDangerousLowered(text, lower);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>The checks on <paramref name="lower"/>, the lower-cased <paramref name="command"/>, with its norm built here.</summary>
    static bool IsExtremelyDangerousLowered(ReadOnlySpan<char> command, ReadOnlySpan<char> lower)
    {
        if (lower.IndexOfAny(QuotesAndBackslash) < 0) return IsExtremelyDangerous(command, lower, lower);
        char[]? rented = null;
        var normBuffer = lower.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(lower.Length));
        try
        {
            var n = 0;
            foreach (var c in lower)
            {
                if (c is not ('\'' or '"' or '\\')) normBuffer[n++] = c;
            }
            return IsExtremelyDangerous(command, lower, normBuffer[..n]);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>ASCII units that lower-casing leaves as they are (everything ASCII but <c>A</c>–<c>Z</c>).</summary>
    static readonly SearchValues<char> AsciiLower = SearchValues.Create(AsciiLowerUnits());

    static char[] AsciiLowerUnits()
    {
        var units = new List<char>(102);
        for (var c = '\0'; c < (char)128; c++)
        {
            if (c is < 'A' or > 'Z') units.Add(c);
        }
        return [.. units];
    }

    static readonly SearchValues<char> QuotesAndBackslash = SearchValues.Create("'\"\\");

    static int Lower(ReadOnlySpan<char> text, Span<char> lower) => Matching.ShellWords.LowerInto(text, lower);

    /// <summary>The units every check of <see cref="IsExtremelyDangerous"/> but the rm, dd and mkfs ones needs one of.</summary>
    static readonly SearchValues<char> PipesAndRedirects = SearchValues.Create("|<>");

    static readonly SearchValues<string> RecursiveForce = SearchValues.Create(["-rf", "-fr"], StringComparison.Ordinal);
    static readonly SearchValues<string> DiskRedirects = SearchValues.Create(["> /dev/sd", ">/dev/sd", "> /dev/nvme", ">/dev/nvme"], StringComparison.Ordinal);
    static readonly SearchValues<string> DiskOutputs = SearchValues.Create(["of=/dev/sd", "of=/dev/nvme", "of=/dev/hd", "of=/dev/vd"], StringComparison.Ordinal);
    static readonly SearchValues<string> Downloaders = SearchValues.Create(["curl ", "wget "], StringComparison.Ordinal);
    static readonly SearchValues<string> DownloadSubstitutions = SearchValues.Create(["<(curl", "<(wget"], StringComparison.Ordinal);

    static bool IsExtremelyDangerous(ReadOnlySpan<char> command, ReadOnlySpan<char> lower, ReadOnlySpan<char> norm)
    {
        // Recursive and forced: "-rf", "-fr", or "-r"/"--recursive" with "-f"/"--force" (the long
        // spellings contain the short ones, so those two decide the last case).
        if (norm.Contains("rm ", StringComparison.Ordinal)
            && (norm.ContainsAny(RecursiveForce) || (norm.Contains("-r", StringComparison.Ordinal) && norm.Contains("-f", StringComparison.Ordinal))))
        {
            foreach (var word in new Words(norm))
            {
                if (IsDangerousTarget(word)) return true;
            }
        }
        // Every check below needs a pipe or a redirection (the fork bomb and the pipes to a shell '|', the
        // disk redirections '>', the download substitutions '<'), except dd and mkfs.
        if (lower.IndexOfAny(PipesAndRedirects) < 0)
        {
            return norm.Contains("dd ", StringComparison.Ordinal) ? norm.ContainsAny(DiskOutputs) || IsMkfsOnDevice(norm) : IsMkfsOnDevice(norm);
        }
        if (command.Contains(":(){ :|:& };:", StringComparison.Ordinal)) return true;
        if (lower.ContainsAny(DiskRedirects)) return true;
        if (norm.Contains("dd ", StringComparison.Ordinal) && norm.ContainsAny(DiskOutputs)) return true;
        if (IsMkfsOnDevice(norm)) return true;
        if (lower.ContainsAny(Downloaders) && lower.ContainsAny(PipeToShell)) return true;
        if (lower.Contains("base64", StringComparison.Ordinal) && lower.Contains("-d", StringComparison.Ordinal) && lower.ContainsAny(PipeToShell)) return true;
        return lower.ContainsAny(DownloadSubstitutions);
    }

    static bool IsMkfsOnDevice(ReadOnlySpan<char> norm)
    {
        if (norm.StartsWith("mkfs", StringComparison.Ordinal) || norm.Contains(" mkfs", StringComparison.Ordinal))
        {
            foreach (var word in new Words(norm))
            {
                if (word.StartsWith("/dev/", StringComparison.Ordinal)) return true;
            }
        }
        return false;
    }

    static bool IsDangerousTarget(ReadOnlySpan<char> word)
    {
        if (word is "/" or "/*" or "~" or "~/*" or "." or ".." or "./*" or "../*" or "/bin" or "/usr" or "/etc" or "/home" or "/root"
            or "/lib" or "/lib64" or "/sbin" or "/boot" or "/var") return true;
        foreach (var prefix in DangerousTargetPrefixes)
        {
            if (word.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    static readonly string[] DangerousBases = ["rm", "shred", "dd", "wipefs", "mkfs", "fdisk", "parted", "truncate", "mv"];

    static bool IsDangerousBase(ReadOnlySpan<char> word)
    {
        var b = GoBase(word);
        foreach (var d in DangerousBases)
        {
            if (b.StartsWith(d, StringComparison.Ordinal) && (b.Length == d.Length || b[d.Length] == '.')) return true;
        }
        return false;
    }

    static bool IsLauncher(ReadOnlySpan<char> word) =>
        GoBase(word) is "sudo" or "env" or "time" or "nice" or "ionice" or "nohup" or "timeout" or "strace" or "ltrace";

    /// <summary>
    /// POL-092 wildcard form of <paramref name="command"/> written to <paramref name="form"/>: the words
    /// joined by single spaces with the last non-flag argument replaced by <c>*</c>. Its length, or -1 when
    /// there is none (a dangerous base command, no argument, a sensitive argument, or no change).
    /// </summary>
    static int WildcardForm(ReadOnlySpan<char> command, Span<char> form)
    {
        var count = 0;
        var launcher = false;
        var last = -1;
        ReadOnlySpan<char> lastWord = default;
        foreach (var word in new Words(command))
        {
            if (count == 0)
            {
                if (IsDangerousBase(word)) return -1;
                launcher = IsLauncher(word);
            }
            else
            {
                // A launcher's dangerous command word (any word that is no flag and no assignment).
                if (launcher && !word.StartsWith('-') && !word.Contains('=') && IsDangerousBase(word)) return -1;
                if (!word.StartsWith('-'))
                {
                    last = count;
                    lastWord = word;
                }
            }
            count++;
        }
        if (last < 0 || IsSensitive(lastWord)) return -1;

        var n = 0;
        var i = 0;
        foreach (var word in new Words(command))
        {
            if (i > 0) form[n++] = ' ';
            if (i == last)
            {
                form[n++] = '*';
            }
            else
            {
                word.CopyTo(form[n..]);
                n += word.Length;
            }
            i++;
        }
        return form[..n].SequenceEqual(command) ? -1 : n;
    }

    static readonly SearchValues<string> SensitiveParts = SearchValues.Create(
        ["/etc/", "/root/", "/proc/", "/sys/", "/dev/", "/.ssh/", "/.gnupg/", "/.aws/", "/.config/", "id_rsa", "id_ed25519", "id_ecdsa", ".pem", ".key", ".p12", ".pfx", "shadow", "passwd"],
        StringComparison.Ordinal);

    static bool IsSensitive(ReadOnlySpan<char> text)
    {
        // ASCII text without upper-case letters is its own lower-cased form.
        if (text.IndexOfAnyExcept(AsciiLower) < 0) return text.ContainsAny(SensitiveParts);
        char[]? rented = null;
        var lower = text.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(text.Length));
        try
        {
            return lower[..Lower(text, lower)].ContainsAny(SensitiveParts);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    static readonly string[] SecretFiles = ["/etc/shadow", "/etc/sudoers", "/etc/gshadow", "/etc/master.passwd"];
    static readonly SearchValues<string> KeyNames = SearchValues.Create(["id_rsa", "id_ed25519", "id_ecdsa", "id_dsa"], StringComparison.Ordinal);

    static bool IsExtremelyDangerousPath(ReadOnlySpan<char> lower, string tool)
    {
        foreach (var f in SecretFiles)
        {
            if (lower.EndsWith(f, StringComparison.Ordinal)) return true;
        }
        if ((lower.Contains("/.ssh/", StringComparison.Ordinal) || lower.Contains("\\.ssh\\", StringComparison.Ordinal))
            && !lower.EndsWith(".pub", StringComparison.Ordinal)
            && (lower.ContainsAny(KeyNames) || lower.EndsWith("/authorized_keys", StringComparison.Ordinal) || lower.EndsWith("/known_hosts", StringComparison.Ordinal)))
            return true;
        return tool == "write" && lower.EndsWith("/etc/passwd", StringComparison.Ordinal);
    }

    /// <summary>Go <c>filepath.Base</c> on a Linux host.</summary>
    static ReadOnlySpan<char> GoBase(ReadOnlySpan<char> path)
    {
        if (path.Length == 0) return ".";
        var end = path.Length;
        while (end > 0 && path[end - 1] == '/') end--;
        if (end == 0) return "/";
        var start = path[..end].LastIndexOf('/') + 1;
        return path[start..end];
    }

    /// <summary>Go <c>filepath.Dir</c> on a Linux host: everything up to the last separator, cleaned.</summary>
    static string GoDir(string path)
    {
        var i = path.LastIndexOf('/');
        return Matching.PathNames.Lexical(path[..(i + 1)]);
    }

    /// <summary>Every UTF-16 unit <see cref="char.IsWhiteSpace(char)"/> accepts.</summary>
    static readonly SearchValues<char> WhiteSpace = SearchValues.Create(WhiteSpaceUnits());

    static char[] WhiteSpaceUnits()
    {
        var units = new List<char>();
        for (var c = 0; c <= char.MaxValue; c++)
        {
            if (char.IsWhiteSpace((char)c)) units.Add((char)c);
        }
        return [.. units];
    }

    /// <summary>The words of a text as <c>string.Split((char[]?)null, RemoveEmptyEntries)</c> finds them (runs of non-<see cref="char.IsWhiteSpace(char)"/>), in place.</summary>
    ref struct Words(ReadOnlySpan<char> text)
    {
        readonly ReadOnlySpan<char> _text = text;
        int _end;

        public ReadOnlySpan<char> Current { get; private set; }

        public readonly Words GetEnumerator() => this;

        public bool MoveNext()
        {
            var start = _end;
            while (start < _text.Length && char.IsWhiteSpace(_text[start])) start++;
            if (start == _text.Length) return false;
            // The word runs to the next white space: found with one vectorised search for the ASCII white
            // space and every other unit char.IsWhiteSpace accepts (WhiteSpace lists them all).
            var length = _text[(start + 1)..].IndexOfAny(WhiteSpace);
            var end = length < 0 ? _text.Length : start + 1 + length;
            Current = _text[start..end];
            _end = end;
            return true;
        }
    }
}

/// <summary>Go's <c>strconv.Quote</c> (the <c>%q</c> verb): suggestion texts (POL-092) and the audit readers' lines (CLI-055).</summary>
public static class GoQuote
{
    public static string Quote(string text) =>
        string.Create(BodyLength(text) + 2, text, static (dst, t) =>
        {
            dst[0] = '"';
            var n = 1 + WriteBody(t, dst[1..]);
            dst[n] = '"';
        });

    /// <summary>Printable ASCII that quoting copies as it is (everything but the controls, DEL, the quote and the backslash).</summary>
    static readonly SearchValues<char> Plain = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>The length of the quoted form of <paramref name="text"/> without its two quotes.</summary>
    internal static int BodyLength(ReadOnlySpan<char> text)
    {
        var length = 0;
        while (true)
        {
            var plain = text.IndexOfAnyExcept(Plain);
            if (plain < 0) return length + text.Length;
            length += plain;
            text = text[plain..];
            Rune.DecodeFromUtf16(text, out var rune, out var used);
            text = text[used..];
            length += rune.Value switch
            {
                '"' or '\\' or '\a' or '\b' or '\f' or '\n' or '\r' or '\t' or '\v' => 2,
                _ when IsPrint(rune) => rune.Utf16SequenceLength,
                < 0x80 => 4,
                < 0x10000 => 6,
                _ => 10,
            };
        }
    }

    /// <summary>Writes the quoted form of <paramref name="text"/> without its quotes; the chars written (<see cref="BodyLength"/>).</summary>
    internal static int WriteBody(ReadOnlySpan<char> text, Span<char> dst)
    {
        var n = 0;
        while (true)
        {
            var plain = text.IndexOfAnyExcept(Plain);
            if (plain < 0)
            {
                text.CopyTo(dst[n..]);
                return n + text.Length;
            }
            text[..plain].CopyTo(dst[n..]);
            n += plain;
            text = text[plain..];
            // An unpaired surrogate decodes to U+FFFD, as string.EnumerateRunes reads it.
            Rune.DecodeFromUtf16(text, out var rune, out var used);
            text = text[used..];
            var v = rune.Value;
            var escape = v switch
            {
                '"' => '"',
                '\\' => '\\',
                '\a' => 'a',
                '\b' => 'b',
                '\f' => 'f',
                '\n' => 'n',
                '\r' => 'r',
                '\t' => 't',
                '\v' => 'v',
                _ => '\0',
            };
            if (escape != '\0')
            {
                dst[n] = '\\';
                dst[n + 1] = escape;
                n += 2;
            }
            else if (IsPrint(rune))
            {
                n += rune.EncodeToUtf16(dst[n..]);
            }
            else
            {
                var (marker, digits) = v < 0x80 ? ('x', 2) : v < 0x10000 ? ('u', 4) : ('U', 8);
                dst[n] = '\\';
                dst[n + 1] = marker;
                for (var k = digits - 1; k >= 0; k--)
                {
                    dst[n + 2 + k] = HexDigits[v & 0xF];
                    v >>= 4;
                }
                n += 2 + digits;
            }
        }
    }

    const string HexDigits = "0123456789abcdef";

    /// <summary>Go's <c>unicode.IsPrint</c>: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    static bool IsPrint(Rune rune)
    {
        // ASCII: the space and every visible character are printable, the controls and DEL are not.
        if (rune.IsAscii) return rune.Value is >= ' ' and < 0x7F;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation
                or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }
}
