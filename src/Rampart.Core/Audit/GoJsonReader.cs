using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Rampart.Core.Audit;

/// <summary>A JSON text that Go's decoder would reject (syntax or type), with Go-like wording.</summary>
public sealed class AuditFormatException(string message) : FormatException(message);

/// <summary>
/// A strict JSON reader with Go <c>encoding/json</c> decoding semantics (AUD-031, AUD-036): numbers
/// decoded as float64, invalid UTF-8 bytes and lone surrogate escapes become U+FFFD (one per bad
/// byte, like Go), repeated object keys keep the last value. Pull-style so the event decoder can
/// apply Go's struct rules (case-insensitive keys, merging repeated struct keys) in one pass.
/// </summary>
internal ref struct GoJsonReader
{
    // Go's own limit is 10000; ours is lower because this reader recurses. Our own records come
    // from System.Text.Json input (max depth 64), so only hand-made lines can get near it.
    const int MaxDepth = 1000;

    readonly ReadOnlySpan<byte> _s;
    int _pos;

    public GoJsonReader(ReadOnlySpan<byte> text)
    {
        _s = text;
        _pos = 0;
    }

    public int Position => _pos;

    public void SkipWhitespace()
    {
        while (_pos < _s.Length)
        {
            var c = _s[_pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            _pos++;
        }
    }

    /// <summary>The next significant byte, or 0 at the end of input.</summary>
    public byte Peek()
    {
        SkipWhitespace();
        return _pos < _s.Length ? _s[_pos] : (byte)0;
    }

    public void ExpectEnd()
    {
        SkipWhitespace();
        if (_pos < _s.Length) throw Invalid("after top-level value");
    }

    public bool TryReadNull()
    {
        if (Peek() != 'n') return false;
        Literal("null"u8);
        return true;
    }

    // ---- objects -------------------------------------------------------------------------------

    public void BeginObject()
    {
        if (Peek() != '{') throw Invalid("looking for beginning of value");
        _pos++;
    }

    /// <summary>Reads the next key of the current object (after <see cref="BeginObject"/>), or returns false at <c>}</c>.</summary>
    public bool NextKey(ref bool first, out string key)
    {
        var c = Peek();
        if (first)
        {
            first = false;
            if (c == '}') { _pos++; key = ""; return false; }
        }
        else
        {
            if (c == '}') { _pos++; key = ""; return false; }
            if (c != ',') throw Invalid("after object key:value pair");
            _pos++;
            c = Peek();
        }
        if (c != '"') throw Invalid("looking for beginning of object key string");
        key = ReadString();
        if (Peek() != ':') throw Invalid("after object key");
        _pos++;
        return true;
    }

    // ---- arrays --------------------------------------------------------------------------------

    public void BeginArray()
    {
        if (Peek() != '[') throw Invalid("looking for beginning of value");
        _pos++;
    }

    public bool NextItem(ref bool first)
    {
        var c = Peek();
        if (first)
        {
            first = false;
            if (c == ']') { _pos++; return false; }
            return true;
        }
        if (c == ']') { _pos++; return false; }
        if (c != ',') throw Invalid("after array element");
        _pos++;
        return true;
    }

    // ---- values --------------------------------------------------------------------------------

    /// <summary>Any value, as a normalised <see cref="AuditValue"/> (Go <c>any</c>).</summary>
    public AuditValue ReadValue() => ReadValue(0);

    AuditValue ReadValue(int depth)
    {
        if (depth > MaxDepth) throw new AuditFormatException("json: exceeded max depth");
        switch (Peek())
        {
            case (byte)'{':
                BeginObject();
                var members = new List<KeyValuePair<string, AuditValue>>();
                var first = true;
                while (NextKey(ref first, out var key)) members.Add(new(key, ReadValue(depth + 1)));
                return members.Count == 0 ? AuditValue.EmptyObject : AuditValue.Object(members);
            case (byte)'[':
                BeginArray();
                var items = new List<AuditValue>();
                var firstItem = true;
                while (NextItem(ref firstItem)) items.Add(ReadValue(depth + 1));
                return AuditValue.Array(items);
            case (byte)'"':
                return AuditValue.From(ReadString());
            case (byte)'t':
                Literal("true"u8);
                return AuditValue.True;
            case (byte)'f':
                Literal("false"u8);
                return AuditValue.False;
            case (byte)'n':
                Literal("null"u8);
                return AuditValue.Null;
            default:
                var lit = ReadNumberLiteral();
                var d = double.Parse(Encoding.ASCII.GetString(lit), NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!double.IsFinite(d))
                    throw new AuditFormatException($"json: cannot unmarshal number {Encoding.ASCII.GetString(lit)} into Go value of type float64");
                return AuditValue.From(d);
        }
    }

    /// <summary>Skips any value (used for unknown struct keys), still validating its syntax.</summary>
    public void SkipValue() => _ = ReadValue();

    public ReadOnlySpan<byte> ReadNumberLiteral()
    {
        SkipWhitespace();
        var start = _pos;
        if (_pos < _s.Length && _s[_pos] == '-') _pos++;
        if (_pos >= _s.Length) throw End();
        if (_s[_pos] == '0') _pos++;
        else if (_s[_pos] is >= (byte)'1' and <= (byte)'9') { while (_pos < _s.Length && IsDigit(_s[_pos])) _pos++; }
        else throw _pos == start ? Invalid("looking for beginning of value") : Invalid("in numeric literal");
        if (_pos < _s.Length && _s[_pos] == '.')
        {
            _pos++;
            if (_pos >= _s.Length) throw End();
            if (!IsDigit(_s[_pos])) throw Invalid("after decimal point in numeric literal");
            while (_pos < _s.Length && IsDigit(_s[_pos])) _pos++;
        }
        if (_pos < _s.Length && (_s[_pos] == 'e' || _s[_pos] == 'E'))
        {
            _pos++;
            if (_pos < _s.Length && (_s[_pos] == '+' || _s[_pos] == '-')) _pos++;
            if (_pos >= _s.Length) throw End();
            if (!IsDigit(_s[_pos])) throw Invalid("in exponent of numeric literal");
            while (_pos < _s.Length && IsDigit(_s[_pos])) _pos++;
        }
        return _s[start.._pos];
    }

    /// <summary>A JSON string's raw bytes between the quotes (escapes validated, not decoded) — Go's time decoder sees these.</summary>
    public ReadOnlySpan<byte> ReadRawString()
    {
        if (Peek() != '"') throw Invalid("looking for beginning of value");
        var start = ++_pos;
        ScanStringBody(out _);
        return _s[start..(_pos - 1)];
    }

    public string ReadString()
    {
        if (Peek() != '"') throw Invalid("looking for beginning of value");
        var start = ++_pos;
        ScanStringBody(out var simple);
        var body = _s[start..(_pos - 1)];
        if (simple && Utf8.IsValid(body)) return Encoding.UTF8.GetString(body);
        return Decode(body);
    }

    // Validates up to and including the closing quote; `simple` = no escapes.
    void ScanStringBody(out bool simple)
    {
        simple = true;
        while (true)
        {
            if (_pos >= _s.Length) throw End();
            var c = _s[_pos];
            if (c == '"') { _pos++; return; }
            if (c < 0x20) throw Invalid("in string literal");
            if (c == '\\')
            {
                simple = false;
                _pos++;
                if (_pos >= _s.Length) throw End();
                var e = _s[_pos];
                switch (e)
                {
                    case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                        _pos++;
                        break;
                    case (byte)'u':
                        _pos++;
                        for (var i = 0; i < 4; i++)
                        {
                            if (_pos >= _s.Length) throw End();
                            if (!IsHex(_s[_pos])) throw Invalid("in \\u hexadecimal character escape");
                            _pos++;
                        }
                        break;
                    default:
                        throw Invalid("in string escape code");
                }
                continue;
            }
            _pos++;
        }
    }

    static string Decode(ReadOnlySpan<byte> body)
    {
        var sb = new StringBuilder(body.Length);
        var i = 0;
        while (i < body.Length)
        {
            var c = body[i];
            if (c == '\\')
            {
                var e = body[i + 1];
                i += 2;
                switch (e)
                {
                    case (byte)'"': sb.Append('"'); break;
                    case (byte)'\\': sb.Append('\\'); break;
                    case (byte)'/': sb.Append('/'); break;
                    case (byte)'b': sb.Append('\b'); break;
                    case (byte)'f': sb.Append('\f'); break;
                    case (byte)'n': sb.Append('\n'); break;
                    case (byte)'r': sb.Append('\r'); break;
                    case (byte)'t': sb.Append('\t'); break;
                    default:
                        var u = Hex4(body.Slice(i, 4));
                        i += 4;
                        if (char.IsSurrogate((char)u))
                        {
                            // Go pairs a high surrogate with a following \u low surrogate; anything else is U+FFFD
                            // and the next escape is decoded on its own.
                            if (char.IsHighSurrogate((char)u) && i + 6 <= body.Length && body[i] == '\\' && body[i + 1] == 'u')
                            {
                                var lo = Hex4(body.Slice(i + 2, 4));
                                if (char.IsLowSurrogate((char)lo))
                                {
                                    sb.Append((char)u).Append((char)lo);
                                    i += 6;
                                    break;
                                }
                            }
                            sb.Append('\uFFFD');
                        }
                        else sb.Append((char)u);
                        break;
                }
                continue;
            }
            if (c < 0x80)
            {
                sb.Append((char)c);
                i++;
                continue;
            }
            if (System.Text.Rune.DecodeFromUtf8(body[i..], out var rune, out var used) == System.Buffers.OperationStatus.Done)
            {
                sb.Append(rune.ToString());
                i += used;
            }
            else
            {
                // Go replaces each invalid byte separately (utf8.DecodeRune returns size 1).
                sb.Append('\uFFFD');
                i++;
            }
        }
        return sb.ToString();
    }

    static int Hex4(ReadOnlySpan<byte> h) =>
        (HexVal(h[0]) << 12) | (HexVal(h[1]) << 8) | (HexVal(h[2]) << 4) | HexVal(h[3]);

    static int HexVal(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    static bool IsHex(byte b) => IsDigit(b) || ((b | 0x20) >= 'a' && (b | 0x20) <= 'f');

    static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    void Literal(ReadOnlySpan<byte> word)
    {
        for (var i = 0; i < word.Length; i++)
        {
            if (_pos >= _s.Length) throw End();
            if (_s[_pos] != word[i]) throw Invalid($"in literal {Encoding.ASCII.GetString(word)} (expecting '{(char)word[i]}')");
            _pos++;
        }
    }

    AuditFormatException Invalid(string context) =>
        _pos >= _s.Length ? End() : new AuditFormatException($"invalid character {Quote(_s[_pos])} {context}");

    static AuditFormatException End() => new("unexpected end of JSON input");

    static string Quote(byte c) => c switch
    {
        (byte)'\'' => "'\\''",
        (byte)'"' => "'\"'",
        _ when c >= 0x20 && c < 0x7F => "'" + (char)c + "'",
        _ => "'\\x" + c.ToString("x2", CultureInfo.InvariantCulture) + "'",
    };
}
