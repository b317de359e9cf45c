using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Rampart.Core.Evaluation;

/// <summary>
/// Strings out of <see cref="JsonElement"/>s that never throw: invalid UTF-8 bytes and unpaired
/// <c>\uD800</c>-style surrogate escapes become U+FFFD, as Go's <c>encoding/json</c> decodes them
/// (POL-001: upstream evaluates such a call, it does not fail it).
/// </summary>
/// <remarks>
/// <see cref="JsonDocument"/> accepts both in string tokens and only fails when the string is read
/// (<see cref="InvalidOperationException"/> from <see cref="JsonElement.GetString"/>), so a request
/// body with one stray byte would otherwise turn an evaluation into a crash. Found by fuzzing (issue 8).
/// </remarks>
public static class JsonText
{
    /// <summary>The string value of a <see cref="JsonValueKind.String"/> element.</summary>
    public static string String(JsonElement value)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        // Fast path: valid UTF-8 without \u escapes cannot hold a lone surrogate.
        if (Utf8.IsValid(raw) && raw.IndexOf("\\u"u8) < 0) return value.GetString() ?? "";
        return Decode(raw[1..^1]);
    }

    /// <summary>The name of a property, decoded like <see cref="String"/>.</summary>
    public static string Name(JsonProperty property)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (Utf8.IsValid(raw) && raw.IndexOf("\\u"u8) < 0) return property.Name;
        return Decode(raw);
    }

    /// <summary>Go's unquote: escapes resolved, each invalid byte and each unpaired surrogate → U+FFFD.</summary>
    static string Decode(ReadOnlySpan<byte> s)
    {
        var sb = new StringBuilder(s.Length);
        var i = 0;
        while (i < s.Length)
        {
            var b = s[i];
            if (b != (byte)'\\')
            {
                if (Rune.DecodeFromUtf8(s[i..], out var rune, out var consumed) == OperationStatus.Done)
                {
                    sb.Append(rune.ToString());
                    i += consumed;
                }
                else
                {
                    sb.Append('\uFFFD');
                    i++;
                }
                continue;
            }
            // JsonDocument has validated the escape syntax already.
            var e = s[i + 1];
            i += 2;
            switch (e)
            {
                case (byte)'b': sb.Append('\b'); break;
                case (byte)'f': sb.Append('\f'); break;
                case (byte)'n': sb.Append('\n'); break;
                case (byte)'r': sb.Append('\r'); break;
                case (byte)'t': sb.Append('\t'); break;
                case (byte)'u':
                    var unit = Hex4(s.Slice(i, 4));
                    i += 4;
                    if (char.IsHighSurrogate(unit) && i + 6 <= s.Length && s[i] == '\\' && s[i + 1] == 'u' &&
                        char.IsLowSurrogate(Hex4(s.Slice(i + 2, 4))))
                    {
                        sb.Append(unit).Append(Hex4(s.Slice(i + 2, 4)));
                        i += 6;
                    }
                    else
                    {
                        sb.Append(char.IsSurrogate(unit) ? '\uFFFD' : unit);
                    }
                    break;
                default: sb.Append((char)e); break; // \" \\ \/
            }
        }
        return sb.ToString();
    }

    static char Hex4(ReadOnlySpan<byte> hex) =>
        (char)int.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
