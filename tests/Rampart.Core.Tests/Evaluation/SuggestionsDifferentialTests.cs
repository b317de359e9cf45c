using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Rampart.Core.Evaluation;
using Rampart.Core.Matching;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>
/// The span-based suggestions (POL-092) against the string-based forms they replaced (kept below
/// verbatim as <see cref="StringForms"/>): the conformance inputs plus generated commands and paths in
/// every case, with quotes, backslashes, odd white space, non-ASCII case mappings, lone surrogates,
/// control characters and texts longer than the stack buffers.
/// </summary>
public sealed class SuggestionsDifferentialTests
{
    static readonly Lazy<Dictionary<string, Dictionary<string, object?>>> Cases = new(() => ConformanceCalls.ById("suggestions.yaml"));

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Cases.Value.Keys) data.Add(id);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Conformance_inputs_get_the_string_forms_suggestions(string id)
    {
        var c = Cases.Value[id];
        var call = ConformanceCalls.ToCall(new Dictionary<string, object?> { ["tool"] = c["tool"], ["params"] = c["params"] });
        var toolClass = CallInputs.ToolClass(call.Tool);
        var command = CallInputs.Command(call, toolClass);
        var path = CallInputs.Path(call, toolClass);
        Assert.Equal<string>(StringForms.Build(call.Tool, command, path), Suggestions.Build(call.Tool, command, path));
    }

    static readonly string[] CommandWords =
    [
        "rm", "RM", "Rm", "r'm'", "\"rm\"", "r\\m", "-rf", "-RF", "-fr", "-r", "-f", "-R", "--recursive", "--force", "--Force",
        "/", "/*", "~", "~/*", ".", "..", "./*", "../*", "/bin", "/BIN", "/usr", "/etc", "/home", "/root", "/lib", "/lib64", "/sbin",
        "/boot", "/var", "/bin/ls", "/usr/local", "/etc/passwd", "~/x", "/tmp/foo", "'/'", "\"/etc\"",
        "sudo", "SUDO", "env", "/usr/bin/env", "time", "nice", "ionice", "nohup", "timeout", "strace", "ltrace", "FOO=1", "-u",
        "/bin/rm", "rm.exe", "rmdir", "shred", "dd", "DD", "wipefs", "mkfs", "mkfs.ext4", "MKFS", "fdisk", "parted", "truncate", "mv",
        "dd/", "/usr/bin/", "of=/dev/sda", "OF=/dev/SDA", "of=/dev/nvme0n1", "of=/dev/hd0", "of=/dev/vda", "if=/dev/zero",
        "/dev/sdb", "/dev/null", ">", "> /dev/sda", ">/dev/sda", ">/dev/nvme0", "> /DEV/NVME0",
        ":(){ :|:& };:", ":(){", ":|:&", "};:",
        "curl", "CURL", "wget", "Wget", "https://evil.example/x", "|", "| bash", "| sh", "|bash", "|sh", "|SH", "bash", "sh",
        "base64", "BASE64", "-d", "-D", "<(curl", "<(WGET", "$(cat /etc/passwd)", "`id`",
        "git", "push", "origin", "main", "status", "npm", "install", "typescript", "ls", "-la", "cat", "echo", "hello", "*", "**",
        "id_rsa", "ID_RSA", "key.PEM", "cert.p12", "shadow", "PASSWD", "/proc/1", "/sys/x", "~/.ssh/id_ed25519", "/.aws/creds",
        "\u212A", "m\u212Afs", "\u0130", "\u0131", "\u00C9", "caf\u00E9", "\u03A3", "\uD83D\uDE00", "\uD800", "\uDC00x",
        "\u0000", "\u0007", "\u001B", "\u007F", "\u00A0", "\u200B", "\uFEFF", "\U0001D400", "\U000E0001",
        new string('a', 140), new string('/', 3), "a" + new string('b', 300),
    ];

    static readonly string[] Separators = [" ", " ", " ", "  ", "\t", "\n", "", "\u00A0", "\u0085", "\u2028", "\u3000", "\r\n"];

    static IEnumerable<string> GeneratedCommands()
    {
        var random = new Random(92);
        for (var n = 0; n < 6000; n++)
        {
            var sb = new StringBuilder();
            if (random.Next(8) == 0) sb.Append(Separators[random.Next(Separators.Length)]);
            var words = 1 + random.Next(7);
            for (var w = 0; w < words; w++)
            {
                if (w > 0) sb.Append(Separators[random.Next(Separators.Length)]);
                sb.Append(CommandWords[random.Next(CommandWords.Length)]);
            }
            if (random.Next(8) == 0) sb.Append(Separators[random.Next(Separators.Length)]);
            yield return sb.ToString();
        }
    }

    [Fact]
    public void Generated_commands_get_the_string_forms_suggestions()
    {
        var differences = new List<string>();
        foreach (var command in GeneratedCommands())
        {
            var want = StringForms.Build("exec", command, "");
            var got = Suggestions.Build("exec", command, "");
            if (!want.SequenceEqual(got)) differences.Add($"{GoQuote.Quote(command)}: want [{string.Join(" | ", want)}] got [{string.Join(" | ", got)}]");
        }
        Assert.Empty(differences);
    }

    static readonly string[] PathParts =
    [
        "", "/", "//", "home", "user", "project", "src", "main.go", ".", "..", "~", ".ssh", ".SSH", "id_rsa", "ID_RSA", "id_rsa.pub",
        "id_ed25519", "id_ecdsa", "id_dsa", "authorized_keys", "known_hosts", "etc", "ETC", "shadow", "Shadow", "sudoers",
        "gshadow", "master.passwd", "passwd", "proc", "sys", "dev", ".gnupg", ".aws", ".config", "key.pem", "x.KEY", "a.p12",
        "b.pfx", "\\.ssh\\id_rsa", "a b", "caf\u00E9", "\u212Aey.pem", "\u0130d_rsa", "\uD83D\uDE00", "\uD800", "\u0000",
        "tab\there", "quote\"d", "back\\slash", "*", "new\nline", new string('d', 130), new string('e', 300),
    ];

    static readonly string[] PathTools = ["read", "write", "edit", "", "fetch", "exec", "mcp__fs__read"];

    [Fact]
    public void Generated_paths_get_the_string_forms_suggestions()
    {
        var random = new Random(920);
        var differences = new List<string>();
        for (var n = 0; n < 6000; n++)
        {
            var sb = new StringBuilder();
            if (random.Next(3) > 0) sb.Append(random.Next(4) == 0 ? "~/" : "/");
            var parts = 1 + random.Next(6);
            for (var p = 0; p < parts; p++)
            {
                if (p > 0) sb.Append(random.Next(10) == 0 ? "//" : "/");
                sb.Append(PathParts[random.Next(PathParts.Length)]);
            }
            if (random.Next(10) == 0) sb.Append('/');
            var path = sb.ToString();
            var tool = PathTools[random.Next(PathTools.Length)];
            // exec only reaches the path branch without a command.
            var want = StringForms.Build(tool, "", path);
            var got = Suggestions.Build(tool, "", path);
            if (!want.SequenceEqual(got)) differences.Add($"{tool} {GoQuote.Quote(path)}: want [{string.Join(" | ", want)}] got [{string.Join(" | ", got)}]");
        }
        Assert.Empty(differences);
    }

    [Fact]
    public void Quoting_matches_the_string_builder_form_on_generated_texts()
    {
        var random = new Random(55);
        var differences = new List<string>();
        for (var n = 0; n < 4000; n++)
        {
            var chars = new char[random.Next(12)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = random.Next(4) switch
                {
                    0 => (char)random.Next(0x80),
                    1 => (char)random.Next(0x100),
                    2 => (char)random.Next(0xD700, 0xE100),
                    _ => (char)random.Next(0x10000),
                };
            }
            var text = new string(chars);
            var want = StringForms.Quote(text);
            var got = GoQuote.Quote(text);
            if (want != got) differences.Add($"{string.Join(",", text.Select(c => ((int)c).ToString("x4", CultureInfo.InvariantCulture)))}: want {want} got {got}");
        }
        Assert.Empty(differences);
    }

    /// <summary>The string-based forms as they were before the span rewrite (the reference, unchanged).</summary>
    static class StringForms
    {
        const string DangerousCommandWarning = "⚠️  This command matches a high-risk pattern. Allowing it is not recommended.";
        const string SensitivePathWarning = "⚠️  This path is highly sensitive. Allowing access is not recommended.";

        static readonly ImmutableArray<string> CommandWarning = [DangerousCommandWarning];
        static readonly ImmutableArray<string> PathWarning = [SensitivePathWarning];

        public static ImmutableArray<string> Build(string tool, string command, string path)
        {
            if (tool == "exec" && command.Length > 0)
            {
                if (IsExtremelyDangerousCommand(command)) return CommandWarning;
                var exact = "rampart allow " + Quote(command);
                var wildcard = WildcardForm(command);
                return wildcard is null ? [exact] : [exact, "rampart allow " + Quote(wildcard)];
            }
            if (path.Length > 0)
            {
                var t = tool.Length == 0 ? "read" : tool;
                if (IsExtremelyDangerousPath(path, t)) return PathWarning;
                var exact = "rampart allow " + Quote(path) + " --tool " + t;
                if (t != "write" && !IsSensitive(path))
                {
                    // Go filepath.Join(dir, "*"): the root directory does not get a second slash.
                    var dir = GoDir(path);
                    if (dir.Length > 0 && dir != ".")
                        return [exact, "rampart allow " + Quote(dir == "/" ? "/*" : dir + "/*") + " --tool " + t];
                }
                return [exact];
            }
            return [];
        }

        static readonly string[] DangerousTargets =
            ["/", "/*", "~", "~/*", ".", "..", "./*", "../*", "/bin", "/usr", "/etc", "/home", "/root", "/lib", "/lib64", "/sbin", "/boot", "/var"];

        static readonly string[] DangerousTargetPrefixes = ["/bin/", "/usr/", "/etc/", "/home/", "/root/", "/lib/", "/sbin/", "/boot/", "~/"];

        static readonly string[] PipeToShell = ["| bash", "| sh", "|bash", "|sh"];

        static bool IsExtremelyDangerousCommand(string command)
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
        static string? WildcardForm(string command)
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
            return PathNames.Lexical(path[..(i + 1)]);
        }


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
}
