using System.Text;

namespace Rampart.Core.Matching;

/// <summary>Small word-level helpers shared by the shell heuristics (base names, lexical cleaning).</summary>
internal static class ShellWords
{
    /// <summary>Last element of a slash-separated path, with Go <c>path.Base</c> edge cases ("" → ".", "///" → "/").</summary>
    internal static string BaseName(string path)
    {
        if (path.Length == 0) return ".";
        var end = path.Length;
        while (end > 0 && path[end - 1] == '/') end--;
        if (end == 0) return "/";
        var slash = path.LastIndexOf('/', end - 1);
        if (slash < 0) return end == path.Length ? path : path[..end];
        return path.Substring(slash + 1, end - slash - 1);
    }

    /// <summary>Base name after turning <c>\</c> into <c>/</c> (Windows-style paths).</summary>
    internal static string SlashedBaseName(string path) =>
        BaseName(path.Contains('\\') ? path.Replace('\\', '/') : path);

    /// <summary>Lower-cased <see cref="SlashedBaseName"/>.</summary>
    internal static string LowerBaseName(string path) => SlashedBaseName(path).ToLowerInvariant();

    /// <summary>The trimmed text up to its first white space.</summary>
    internal static string FirstWord(string text)
    {
        var span = text.AsSpan().Trim();
        for (var i = 0; i < span.Length; i++)
        {
            if (char.IsWhiteSpace(span[i])) return span[..i].ToString();
        }
        return span.Length == text.Length ? text : span.ToString();
    }

    /// <summary><see cref="FirstWord"/> without the copy.</summary>
    internal static ReadOnlySpan<char> FirstWordSpan(string text)
    {
        var span = text.AsSpan().Trim();
        for (var i = 0; i < span.Length; i++)
        {
            if (char.IsWhiteSpace(span[i])) return span[..i];
        }
        return span;
    }

    /// <summary><see cref="SlashedBaseName"/> without the copy (<c>\</c> and <c>/</c> both separate; "" → ".", all separators → "/").</summary>
    internal static ReadOnlySpan<char> SlashedBaseNameSpan(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty) return ".";
        var end = path.Length;
        while (end > 0 && path[end - 1] is '/' or '\\') end--;
        if (end == 0) return "/";
        var slash = path[..end].LastIndexOfAny('/', '\\');
        return path[(slash + 1)..end];
    }

    /// <summary>
    /// Adds <paramref name="item"/> unless <paramref name="into"/> has it (ordinal); a set is only built once the list
    /// is long enough for a linear search to cost more (a command has a handful of components and candidates).
    /// </summary>
    internal static bool AddDistinct(List<string> into, ref HashSet<string>? seen, string item)
    {
        const int LinearLimit = 8;
        if (seen is null)
        {
            if (into.Contains(item)) return false;
            into.Add(item);
            if (into.Count > LinearLimit) seen = new HashSet<string>(into, StringComparer.Ordinal);
            return true;
        }
        if (!seen.Add(item)) return false;
        into.Add(item);
        return true;
    }

    /// <summary>
    /// <c>text.ToLowerInvariant()</c>, returning ASCII text without upper-case letters as it is after one vectorised
    /// scan (the runtime's invariant-mode lowering walks such text char by char before finding nothing to change).
    /// </summary>
    internal static string LowerInvariant(string text)
    {
        var span = text.AsSpan();
        return !span.ContainsAnyInRange('A', 'Z') && System.Text.Ascii.IsValid(span) ? text : text.ToLowerInvariant();
    }

    /// <summary>
    /// <c>ToLowerInvariant</c> of <paramref name="text"/> into <paramref name="lower"/> (at least as long); the units
    /// written (the text's length). ASCII text takes the ASCII mapping, which is the invariant one there, without
    /// the runtime's general casing path (short words in a loop, longer text vectorised).
    /// </summary>
    internal static int LowerInto(ReadOnlySpan<char> text, Span<char> lower)
    {
        if (text.Length <= 16)
        {
            lower = lower[..text.Length];
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c >= 128) return text.ToLowerInvariant(lower);
                lower[i] = c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;
            }
            return text.Length;
        }
        return System.Text.Ascii.ToLower(text, lower, out var written) == System.Buffers.OperationStatus.Done
            ? written
            : text.ToLowerInvariant(lower);
    }

    internal static bool IsSpaceOrTab(char c) => c == ' ' || c == '\t';

    internal static bool IsLineSpace(char c) => c == ' ' || c == '\t' || c == '\r' || c == '\n';

    /// <summary>Lexical path cleaning with Go <c>path.Clean</c> semantics (POL-088 operand display).</summary>
    internal static string Clean(string path)
    {
        if (IsClean(path)) return path;
        if (path.Length == 0) return ".";
        var rooted = path[0] == '/';
        var n = path.Length;
        var output = new StringBuilder(n);
        var r = 0;
        var dotdot = 0;
        if (rooted)
        {
            output.Append('/');
            r = 1;
            dotdot = 1;
        }
        while (r < n)
        {
            if (path[r] == '/')
            {
                r++;
            }
            else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/'))
            {
                r++;
            }
            else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/'))
            {
                r += 2;
                if (output.Length > dotdot)
                {
                    var w = output.Length - 1;
                    while (w > dotdot && output[w] != '/') w--;
                    output.Length = w;
                }
                else if (!rooted)
                {
                    if (output.Length > 0) output.Append('/');
                    output.Append("..");
                    dotdot = output.Length;
                }
            }
            else
            {
                if ((rooted && output.Length != 1) || (!rooted && output.Length != 0)) output.Append('/');
                while (r < n && path[r] != '/') output.Append(path[r++]);
            }
        }
        return output.Length == 0 ? "." : output.ToString();
    }

    /// <summary>Already in <see cref="Clean"/>'s form: no empty, <c>.</c> or <c>..</c> element and no trailing slash (<c>/</c> itself is clean).</summary>
    static bool IsClean(string path)
    {
        if (path.Length == 0) return false;
        if (path.Length == 1) return path[0] != '.';
        if (path[^1] == '/') return false;
        var span = path.AsSpan(path[0] == '/' ? 1 : 0);
        foreach (var range in span.Split('/'))
        {
            var element = span[range];
            if (element.Length == 0 || element is "." or "..") return false;
        }
        return true;
    }

    internal static string Join(List<string> tokens, int start)
    {
        if (start >= tokens.Count) return "";
        if (start == tokens.Count - 1) return tokens[start];
        var sb = new StringBuilder();
        for (var i = start; i < tokens.Count; i++)
        {
            if (i > start) sb.Append(' ');
            sb.Append(tokens[i]);
        }
        return sb.ToString();
    }
}
