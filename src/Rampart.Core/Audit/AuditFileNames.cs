using System.Globalization;

namespace Rampart.Core.Audit;

/// <summary>
/// Names of the files in an audit directory (AUD-002, AUD-040, AUD-041): managed chain files
/// <c>YYYY-MM-DD.jsonl</c> / <c>YYYY-MM-DD.pN.jsonl</c>, and their chain order.
/// </summary>
public static class AuditFileNames
{
    public const string Extension = ".jsonl";
    public const string ChainState = ".audit-chain-state.json";
    public const string Lock = ".audit-chain-state.json.rampart.lock";
    public const string Anchor = "audit-anchor.json";
    public const string AnchorTempPrefix = ".audit-anchor.json.tmp-";
    public const string NativeHookPrefix = "audit-hook-";
    public const string Cef = "cef.log";

    /// <summary>Whether a bare file name is a managed chain file (AUD-040).</summary>
    public static bool IsManaged(string name) => TryParse(name, out _, out _);

    /// <summary>Parses a managed name into its UTC date and part number (0 for the base file).</summary>
    public static bool TryParse(string name, out DateOnly date, out int part)
    {
        date = default;
        part = 0;
        if (name.Length < 16 || !name.EndsWith(Extension, StringComparison.Ordinal)) return false;
        if (!TryParseDate(name.AsSpan(0, 10), out date)) return false;
        var middle = name.AsSpan(10, name.Length - 10 - Extension.Length);
        if (middle.IsEmpty) return true;
        // ".pN": N a positive decimal integer; leading zeros are allowed (".p01" is part 1).
        if (middle.Length < 3 || middle[0] != '.' || middle[1] != 'p') return false;
        var digits = middle[2..];
        foreach (var c in digits) if (!char.IsAsciiDigit(c)) return false;
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out part) || part <= 0) return false;
        return true;
    }

    static bool TryParseDate(ReadOnlySpan<char> s, out DateOnly date) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date) &&
        s[4] == '-' && s[7] == '-';

    /// <summary>The base file of a day: <c>YYYY-MM-DD.jsonl</c>.</summary>
    public static string ForDay(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + Extension;

    /// <summary>Part <paramref name="part"/> (≥ 1) of a day: <c>YYYY-MM-DD.pN.jsonl</c>.</summary>
    public static string ForPart(DateOnly day, int part) =>
        day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".p" + part.ToString(CultureInfo.InvariantCulture) + Extension;

    /// <summary>Sorts names into chain order (AUD-041): managed by date then part, others by name.</summary>
    public static List<string> Sort(IEnumerable<string> names)
    {
        var list = new List<string>(names);
        list.Sort(Compare);
        return list;
    }

    /// <summary>
    /// Chain-order comparison. Managed names compare through a key with a zero-padded part number
    /// so that <c>.p2</c> precedes <c>.p10</c>; every name is compared through its key, which keeps
    /// the order transitive when managed and unmanaged names mix.
    /// </summary>
    public static int Compare(string? a, string? b) => string.CompareOrdinal(SortKey(a ?? ""), SortKey(b ?? ""));

    static string SortKey(string name) =>
        TryParse(name, out var date, out var part)
            ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) +
              (part == 0 ? Extension : ".p" + part.ToString("D10", CultureInfo.InvariantCulture) + Extension)
            : name;

    /// <summary>The first <c>YYYY-MM-DD</c> date inside a name, if any (used by <c>--since</c>, AUD-080).</summary>
    public static DateOnly? DateIn(string name)
    {
        for (var i = 0; i + 10 <= name.Length; i++)
        {
            if (char.IsAsciiDigit(name[i]) && TryParseDate(name.AsSpan(i, 10), out var d)) return d;
        }
        return null;
    }

    /// <summary>Native-hook files: legacy per-record-hashed logs (AUD-080, AUD-083).</summary>
    public static bool IsNativeHook(string name) => name.StartsWith(NativeHookPrefix, StringComparison.Ordinal);
}
