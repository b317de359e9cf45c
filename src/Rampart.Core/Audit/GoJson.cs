using System.Buffers;
using System.Globalization;
using System.Text;

namespace Rampart.Core.Audit;

/// <summary>
/// Writes JSON byte for byte as Go's <c>encoding/json</c> does (AUD-030, AUD-031): compact, HTML-safe
/// string escaping, U+2028/U+2029 escaped, float64 numbers in Go's shortest form, sorted map keys.
/// System.Text.Json differs in escaping and number spelling, so this is written by hand.
/// </summary>
internal sealed class GoJson
{
    static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();

    readonly ArrayBufferWriter<byte> _out;

    public GoJson(int capacity = 1024) => _out = new ArrayBufferWriter<byte>(capacity);

    public ReadOnlySpan<byte> Written => _out.WrittenSpan;
    public int Length => _out.WrittenCount;

    public void Clear() => _out.ResetWrittenCount();

    public byte[] ToArray() => _out.WrittenSpan.ToArray();

    public static string ToText(AuditValue value)
    {
        var w = new GoJson();
        w.Value(value);
        return Encoding.UTF8.GetString(w.Written);
    }

    public static byte[] ToBytes(AuditValue value)
    {
        var w = new GoJson();
        w.Value(value);
        return w.ToArray();
    }

    public static byte[] StringBytes(string value)
    {
        var w = new GoJson(value.Length + 16);
        w.String(value);
        return w.ToArray();
    }

    public void Raw(ReadOnlySpan<byte> bytes) => _out.Write(bytes);

    public void Byte(byte b)
    {
        _out.GetSpan(1)[0] = b;
        _out.Advance(1);
    }

    /// <summary><c>"key":</c> — keys of our own structs are plain ASCII and need no escaping.</summary>
    public void Key(ReadOnlySpan<byte> quotedKeyColon) => _out.Write(quotedKeyColon);

    public void Int(long value)
    {
        var span = _out.GetSpan(20);
        value.TryFormat(span, out var n, default, CultureInfo.InvariantCulture);
        _out.Advance(n);
    }

    public void Value(AuditValue value)
    {
        switch (value.Kind)
        {
            case AuditValueKind.Null: Raw("null"u8); break;
            case AuditValueKind.Bool: Raw(value.AsBool ? "true"u8 : "false"u8); break;
            case AuditValueKind.Number: Number(value.AsNumber); break;
            case AuditValueKind.String: String(value.AsString); break;
            case AuditValueKind.Array:
                Byte((byte)'[');
                var items = value.Items;
                for (var i = 0; i < items.Length; i++)
                {
                    if (i > 0) Byte((byte)',');
                    Value(items[i]);
                }
                Byte((byte)']');
                break;
            default:
                Byte((byte)'{');
                var first = true;
                foreach (var (k, v) in value.Members)
                {
                    if (!first) Byte((byte)',');
                    first = false;
                    String(k);
                    Byte((byte)':');
                    Value(v);
                }
                Byte((byte)'}');
                break;
        }
    }

    // ASCII that Go writes as it is: everything from U+0020 to U+007F except the escaped five. The
    // loop below only has to start at the first other character (a control, one of the five, or
    // non-ASCII, which includes U+2028/U+2029 and surrogates); the run before it is found with one
    // vectorised search and copied as it is (ASCII is its own UTF-8).
    static readonly SearchValues<char> Plain = SearchValues.Create(BuildPlain());

    static string BuildPlain()
    {
        var chars = new List<char>();
        for (var c = 0x20; c < 0x80; c++)
            if (c is not ('"' or '\\' or '<' or '>' or '&')) chars.Add((char)c);
        return new string(chars.ToArray());
    }

