using System.Globalization;
using System.Numerics;
using System.Text;

namespace Rampart.Core.Policies;

/// <summary>
/// Scalar resolution as Go yaml.v3 does it (POL-024): YAML 1.2 core schema for plain scalars,
/// yaml.v3's integer syntax (Go <c>strconv.ParseInt</c> base 0 after dropping <c>_</c>), its
/// timestamp formats, and the YAML 1.1 boolean words accepted only by typed bool fields.
/// </summary>
internal static class YamlScalars
{
    /// <summary>The short tag yaml.v3 resolves an untagged plain scalar to.</summary>
    public static string ResolveTag(string value)
    {
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL": return "!!null";
            case "true" or "True" or "TRUE" or "false" or "False" or "FALSE": return "!!bool";
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF"
                or ".nan" or ".NaN" or ".NAN": return "!!float";
        }
        if (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+' or '.'))
        {
            if (TryParseTimestamp(value, out _)) return "!!timestamp";
            if (TryParseInteger(value, out _)) return "!!int";
            if (TryParseFloat(value, out _)) return "!!float";
        }
        return "!!str";
    }

    /// <summary>yaml.v3 integer syntax: <c>_</c> removed, then Go base-0 (<c>0x</c>, <c>0o</c>, <c>0b</c>, leading-0 octal).</summary>
    public static bool TryParseInteger(string value, out BigInteger result)
    {
        result = default;
        var plain = value.Replace("_", "", StringComparison.Ordinal);
        var span = plain.AsSpan();
        var negative = false;
        if (span.Length > 0 && span[0] is '+' or '-')
        {
            negative = span[0] == '-';
            span = span[1..];
        }
        if (span.Length == 0) return false;
        var radix = 10;
        if (span.Length >= 2 && span[0] == '0')
        {
            switch (span[1])
            {
                case 'x' or 'X': radix = 16; span = span[2..]; break;
                case 'o' or 'O': radix = 8; span = span[2..]; break;
                case 'b' or 'B': radix = 2; span = span[2..]; break;
                default: radix = 8; span = span[1..]; break;
            }
            if (span.Length == 0) return false;
        }
        BigInteger acc = 0;
        foreach (var c in span)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix) return false;
            acc = acc * radix + digit;
        }
        result = negative ? -acc : acc;
        // Go parses into int64 first and falls back to uint64; anything larger is not an int.
        return result >= long.MinValue && result <= ulong.MaxValue;
    }

    /// <summary>YAML 1.2 core float (<c>[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?</c>) or .inf/.nan.</summary>
    public static bool TryParseFloat(string value, out double result)
    {
        result = 0;
        switch (value)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF": result = double.PositiveInfinity; return true;
            case "-.inf" or "-.Inf" or "-.INF": result = double.NegativeInfinity; return true;
            case ".nan" or ".NaN" or ".NAN": result = double.NaN; return true;
        }
        var plain = value.Replace("_", "", StringComparison.Ordinal);
        var i = 0;
        if (i < plain.Length && plain[i] is '-' or '+') i++;
        var digits = 0;
        while (i < plain.Length && char.IsAsciiDigit(plain[i])) { i++; digits++; }
        if (i < plain.Length && plain[i] == '.')
        {
            i++;
            var fraction = 0;
            while (i < plain.Length && char.IsAsciiDigit(plain[i])) { i++; fraction++; }
            if (digits == 0 && fraction == 0) return false;
        }
        else if (digits == 0) return false;
        if (i < plain.Length && plain[i] is 'e' or 'E')
        {
            i++;
            if (i < plain.Length && plain[i] is '-' or '+') i++;
            var exponent = 0;
            while (i < plain.Length && char.IsAsciiDigit(plain[i])) { i++; exponent++; }
            if (exponent == 0) return false;
        }
        return i == plain.Length && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out result);
    }

    /// <summary>
    /// yaml.v3's unquoted timestamp forms: <c>2006-1-2T15:4:5.999999999Z07:00</c> (also lower-case
    /// <c>t</c>), <c>2006-1-2 15:4:5.999999999</c> (UTC) and <c>2006-1-2</c>.
    /// </summary>
    public static bool TryParseTimestamp(string value, out DateTimeOffset result)
    {
        result = default;
        var pos = 0;
        if (!ReadNumber(value, ref pos, 4, 4, out var year) || !Expect(value, ref pos, '-') ||
            !ReadNumber(value, ref pos, 1, 2, out var month) || !Expect(value, ref pos, '-') ||
            !ReadNumber(value, ref pos, 1, 2, out var day)) return false;
        if (pos == value.Length) return Build(year, month, day, 0, 0, 0, 0, TimeSpan.Zero, out result);
        var separator = value[pos++];
        var zoned = separator is 'T' or 't';
        if (!zoned && separator != ' ') return false;
        if (!ReadNumber(value, ref pos, 1, 2, out var hour) || !Expect(value, ref pos, ':') ||
            !ReadNumber(value, ref pos, 1, 2, out var minute) || !Expect(value, ref pos, ':') ||
            !ReadNumber(value, ref pos, 1, 2, out var second)) return false;
        long ticks = 0;
        if (pos < value.Length && value[pos] == '.')
        {
            pos++;
            var start = pos;
            while (pos < value.Length && char.IsAsciiDigit(value[pos])) pos++;
            var digits = pos - start;
            if (digits is 0 or > 9) return false;
            var fraction = value.AsSpan(start, digits).ToString().PadRight(7, '0')[..7];
            ticks = long.Parse(fraction, CultureInfo.InvariantCulture);
        }
        var offset = TimeSpan.Zero;
        if (zoned)
        {
            if (pos >= value.Length) return false;
            if (value[pos] == 'Z') pos++;
            else if (!ReadOffset(value, ref pos, out offset)) return false;
        }
        if (pos != value.Length) return false;
        if (!Build(year, month, day, hour, minute, second, 0, offset, out result)) return false;
        result = result.AddTicks(ticks);
        return true;
    }

    /// <summary>Go <c>time.Time.UnmarshalText</c>: strict RFC 3339 (what a quoted timestamp must be).</summary>
    public static bool TryParseRfc3339(string value, out DateTimeOffset result)
    {
        result = default;
        var pos = 0;
        if (!ReadNumber(value, ref pos, 4, 4, out var year) || !Expect(value, ref pos, '-') ||
            !ReadNumber(value, ref pos, 2, 2, out var month) || !Expect(value, ref pos, '-') ||
            !ReadNumber(value, ref pos, 2, 2, out var day) || !Expect(value, ref pos, 'T') ||
            !ReadNumber(value, ref pos, 2, 2, out var hour) || !Expect(value, ref pos, ':') ||
            !ReadNumber(value, ref pos, 2, 2, out var minute) || !Expect(value, ref pos, ':') ||
            !ReadNumber(value, ref pos, 2, 2, out var second)) return false;
        long ticks = 0;
        if (pos < value.Length && value[pos] == '.')
        {
            pos++;
            var start = pos;
            while (pos < value.Length && char.IsAsciiDigit(value[pos])) pos++;
            var digits = pos - start;
            if (digits is 0 or > 9) return false;
            ticks = long.Parse(value.AsSpan(start, digits).ToString().PadRight(7, '0')[..7], CultureInfo.InvariantCulture);
        }
        TimeSpan offset;
        if (pos < value.Length && value[pos] == 'Z') { pos++; offset = TimeSpan.Zero; }
        else if (!ReadOffset(value, ref pos, out offset)) return false;
        if (pos != value.Length) return false;
        if (!Build(year, month, day, hour, minute, second, 0, offset, out result)) return false;
        result = result.AddTicks(ticks);
        return true;
    }

    static bool ReadOffset(string value, ref int pos, out TimeSpan offset)
    {
        offset = default;
        if (pos >= value.Length || value[pos] is not ('+' or '-')) return false;
        var negative = value[pos++] == '-';
        if (!ReadNumber(value, ref pos, 2, 2, out var hours) || !Expect(value, ref pos, ':') ||
            !ReadNumber(value, ref pos, 2, 2, out var minutes) || hours > 23 || minutes > 59) return false;
        offset = new TimeSpan(hours, minutes, 0);
        if (negative) offset = -offset;
        return true;
    }

    static bool Build(int year, int month, int day, int hour, int minute, int second, int ms, TimeSpan offset, out DateTimeOffset result)
    {
        result = default;
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) ||
            hour > 23 || minute > 59 || second > 59 || year < 1) return false;
        result = new DateTimeOffset(year, month, day, hour, minute, second, ms, offset).ToUniversalTime();
        return true;
    }

    static bool ReadNumber(string s, ref int pos, int min, int max, out int value)
    {
        value = 0;
        var start = pos;
        while (pos < s.Length && pos - start < max && char.IsAsciiDigit(s[pos])) value = value * 10 + (s[pos++] - '0');
        return pos - start >= min;
    }

    static bool Expect(string s, ref int pos, char c)
    {
        if (pos >= s.Length || s[pos] != c) return false;
        pos++;
        return true;
    }

    /// <summary>Go <c>strconv.Quote</c> (what <c>%q</c> prints): used wherever upstream quotes user text.</summary>
    public static string GoQuote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                case 0xFFFD: sb.Append("\\ufffd"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7F) sb.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
                    else if (IsPrintable(rune)) sb.Append(rune.ToString());
                    else if (rune.Value < 0x10000) sb.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:x4}");
                    else sb.Append(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}");
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    static bool IsPrintable(Rune rune)
    {
        if (rune.Value == ' ') return true;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }
}
