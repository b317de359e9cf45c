using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Rampart.Core.Tools;

/// <summary>Tool-name canonicalisation for the HTTP API path segment (POL-010, API-021); error texts are upstream's.</summary>
public static class ToolNames
{
    private const int MaxBytes = 128;

    /// <summary>Tool classes whose spelling is fixed (POL-009).</summary>
    public static readonly FrozenSet<string> ReservedClasses = FrozenSet.Create(StringComparer.Ordinal,
        "exec", "read", "write", "edit", "fetch", "http", "web_fetch", "browser", "mcp", "mcp-dangerous", "mcp-destructive");

    public static bool IsReservedClass(string name) => name is not null && ReservedClasses.Contains(name);

    /// <summary>
    /// Trims and validates a tool name. On failure <paramref name="error"/> is the detail text
    /// (the server prefixes it with <c>invalid tool name: </c>).
    /// </summary>
    public static bool TryCanonicalize(string segment, out string canonical, out string error)
    {
        canonical = "";
        error = "";
        var name = (segment ?? "").Trim();
        if (name.Length == 0)
        {
            error = "tool name is required";
            return false;
        }
        if (Encoding.UTF8.GetByteCount(name) > MaxBytes)
        {
            error = "tool name exceeds 128 bytes";
            return false;
        }
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':') continue;
            var rune = Rune.TryGetRuneAt(name, i, out var r) ? r : Rune.ReplacementChar;
            error = "tool name contains unsupported character " + QuoteRune(rune);
            return false;
        }
        var lower = name.ToLowerInvariant();
        if (ReservedClasses.Contains(lower) && lower != name)
        {
            error = $"reserved tool name \"{name}\" must use canonical spelling \"{lower}\"";
            return false;
        }
        canonical = name;
        return true;
    }

    /// <summary>Go's <c>%q</c> of a rune: printable runes as themselves, others escaped.</summary>
    private static string QuoteRune(Rune rune)
    {
        var value = rune.Value;
        switch (value)
        {
            case '\'': return @"'\''";
            case '\\': return @"'\\'";
            case '\a': return @"'\a'";
            case '\b': return @"'\b'";
            case '\f': return @"'\f'";
            case '\n': return @"'\n'";
            case '\r': return @"'\r'";
            case '\t': return @"'\t'";
            case '\v': return @"'\v'";
        }
        if (IsPrintable(rune)) return "'" + rune + "'";
        if (value < ' ' || value == 0x7F) return "'\\x" + value.ToString("x2", CultureInfo.InvariantCulture) + "'";
        if (value < 0x10000) return "'\\u" + value.ToString("x4", CultureInfo.InvariantCulture) + "'";
        return "'\\U" + value.ToString("x8", CultureInfo.InvariantCulture) + "'";
    }

    // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static bool IsPrintable(Rune rune)
    {
        if (rune.Value == ' ') return true;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
            _ => true,
        };
    }
}
