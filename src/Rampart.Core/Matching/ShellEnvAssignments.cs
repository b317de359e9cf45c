using System.Buffers;

namespace Rampart.Core.Matching;

/// <summary>
/// POL-091: names a command assigns, collected from its POSIX, cmd.exe and PowerShell readings (all
/// three always, so <c>set FOO=1</c> counts on Linux too — upstream quirk).
/// </summary>
internal static class ShellEnvAssignments
{
    const int MaxDepth = 4;

    internal static IReadOnlyList<string> Names(string command) => CannotAssign(command) ? Array.Empty<string>() : Collect(command);

    /// <summary>The three passes, without the <see cref="CannotAssign"/> shortcut.</summary>
    internal static List<string> Collect(string command)
    {
        var collector = new Collector();
        collector.Pass(command, ShellDialect.Posix, 0, extractSubcommands: true);
        collector.Pass(command, ShellDialect.Cmd, 0, extractSubcommands: true);
        collector.Pass(command, ShellDialect.PowerShell, 0, extractSubcommands: true);
        return collector.Names;
    }

    /// <summary>
    /// True when no reading of <paramref name="command"/> can assign a name, so the three passes are skipped.
    /// </summary>
    /// <remarks>
    /// Every word the passes look at is made of the command's own characters: splitting, sub-command
    /// extraction (POL-071), tokenising (POL-072..074), wrapper unwrapping (POL-079) and joining only cut,
    /// drop quotes, escapes and control characters, and insert spaces; nothing decodes or synthesises text.
    /// A name is only ever collected from a word holding <c>=</c> (an assignment, POL-081) or <c>:</c> (the
    /// PowerShell forms: <c>env:</c> drives and <c>[environment]::SetEnvironmentVariable(</c>). Without
    /// either character there is nothing to collect. With a <c>:</c> but none of the characters whose removal
    /// joins text (quotes, <c>\</c>, <c>`</c>, <c>^</c>, control characters), a PowerShell form has to appear
    /// verbatim, which an <c>env:</c> or <c>::setenvironmentvariable(</c> (ignoring case) at some <c>:</c> detects.
    /// </remarks>
    // Characters whose removal by a tokeniser joins the text around them (with the control characters).
    static readonly SearchValues<char> JoiningChars = SearchValues.Create("'\"\\`^");

    internal static bool CannotAssign(string command)
    {
        var s = command.AsSpan();
        if (s.Contains('=')) return false;
        if (!s.Contains(':')) return true;
        if (s.ContainsAny(JoiningChars) || s.ContainsAnyInRange('\0', '\x1F')) return false;
        var from = 0;
        while (true)
        {
            var at = s[from..].IndexOf(':');
            if (at < 0) return true;
            var i = from + at;
            if (i >= 3 && s.Slice(i - 3, 3).Equals("env", StringComparison.OrdinalIgnoreCase)) return false;
            if (s[(i + 1)..].StartsWith(":setenvironmentvariable(", StringComparison.OrdinalIgnoreCase)) return false;
            from = i + 1;
        }
    }

    sealed class Collector
    {
        readonly HashSet<string> seen = new(StringComparer.Ordinal);
        // A text already visited in a dialect at the same or a smaller depth yields nothing new; this
        // keeps nested sub-commands (each of which is visited again by its ancestors) from exploding.
        readonly Dictionary<(string, ShellDialect), int> visited = [];
        internal List<string> Names { get; } = [];

        /// <remarks>
        /// POL-071 extraction is itself recursive, so a sub-command's own sub-commands are already in
        /// its parent's list, one level shallower. Passes over sub-commands therefore skip extraction:
        /// the names found are the same, and k nested <c>$(</c> cost O(k) passes instead of O(k²).
        /// </remarks>
        internal void Pass(string text, ShellDialect dialect, int depth, bool extractSubcommands)
        {
            // Depth 0 is the command itself; recursion goes four levels below it.
            if (depth > MaxDepth) return;
            if (visited.TryGetValue((text, dialect), out var earlier) && earlier <= depth) return;
            visited[(text, dialect)] = depth;

            var segments = ShellText.SplitList(text, dialect);
            if (segments.Count == 0) segments.Add(text);
            foreach (var segment in segments)
            {
                var tokens = ShellText.TokenizeList(segment, dialect);
                switch (dialect)
                {
                    case ShellDialect.Posix: CollectPosix(tokens); break;
                    case ShellDialect.Cmd: CollectCmd(tokens); break;
                    default: CollectPowerShell(tokens); break;
                }
                if (ShellWrappers.TryUnwrap(tokens, 0, out var wrapped, out var wrappedDialect))
                    Pass(string.Join(' ', wrapped), wrappedDialect, depth + 1, extractSubcommands: true);
            }
            if (!extractSubcommands) return;
            foreach (var sub in ShellText.ExtractSubcommands(text)) Pass(sub, dialect, depth + 1, extractSubcommands: false);
        }

