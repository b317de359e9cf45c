using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Rampart.Core.Evaluation;

/// <summary>Text form of a JSON parameter value, as Go's <c>%v</c> prints a decoded JSON value (POL-007).</summary>
public static class ParamText
{
    public static string Format(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String) return JsonText.String(value);
        var sb = new StringBuilder();
        Append(sb, value);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                sb.Append(JsonText.String(value));
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                sb.Append("<nil>");
                break;
            case JsonValueKind.Number:
                AppendNumber(sb, value);
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first) sb.Append(' ');
                    first = false;
                    Append(sb, item);
                }
                sb.Append(']');
                break;
            case JsonValueKind.Object:
                // Go decodes into a map (the last duplicate key wins) and prints keys in sorted order.
                var entries = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in value.EnumerateObject()) entries[JsonText.Name(property)] = property.Value;
                var keys = new List<string>(entries.Keys);
                keys.Sort(CompareUtf8);
                sb.Append("map[");
                for (var i = 0; i < keys.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    sb.Append(keys[i]).Append(':');
                    Append(sb, entries[keys[i]]);
                }
                sb.Append(']');
                break;
        }
    }

    /// <summary>Go sorts string keys bytewise (UTF-8); that is code-point order, not UTF-16 order.</summary>
    private static int CompareUtf8(string? a, string? b)
    {
        a ??= "";
        b ??= "";
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x == y) continue;
            // Surrogates (supplementary code points) sort after every BMP character in UTF-8.
            var xs = char.IsSurrogate(x);
            var ys = char.IsSurrogate(y);
            if (xs != ys) return xs ? 1 : -1;
            return x.CompareTo(y);
        }
        return a.Length.CompareTo(b.Length);
    }

    /// <summary>
    /// A JSON number as the float64 Go decodes it, printed with <c>%v</c> (<c>strconv 'g'</c>, shortest): plain
    /// when the decimal exponent is in −4…5, else <c>d.ddde±XX</c>.
    /// </summary>
    private static void AppendNumber(StringBuilder sb, JsonElement value)
    {
        if (!value.TryGetDouble(out var d) || !double.IsFinite(d))
        {
            sb.Append(value.GetRawText());
            return;
        }
        if (double.IsNegative(d)) sb.Append('-');
        d = Math.Abs(d);
        if (d == 0)
        {
            sb.Append('0');
            return;
        }

        // "R" is the shortest round-trip form; take its digits and decimal exponent apart.
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = text.IndexOfAny(['E', 'e']);
        var exponent = 0;
        var mantissa = text;
        if (exponentAt >= 0)
        {
            exponent = int.Parse(text.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = text[..exponentAt];
        }
        var dot = mantissa.IndexOf('.');
        var intDigits = dot < 0 ? mantissa.Length : dot;
        var digits = (dot < 0 ? mantissa : mantissa.Remove(dot, 1)).AsSpan();
        var leading = 0;
        while (leading < digits.Length - 1 && digits[leading] == '0') leading++;
        digits = digits[leading..];
        digits = digits.TrimEnd('0');
        if (digits.IsEmpty) digits = "0";
        // Value = 0.d1d2d3… × 10^point.
        var point = intDigits - leading + exponent;
        var decimalExponent = point - 1;

        if (decimalExponent < -4 || decimalExponent >= 6)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits[1..]);
            sb.Append('e').Append(decimalExponent < 0 ? '-' : '+');
            var abs = Math.Abs(decimalExponent);
            if (abs < 10) sb.Append('0');
            sb.Append(abs.ToString(CultureInfo.InvariantCulture));
            return;
        }
        if (point <= 0)
        {
            sb.Append("0.").Append('0', -point).Append(digits);
        }
        else if (point >= digits.Length)
        {
            sb.Append(digits).Append('0', point - digits.Length);
        }
        else
        {
            sb.Append(digits[..point]).Append('.').Append(digits[point..]);
        }
    }
}
