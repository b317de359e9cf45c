using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Rampart.Core.Evaluation;

/// <summary>Ready-to-run <c>rampart allow …</c> commands attached to some denies (POL-092).</summary>
public static class Suggestions
{
    const string DangerousCommandWarning = "⚠️  This command matches a high-risk pattern. Allowing it is not recommended.";
    const string SensitivePathWarning = "⚠️  This path is highly sensitive. Allowing access is not recommended.";

    static readonly ImmutableArray<string> CommandWarning = [DangerousCommandWarning];
    static readonly ImmutableArray<string> PathWarning = [SensitivePathWarning];

    /// <summary>The suggestions for denying <paramref name="call"/>; empty when there is nothing sensible to allow.</summary>
    public static IReadOnlyList<string> For(ToolCall call)
    {
        var toolClass = CallInputs.ToolClass(call.Tool);
        return Build(call.Tool, CallInputs.Command(call, toolClass), CallInputs.Path(call, toolClass));
    }

    internal static ImmutableArray<string> For(CallContext ctx) => Build(ctx.Call.Tool, ctx.Command, ctx.Path);

    static ImmutableArray<string> Build(string tool, string command, string path)
    {
        if (tool == "exec" && command.Length > 0)
        {
            if (IsExtremelyDangerousCommand(command)) return CommandWarning;
            var exact = "rampart allow " + GoQuote.Quote(command);
            var wildcard = WildcardForm(command);
            return wildcard is null ? [exact] : [exact, "rampart allow " + GoQuote.Quote(wildcard)];
        }
        if (path.Length > 0)
        {
            var t = tool.Length == 0 ? "read" : tool;
            if (IsExtremelyDangerousPath(path, t)) return PathWarning;
            var exact = "rampart allow " + GoQuote.Quote(path) + " --tool " + t;
            if (t != "write" && !IsSensitive(path))
            {
                // Go filepath.Join(dir, "*"): the root directory does not get a second slash.
                var dir = GoDir(path);
                if (dir.Length > 0 && dir != ".")
                    return [exact, "rampart allow " + GoQuote.Quote(dir == "/" ? "/*" : dir + "/*") + " --tool " + t];
            }
            return [exact];
        }
        return [];
    }

    static readonly string[] DangerousTargets =
        ["/", "/*", "~", "~/*", ".", "..", "./*", "../*", "/bin", "/usr", "/etc", "/home", "/root", "/lib", "/lib64", "/sbin", "/boot", "/var"];

    static readonly string[] DangerousTargetPrefixes = ["/bin/", "/usr/", "/etc/", "/home/", "/root/", "/lib/", "/sbin/", "/boot/", "~/"];

    static readonly string[] PipeToShell = ["| bash", "| sh", "|bash", "|sh"];

    internal static bool IsExtremelyDangerousCommand(string command)
    {
        var lower = command.ToLowerInvariant();
        var norm = lower.Replace("'", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal).Replace("\\", "", StringComparison.Ordinal);
        var tokens = norm.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

        if (norm.Contains("rm ", StringComparison.Ordinal))
        {
            var recursiveForce = norm.Contains("-rf", StringComparison.Ordinal) || norm.Contains("-fr", StringComparison.Ordinal)
                || ((norm.Contains("-r", StringComparison.Ordinal) || norm.Contains("--recursive", StringComparison.Ordinal))
                    && (norm.Contains("-f", StringComparison.Ordinal) || norm.Contains("--force", StringComparison.Ordinal)));
            if (recursiveForce)
            {
                foreach (var token in tokens)
                {
                    if (Array.IndexOf(DangerousTargets, token) >= 0) return true;
                    foreach (var prefix in DangerousTargetPrefixes)
                    {
                        if (token.StartsWith(prefix, StringComparison.Ordinal)) return true;
                    }
                }
            }
        }
        if (command.Contains(":(){ :|:& };:", StringComparison.Ordinal)) return true;
        if (lower.Contains("> /dev/sd", StringComparison.Ordinal) || lower.Contains(">/dev/sd", StringComparison.Ordinal)
            || lower.Contains("> /dev/nvme", StringComparison.Ordinal) || lower.Contains(">/dev/nvme", StringComparison.Ordinal)) return true;
        if (norm.Contains("dd ", StringComparison.Ordinal)
            && (norm.Contains("of=/dev/sd", StringComparison.Ordinal) || norm.Contains("of=/dev/nvme", StringComparison.Ordinal)
                || norm.Contains("of=/dev/hd", StringComparison.Ordinal) || norm.Contains("of=/dev/vd", StringComparison.Ordinal))) return true;
        if (norm.StartsWith("mkfs", StringComparison.Ordinal) || norm.Contains(" mkfs", StringComparison.Ordinal))
        {
            foreach (var token in tokens)
            {
                if (token.StartsWith("/dev/", StringComparison.Ordinal)) return true;
            }
        }
        if ((lower.Contains("curl ", StringComparison.Ordinal) || lower.Contains("wget ", StringComparison.Ordinal)) && ContainsAny(lower, PipeToShell)) return true;
        if (lower.Contains("base64", StringComparison.Ordinal) && lower.Contains("-d", StringComparison.Ordinal) && ContainsAny(lower, PipeToShell)) return true;
        return lower.Contains("<(curl", StringComparison.Ordinal) || lower.Contains("<(wget", StringComparison.Ordinal);
    }