        void Add(ReadOnlySpan<char> name)
        {
            if (!ShellText.IsVariableName(name)) return;
            var s = name.ToString();
            if (seen.Add(s)) Names.Add(s);
        }

        void AddAssignment(string token) => Add(token.AsSpan(0, token.IndexOf('=')));

        void CollectPosix(List<string> t)
        {
            var i = 0;
            while (i < t.Count && ShellText.IsEnvAssignment(t[i])) AddAssignment(t[i++]);
            if (i >= t.Count) return;
            switch (ShellWords.BaseName(t[i]))
            {
                case "env":
                    for (var j = i + 1; j < t.Count; j++)
                    {
                        var a = t[j];
                        if (a is "-u" or "--unset")
                        {
                            j++;
                            continue;
                        }
                        if (a.StartsWith('-')) continue; // `--`, `--unset=…` and every other option
                        if (!ShellText.IsEnvAssignment(a)) return;
                        AddAssignment(a);
                    }
                    return;
                case "export" or "declare" or "typeset":
                    for (var j = i + 1; j < t.Count; j++)
                    {
                        if (!t[j].StartsWith('-') && ShellText.IsEnvAssignment(t[j])) AddAssignment(t[j]);
                    }
                    return;
            }
        }

        void CollectCmd(List<string> t)
        {
            if (t.Count == 0 || ShellWords.LowerBaseName(t[0]) is not ("set" or "setx")) return;
            for (var j = 1; j < t.Count; j++)
            {
                if (t[j].StartsWith('/')) continue;
                var a = t[j].Trim('"');
                if (ShellText.IsEnvAssignment(a)) AddAssignment(a);
                return;
            }
        }

        static readonly string[] SetEnvironmentVariablePrefixes =
        [
            "[environment]::setenvironmentvariable(",
            "[system.environment]::setenvironmentvariable(",
        ];

        void CollectPowerShell(List<string> t)
        {
            if (t.Count == 0) return;
            var joined = string.Join(' ', t);
            foreach (var prefix in SetEnvironmentVariablePrefixes)
            {
                if (!joined.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
                var args = joined.AsSpan(prefix.Length);
                var end = args.IndexOfAny(',', ')');
                if (end >= 0) args = args[..end];
                Add(args.Trim().Trim("'\"").Trim());
                return;
            }

            var first = t[0];
            if (EnvDriveName(first, out var name))
            {
                if (first.Contains('=') || (t.Count > 1 && t[1] == "=")) Add(name);
                return;
            }
            if (first.ToLowerInvariant() is "set-item" or "new-item" or "set-content")
            {
                var j = 1;
                if (j < t.Count && (t[j].Equals("-path", StringComparison.OrdinalIgnoreCase) ||
                                    t[j].Equals("-literalpath", StringComparison.OrdinalIgnoreCase))) j++;
                if (j < t.Count && EnvDriveName(t[j], out name)) Add(name);
            }
        }

        /// <summary><c>$env:N</c>, <c>${env:N}</c> or <c>env:N</c> (case-insensitive prefix); N ends at <c>=</c> or <c>}</c>.</summary>
        static bool EnvDriveName(string token, out ReadOnlySpan<char> name)
        {
            name = default;
            ReadOnlySpan<char> rest;
            var braced = false;
            if (token.StartsWith("${env:", StringComparison.OrdinalIgnoreCase))
            {
                rest = token.AsSpan(6);
                braced = true;
            }
            else if (token.StartsWith("$env:", StringComparison.OrdinalIgnoreCase))
            {
                rest = token.AsSpan(5);
            }
            else if (token.StartsWith("env:", StringComparison.OrdinalIgnoreCase))
            {
                rest = token.AsSpan(4);
            }
            else
            {
                return false;
            }
            var end = braced ? rest.IndexOfAny('}', '=') : rest.IndexOf('=');
            name = end >= 0 ? rest[..end] : rest;
            return true;
        }
    }
}
