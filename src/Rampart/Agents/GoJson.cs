using System.Text;
using System.Text.Json;
using Rampart.Core.Audit;

namespace Rampart.Agents;

/// <summary>
/// JSON text spelled the way upstream's Go <c>encoding/json</c> spells it: HTML-safe escapes with
/// lower-case hex (<c>&lt;</c> → <c>\u003c</c>), raw UTF-8 otherwise, object keys of decoded values
/// sorted, numbers re-encoded as float64. Claude hook output is compared byte for byte (CLI-077),
/// and System.Text.Json's encoders escape differently (upper-case hex, all non-ASCII).
/// Numbers are spelled by the audit trail's Go writer (Rampart.Core.Audit). Strings and values are
/// not, on purpose: that writer produces UTF-8 bytes of an <see cref="AuditValue"/>, which has
/// already replaced lone surrogates with a raw U+FFFD and rejects numbers outside float64 (AUD-031:
/// what is hashed must survive a Go round trip). The hook writes text straight from the host's
/// JsonElement: a lone surrogate is spelled <c>\ufffd</c> as Go's encoder spells invalid UTF-8,
/// an out-of-range number is echoed rather than failing the answer, and string leaves can be
/// replaced on the way (CLI-077's shape-preserving redaction). Going through AuditValue would
/// change those answers.
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

    /// <summary>A finite float64 as Go prints it: the audit writer's spelling (AUD-031), so both agree digit for digit.</summary>
    public static string FormatFloat(double f) => AuditValue.From(f).ToString();
}