    /// <summary>A JSON string with Go's escaping rules (AUD-031).</summary>
    public void String(string s)
    {
        var first = s.AsSpan().IndexOfAnyExcept(Plain);
        if (first < 0)
        {
            // The common case (ids, names, commands): plain ASCII, quoted and copied.
            var span = _out.GetSpan(s.Length + 2);
            span[0] = (byte)'"';
            System.Text.Ascii.FromUtf16(s, span[1..], out var n);
            span[n + 1] = (byte)'"';
            _out.Advance(n + 2);
            return;
        }
        Byte((byte)'"');
        var start = 0;
        for (var i = first; i < s.Length; i++)
        {
            var c = s[i];
            if (c < 0x80)
            {
                if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') continue;
                Utf8(s.AsSpan(start, i - start));
                switch (c)
                {
                    case '"': Raw("\\\""u8); break;
                    case '\\': Raw("\\\\"u8); break;
                    case '\b': Raw("\\b"u8); break;
                    case '\f': Raw("\\f"u8); break;
                    case '\n': Raw("\\n"u8); break;
                    case '\r': Raw("\\r"u8); break;
                    case '\t': Raw("\\t"u8); break;
                    default: Escape(c); break;
                }
                start = i + 1;
            }
            else if (c == '\u2028' || c == '\u2029')
            {
                Utf8(s.AsSpan(start, i - start));
                Escape(c);
                start = i + 1;
            }
            else if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                // A lone surrogate cannot be UTF-8; Go would hold U+FFFD here (AUD-031).
                Utf8(s.AsSpan(start, i - start));
                Raw("\uFFFD"u8);
                start = i + 1;
            }
        }
        Utf8(s.AsSpan(start));
        Byte((byte)'"');
    }

    void Escape(char c)
    {
        var span = _out.GetSpan(6);
        span[0] = (byte)'\\';
        span[1] = (byte)'u';
        span[2] = Hex[(c >> 12) & 0xF];
        span[3] = Hex[(c >> 8) & 0xF];
        span[4] = Hex[(c >> 4) & 0xF];
        span[5] = Hex[c & 0xF];
        _out.Advance(6);
    }

    void Utf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty) return;
        var span = _out.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        var n = Encoding.UTF8.GetBytes(chars, span);
        _out.Advance(n);
    }

    /// <summary>A float64 exactly as Go's encoding/json spells it (AUD-031).</summary>
    public void Number(double value)
    {
        Span<char> buf = stackalloc char[40];
        var n = FormatNumber(value, buf);
        var span = _out.GetSpan(n);
        for (var i = 0; i < n; i++) span[i] = (byte)buf[i];
        _out.Advance(n);
    }

    public static string FormatNumber(double value)
    {
        Span<char> buf = stackalloc char[40];
        return new string(buf[..FormatNumber(value, buf)]);
    }

    /// <summary>
    /// Go: <c>strconv.FormatFloat(f, 'f' or 'e', -1, 64)</c> with 'e' when |f| &lt; 1e-6 or |f| ≥ 1e21,
    /// then a negative two-digit exponent loses its leading zero (<c>1e-07</c> → <c>1e-7</c>).
    /// The shortest round-trip digits come from .NET's "R" formatting and are re-laid out here.
    /// </summary>
    static int FormatNumber(double value, Span<char> dest)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), "audit numbers must be finite");
        var pos = 0;
        if (double.IsNegative(value)) dest[pos++] = '-';
        var abs = Math.Abs(value);
        if (abs == 0)
        {
            dest[pos++] = '0';
            return pos;
        }

        // Shortest round-trip digits from "R" (which may itself use an exponent), normalised to
        // d1 d2 d3 … with the decimal exponent of d1.
        Span<char> shortest = stackalloc char[32];
        abs.TryFormat(shortest, out var sn, "R", CultureInfo.InvariantCulture);
        Span<char> digits = stackalloc char[24];
        var dn = 0;
        int exp; // exponent of the first digit
        var ePos = shortest[..sn].IndexOfAny('E', 'e');
        var mantissa = ePos >= 0 ? shortest[..ePos] : shortest[..sn];
        var explicitExp = ePos >= 0 ? int.Parse(shortest[(ePos + 1)..sn], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var dot = mantissa.IndexOf('.');
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : [];
        // Collect all digits, then strip leading zeros (e.g. "0.0001") and trailing zeros ("100").
        var leadingZeros = 0;
        var seenNonZero = false;
        foreach (var ch in intPart)
        {
            if (!seenNonZero && ch == '0') { leadingZeros++; continue; }
            seenNonZero = true;
            digits[dn++] = ch;
        }
        var fracLeadingZeros = 0;
        foreach (var ch in fracPart)
        {
            if (!seenNonZero && ch == '0') { fracLeadingZeros++; continue; }
            seenNonZero = true;
            digits[dn++] = ch;
        }
        var intDigitsSignificant = intPart.Length - leadingZeros;
        exp = intDigitsSignificant > 0 ? intDigitsSignificant - 1 + explicitExp : -(fracLeadingZeros + 1) + explicitExp;
        while (dn > 1 && digits[dn - 1] == '0') dn--;

        if (abs < 1e-6 || abs >= 1e21)
        {
            dest[pos++] = digits[0];
            if (dn > 1)
            {
                dest[pos++] = '.';
                for (var i = 1; i < dn; i++) dest[pos++] = digits[i];
            }
            dest[pos++] = 'e';
            dest[pos++] = exp < 0 ? '-' : '+';
            var e = Math.Abs(exp);
            // Go writes at least two exponent digits, then drops the leading zero of a negative one.
            if (e < 10 && exp >= 0) dest[pos++] = '0';
            e.TryFormat(dest[pos..], out var en, default, CultureInfo.InvariantCulture);
            pos += en;
            return pos;
        }

        if (exp < 0)
        {
            dest[pos++] = '0';
            dest[pos++] = '.';
            for (var i = 0; i < -exp - 1; i++) dest[pos++] = '0';
            for (var i = 0; i < dn; i++) dest[pos++] = digits[i];
            return pos;
        }
        for (var i = 0; i <= exp; i++) dest[pos++] = i < dn ? digits[i] : '0';
        if (dn > exp + 1)
        {
            dest[pos++] = '.';
            for (var i = exp + 1; i < dn; i++) dest[pos++] = digits[i];
        }
        return pos;
    }
}
