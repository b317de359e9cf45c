using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Rampart.Agents;

/// <summary>
/// JSON text spelled the way upstream's Go <c>encoding/json</c> spells it: HTML-safe escapes with
/// lower-case hex (<c>&lt;</c> → <c>\u003c</c>), raw UTF-8 otherwise, object keys of decoded values
/// sorted, numbers re-encoded as float64. Claude hook output is compared byte for byte (CLI-077),
/// and System.Text.Json's encoders escape differently (upper-case hex, all non-ASCII).
/// </summary>
internal static class GoJson
{
    const string Hex = "0123456789abcdef";

    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029': AppendUnicodeEscape(sb, c); break;
                default:
                    if (c < 0x20) AppendUnicodeEscape(sb, c);
                    else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(c).Append(s[i + 1]); i++; }
                    else if (char.IsSurrogate(c)) sb.Append("\\ufffd"); // Go replaces invalid UTF-8 with U+FFFD
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    static void AppendUnicodeEscape(StringBuilder sb, char c) =>
        sb.Append("\\u").Append(Hex[(c >> 12) & 0xF]).Append(Hex[(c >> 8) & 0xF]).Append(Hex[(c >> 4) & 0xF]).Append(Hex[c & 0xF]);

    /// <summary>
    /// Writes a decoded JSON value; when <paramref name="stringReplacement"/> is set every string leaf
    /// (object keys excluded) is replaced by it — the shape-preserving redaction of CLI-077.
    /// </summary>
    public static void WriteValue(StringBuilder sb, JsonElement value, string? stringReplacement = null)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String: WriteString(sb, stringReplacement ?? value.GetString()!); break;
            case JsonValueKind.Number: sb.Append(FormatNumber(value)); break;
            case JsonValueKind.True: sb.Append("true"); break;
            case JsonValueKind.False: sb.Append("false"); break;
            case JsonValueKind.Array:
                sb.Append('[');
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteValue(sb, item, stringReplacement);
                }
                sb.Append(']');
                break;
            case JsonValueKind.Object:
                sb.Append('{');
                var i = 0;
                foreach (var (key, item) in SortedProperties(value))
                {
                    if (i++ > 0) sb.Append(',');
                    WriteString(sb, key);
                    sb.Append(':');
                    WriteValue(sb, item, stringReplacement);
                }
                sb.Append('}');
                break;
            default: sb.Append("null"); break;
        }
    }

    /// <summary>An object's members as a Go map sees them: duplicate keys keep the last value, keys sorted.</summary>
    public static List<KeyValuePair<string, JsonElement>> SortedProperties(JsonElement obj)
    {
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject()) map[p.Name] = p.Value;
        var list = new List<KeyValuePair<string, JsonElement>>(map);
        list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    /// <summary>A JSON number as Go prints the float64 it decodes to (strconv 'f', or 'e' outside [1e-6, 1e21)).</summary>
    public static string FormatNumber(JsonElement number)
    {
        if (!number.TryGetDouble(out var f) || double.IsInfinity(f)) return number.GetRawText();
        return FormatFloat(f);
    }

    public static string FormatFloat(double f)
    {
        if (f == 0) return double.IsNegative(f) ? "-0" : "0";
        // Shortest round-trip digits and decimal exponent, then laid out as Go would.
        var shortest = f.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest[0] == '-';
        var body = negative ? shortest[1..] : shortest;
        var exp = 0;
        var ePos = body.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            exp = int.Parse(body.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            body = body[..ePos];
        }
        var dot = body.IndexOf('.');
        var intPart = dot < 0 ? body : body[..dot];
        var fracPart = dot < 0 ? "" : body[(dot + 1)..];
        var digits = (intPart + fracPart).TrimStart('0');
        // Decimal point position relative to the start of `digits`.
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        var pointPos = intPart.Length + exp - leadingZeros;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) return "0";

        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        var abs = Math.Abs(f);
        if (abs < 1e-6 || abs >= 1e21)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            var e = pointPos - 1;
            // strconv pads the exponent to two digits; encoding/json then strips the pad of e-0N, and
            // positive exponents here are always ≥ 21, so no padding is ever visible.
            sb.Append('e').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        if (pointPos <= 0)
        {
            sb.Append("0.").Append('0', -pointPos).Append(digits);
        }
        else if (pointPos >= digits.Length)
        {
            sb.Append(digits).Append('0', pointPos - digits.Length);
        }
        else
        {
            sb.Append(digits, 0, pointPos).Append('.').Append(digits, pointPos, digits.Length - pointPos);
        }
        return sb.ToString();
    }
}