    static bool ContainsAny(string text, string[] needles)
    {
        foreach (var n in needles)
        {
            if (text.Contains(n, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    static readonly string[] DangerousBases = ["rm", "shred", "dd", "wipefs", "mkfs", "fdisk", "parted", "truncate", "mv"];
    static readonly string[] Launchers = ["sudo", "env", "time", "nice", "ionice", "nohup", "timeout", "strace", "ltrace"];

    static bool IsDangerousBase(string token)
    {
        var b = GoBase(token);
        foreach (var d in DangerousBases)
        {
            if (b == d || (b.Length > d.Length && b.StartsWith(d, StringComparison.Ordinal) && b[d.Length] == '.')) return true;
        }
        return false;
    }

    static bool IsDangerousBaseCommand(string[] tokens)
    {
        if (tokens.Length == 0) return false;
        if (IsDangerousBase(tokens[0])) return true;
        if (Array.IndexOf(Launchers, GoBase(tokens[0])) < 0) return false;
        for (var i = 1; i < tokens.Length; i++)
        {
            var t = tokens[i];
            if (t.StartsWith('-') || t.Contains('=')) continue;
            if (IsDangerousBase(t)) return true;
        }
        return false;
    }

    /// <summary>POL-092 wildcard form: the last non-flag argument replaced by <c>*</c>, or null.</summary>
    internal static string? WildcardForm(string command)
    {
        var tokens = command.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (IsDangerousBaseCommand(tokens)) return null;
        if (tokens.Length < 2) return null;
        var last = -1;
        for (var i = tokens.Length - 1; i >= 1; i--)
        {
            if (!tokens[i].StartsWith('-')) { last = i; break; }
        }
        if (last < 0 || IsSensitive(tokens[last])) return null;
        tokens[last] = "*";
        var result = string.Join(' ', tokens);
        return result == command ? null : result;
    }

    static readonly string[] SensitiveParts =
        ["/etc/", "/root/", "/proc/", "/sys/", "/dev/", "/.ssh/", "/.gnupg/", "/.aws/", "/.config/", "id_rsa", "id_ed25519", "id_ecdsa", ".pem", ".key", ".p12", ".pfx", "shadow", "passwd"];

    static bool IsSensitive(string text) => ContainsAny(text.ToLowerInvariant(), SensitiveParts);

    static readonly string[] SecretFiles = ["/etc/shadow", "/etc/sudoers", "/etc/gshadow", "/etc/master.passwd"];
    static readonly string[] KeyNames = ["id_rsa", "id_ed25519", "id_ecdsa", "id_dsa"];

    static bool IsExtremelyDangerousPath(string path, string tool)
    {
        var lower = path.ToLowerInvariant();
        foreach (var f in SecretFiles)
        {
            if (lower.EndsWith(f, StringComparison.Ordinal)) return true;
        }
        if ((lower.Contains("/.ssh/", StringComparison.Ordinal) || lower.Contains("\\.ssh\\", StringComparison.Ordinal))
            && !lower.EndsWith(".pub", StringComparison.Ordinal)
            && (ContainsAny(lower, KeyNames) || lower.EndsWith("/authorized_keys", StringComparison.Ordinal) || lower.EndsWith("/known_hosts", StringComparison.Ordinal)))
            return true;
        return tool == "write" && lower.EndsWith("/etc/passwd", StringComparison.Ordinal);
    }

    /// <summary>Go <c>filepath.Base</c> on a Linux host.</summary>
    static string GoBase(string path)
    {
        if (path.Length == 0) return ".";
        var end = path.Length;
        while (end > 0 && path[end - 1] == '/') end--;
        if (end == 0) return "/";
        var start = path.LastIndexOf('/', end - 1) + 1;
        return path[start..end];
    }

    /// <summary>Go <c>filepath.Dir</c> on a Linux host: everything up to the last separator, cleaned.</summary>
    static string GoDir(string path)
    {
        var i = path.LastIndexOf('/');
        return Matching.PathNames.Lexical(path[..(i + 1)]);
    }
}

/// <summary>Go's <c>strconv.Quote</c> (the <c>%q</c> verb): suggestion texts (POL-092) and the audit readers' lines (CLI-055).</summary>
public static class GoQuote
{
    public static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        sb.Append('"');
        foreach (var rune in text.EnumerateRunes())
        {
            var v = rune.Value;
            switch (v)
            {
                case '"': sb.Append("\\\""); continue;
                case '\\': sb.Append("\\\\"); continue;
                case '\a': sb.Append("\\a"); continue;
                case '\b': sb.Append("\\b"); continue;
                case '\f': sb.Append("\\f"); continue;
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
                case '\v': sb.Append("\\v"); continue;
            }
            if (IsPrint(rune))
            {
                sb.Append(rune.ToString());
            }
            else if (v < 0x80)
            {
                sb.Append("\\x").Append(v.ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (v < 0x10000)
            {
                sb.Append("\\u").Append(v.ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append("\\U").Append(v.ToString("x8", CultureInfo.InvariantCulture));
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>Go's <c>unicode.IsPrint</c>: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    static bool IsPrint(Rune rune)
    {
        if (rune.Value == ' ') return true;
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
