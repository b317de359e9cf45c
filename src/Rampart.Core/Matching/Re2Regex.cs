using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Rampart.Core.Matching;

/// <summary>
/// RE2 (Go <c>regexp</c>) patterns on .NET (POL-021, POL-045, Appendix B): a validating RE2 parser
/// that accepts exactly RE2 syntax, rejects what RE2 lacks (look-around, back-references, atomic
/// groups, possessive quantifiers) with Go's error texts, and translates to an equivalent .NET
/// pattern with RE2 semantics made explicit (<c>$</c> = <c>\z</c>, ASCII <c>\d \w \s</c>, flags
/// applied per atom).
/// </summary>
public static class Re2Regex
{
    /// <summary>POL-045: a response scan may take at most this long per pattern.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Compiles an RE2 pattern. On failure <paramref name="error"/> is Go's message, e.g.
    /// <c>error parsing regexp: missing closing ): `(`</c>.
    /// </summary>
    public static bool TryCompile(string pattern, out Regex? regex, out string error)
    {
        regex = null;
        if (!TryTranslate(pattern, out var translated, out error)) return false;
        try
        {
            regex = new Regex(translated, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);
        }
        catch (NotSupportedException)
        {
            // NonBacktracking refuses some very large automata; the translation never needs
            // backtracking-only constructs, so the classic engine gives the same answers.
            regex = new Regex(translated, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            error = "error parsing regexp: " + ex.Message;
            return false;
        }
        return true;
    }

    /// <summary>
    /// Checks an RE2 pattern without building its linear-time matcher: loading a policy must stay
    /// cheap (building a NonBacktracking automaton costs about a millisecond per pattern, which
    /// dominated policy load and server cold start), and a pattern the classic engine parses is one
    /// the NonBacktracking engine accepts or falls back from (see <see cref="TryCompile"/>).
    /// Same result and error text as <see cref="TryCompile"/>.
    /// </summary>
    public static bool TryValidate(string pattern, out string error)
    {
        if (!TryTranslate(pattern, out var translated, out error)) return false;
        try
        {
            _ = new Regex(translated, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            error = "error parsing regexp: " + ex.Message;
            return false;
        }
        return true;
    }

    /// <summary>Validates RE2 syntax and produces the equivalent .NET pattern text.</summary>
    internal static bool TryTranslate(string pattern, out string translated, out string error)
    {
        try
        {
            translated = new Re2Translator(pattern).Translate();
            error = "";
            return true;
        }
        catch (Re2SyntaxException ex)
        {
            translated = "";
            error = ex.Message;
            return false;
        }
    }
}

internal sealed class Re2SyntaxException(string code, string expr)
    : Exception("error parsing regexp: " + code + ": `" + expr + "`");

/// <summary>Recursive-descent RE2 parser emitting .NET syntax (Go <c>regexp/syntax</c> with <c>Perl</c> flags).</summary>
internal sealed class Re2Translator(string pattern)
{
    const int MaxRune = 0x10FFFF;
    const int MaxRepeat = 1000;
    const int MaxNesting = 1000;

    readonly string _s = pattern;
    int _pos;
    int _depth;

    [Flags]
    enum Flags { None = 0, FoldCase = 1, MultiLine = 2, DotNewLine = 4, NonGreedy = 8 }

    /// <summary>A translated unit a quantifier can apply to, plus its counted-repeat tree (Go's <c>repeatIsValid</c>).</summary>
    sealed class Atom
    {
        public required string Text;
        /// <summary>Safe to quantify without wrapping in <c>(?:…)</c>.</summary>
        public bool IsSingle;
        public RepeatNode Repeats = new(0);
    }

    sealed class RepeatNode(int max)
    {
        public int Max = max;
        public List<RepeatNode> Subs { get; } = [];
    }

    public string Translate()
    {
        CheckUtf16(_s);
        var sb = new StringBuilder();
        ParseAlternation(Flags.None, sb, topLevel: true, out _);
        return sb.ToString();
    }

    void CheckUtf16(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (char.IsSurrogate(s[i])) throw new Re2SyntaxException("invalid UTF-8", s[i..]);
        }
    }

    /// <summary>Parses alternatives until <c>)</c> (consumed by the caller) or end of text.</summary>
    void ParseAlternation(Flags flags, StringBuilder output, bool topLevel, out RepeatNode repeats)
    {
        if (++_depth > MaxNesting) throw new Re2SyntaxException("expression nests too deeply", _s);
        repeats = new RepeatNode(0);
        var atoms = new List<Atom>();
        var lastRepeatPos = -1; // start of the previous token when it was a repetition (Go's lastRepeat)
        while (_pos < _s.Length)
        {
            var c = _s[_pos];
            var repeatPos = -1;
            switch (c)
            {
                case '|':
                    _pos++;
                    Flush(atoms, output, repeats);
                    output.Append('|');
                    atoms.Clear();
                    atoms.Add(Pseudo);
                    break;
                case ')':
                    if (topLevel) throw new Re2SyntaxException("unexpected )", _s);
                    Flush(atoms, output, repeats);
                    _depth--;
                    return;
                case '(':
                    ParseGroup(ref flags, atoms);
                    break;
                case '^':
                    _pos++;
                    atoms.Add(new Atom { Text = (flags & Flags.MultiLine) != 0 ? "(?m:^)" : @"\A" });
                    break;
                case '$':
                    _pos++;
                    atoms.Add(new Atom { Text = (flags & Flags.MultiLine) != 0 ? "(?m:$)" : @"\z" });
                    break;
                case '.':
                    _pos++;
                    atoms.Add(new Atom { Text = (flags & Flags.DotNewLine) != 0 ? @"[\s\S]" : @"[^\n]", IsSingle = true });
                    break;
                case '[':
                    atoms.Add(ParseClass(flags));
                    break;
                case '*' or '+' or '?':
                {
                    var before = _pos;
                    _pos++;
                    var op = c.ToString();
                    repeatPos = before;
                    ApplyRepeat(atoms, flags, op, -1, -1, before, lastRepeatPos);
                    break;
                }
                case '{':
                {
                    var before = _pos;
                    if (TryParseRepeat(out var min, out var max))
                    {
                        if (min < 0 || min > MaxRepeat || max > MaxRepeat || (max >= 0 && min > max))
                        {
                            throw new Re2SyntaxException("invalid repeat count", _s[before.._pos]);
                        }
                        repeatPos = before;
                        ApplyRepeat(atoms, flags, null, min, max, before, lastRepeatPos);
                    }
                    else
                    {
                        _pos++;
                        atoms.Add(Literal('{', flags));
                    }
                    break;
                }
                case '\\':
                    ParseEscapeAtom(flags, atoms);
                    break;
                default:
                {
                    var rune = Rune.GetRuneAt(_s, _pos);
                    _pos += rune.Utf16SequenceLength;
                    atoms.Add(Literal(rune.Value, flags));
                    break;
                }
            }
            lastRepeatPos = repeatPos;
        }
        if (!topLevel) throw new Re2SyntaxException("missing closing )", _s);
        Flush(atoms, output, repeats);
        _depth--;
    }

    /// <summary>Marker for "just after ( or |": a quantifier here has no argument (Go's opPseudo).</summary>
    static readonly Atom Pseudo = new() { Text = "" };

    static void Flush(List<Atom> atoms, StringBuilder output, RepeatNode repeats)
    {
        foreach (var atom in atoms)
        {
            if (ReferenceEquals(atom, Pseudo)) continue;
            output.Append(atom.Text);
            AddRepeats(repeats, atom.Repeats);
        }
        atoms.Clear();
    }

    static void AddRepeats(RepeatNode parent, RepeatNode child)
    {
        if (child.Max != 0) parent.Subs.Add(child);
        else parent.Subs.AddRange(child.Subs);
    }

    void ApplyRepeat(List<Atom> atoms, Flags flags, string? op, int min, int max, int before, int lastRepeatPos)
    {
        var lazy = (flags & Flags.NonGreedy) != 0;
        if (_pos < _s.Length && _s[_pos] == '?')
        {
            _pos++;
            lazy = !lazy;
        }
        if (lastRepeatPos >= 0) throw new Re2SyntaxException("invalid nested repetition operator", _s[lastRepeatPos.._pos]);
        if (atoms.Count == 0 || ReferenceEquals(atoms[^1], Pseudo))
        {
            throw new Re2SyntaxException("missing argument to repetition operator", _s[before.._pos]);
        }
        var sub = atoms[^1];
        var quantifier = op ?? (max == -1
            ? string.Create(CultureInfo.InvariantCulture, $"{{{min},}}")
            : min == max ? string.Create(CultureInfo.InvariantCulture, $"{{{min}}}") : string.Create(CultureInfo.InvariantCulture, $"{{{min},{max}}}"));
        var node = new RepeatNode(0);
        if (op is null)
        {
            node.Max = max == 0 ? 0 : max;
            // Go stores {n,} with Max = -1; repeatIsValid then uses Min.
            if (max < 0) node.Max = -1 - min; // encoded below
        }
        AddRepeats(node, sub.Repeats);
        var repeated = new Atom
        {
            Text = (sub.IsSingle ? sub.Text : "(?:" + sub.Text + ")") + quantifier + (lazy ? "?" : ""),
            IsSingle = false,
            Repeats = node,
        };
        if (op is null && (min >= 2 || max >= 2) && !RepeatIsValid(node, MaxRepeat))
        {
            throw new Re2SyntaxException("invalid repeat count", _s[before.._pos]);
        }
        atoms[^1] = repeated;
    }

    /// <summary>Go's <c>repeatIsValid</c>: nested counted repetitions may not multiply beyond 1000.</summary>
    static bool RepeatIsValid(RepeatNode node, int n)
    {
        if (node.Max != 0)
        {
            var m = node.Max < 0 ? -1 - node.Max : node.Max;
            if (m > n) return false;
            if (m > 0) n /= m;
        }
        foreach (var sub in node.Subs)
        {
            if (!RepeatIsValid(sub, n)) return false;
        }
        return true;
    }

    /// <summary><c>{n}</c>, <c>{n,}</c>, <c>{n,m}</c>; anything else is a literal <c>{</c> (RE2, so <c>{,n}</c> is literal).</summary>
    bool TryParseRepeat(out int min, out int max)
    {
        min = max = -1;
        var i = _pos + 1;
        if (!TryParseInt(ref i, out min)) return false;
        if (i >= _s.Length) return false;
        if (_s[i] == ',')
        {
            i++;
            if (i >= _s.Length) return false;
            if (_s[i] == '}') max = -1;
            else if (!TryParseInt(ref i, out max)) return false;
        }
        else
        {
            max = min;
        }
        if (i >= _s.Length || _s[i] != '}') return false;
        _pos = i + 1;
        return true;
    }

    bool TryParseInt(ref int i, out int value)
    {
        value = -1;
        var start = i;
        while (i < _s.Length && char.IsAsciiDigit(_s[i])) i++;
        if (i == start) return false;
        // Go disallows leading zeros here ("{01}" is literal text).
        if (i - start >= 2 && _s[start] == '0') return false;
        if (i - start >= 8) { value = -1; return true; }
        value = int.Parse(_s.AsSpan(start, i - start), CultureInfo.InvariantCulture);
        return true;
    }

    void ParseGroup(ref Flags flags, List<Atom> atoms)
    {
        var start = _pos;
        if (_pos + 1 < _s.Length && _s[_pos + 1] == '?')
        {
            var t = _s[start..];
            var startsWithP = t.Length > 4 && t[2] == 'P' && t[3] == '<';
            var startsWithName = t.Length > 3 && t[2] == '<';
            if (startsWithP || startsWithName)
            {
                var nameStart = startsWithP ? 4 : 3;
                var end = t.IndexOf('>');
                if (end < 0) throw new Re2SyntaxException("invalid named capture", t);
                var name = t[nameStart..end];
                if (!IsValidCaptureName(name)) throw new Re2SyntaxException("invalid named capture", t[..(end + 1)]);
                _pos = start + end + 1;
                atoms.Add(ParseSubgroup(flags));
                return;
            }
            // Flags: (?flags) or (?flags:re).
            var i = start + 2;
            var newFlags = flags;
            var negate = false;
            var sawFlag = false;
            while (i < _s.Length)
            {
                var c = _s[i++];
                switch (c)
                {
                    case 'i': newFlags = negate ? newFlags & ~Flags.FoldCase : newFlags | Flags.FoldCase; sawFlag = true; continue;
                    case 'm': newFlags = negate ? newFlags & ~Flags.MultiLine : newFlags | Flags.MultiLine; sawFlag = true; continue;
                    case 's': newFlags = negate ? newFlags & ~Flags.DotNewLine : newFlags | Flags.DotNewLine; sawFlag = true; continue;
                    case 'U': newFlags = negate ? newFlags & ~Flags.NonGreedy : newFlags | Flags.NonGreedy; sawFlag = true; continue;
                    case '-':
                        if (negate) break;
                        negate = true;
                        sawFlag = false;
                        continue;
                    case ':' or ')':
                        if (negate && !sawFlag) break;
                        _pos = i;
                        if (c == ')')
                        {
                            flags = newFlags;
                        }
                        else
                        {
                            atoms.Add(ParseSubgroup(newFlags));
                        }
                        return;
                }
                // Unknown flag letter or misplaced '-': Go reports the text up to and including it.
                throw new Re2SyntaxException("invalid or unsupported Perl syntax", _s[start..i]);
            }
            throw new Re2SyntaxException("invalid or unsupported Perl syntax", _s[start..i]);
        }
        _pos++;
        atoms.Add(ParseSubgroup(flags));
    }

    Atom ParseSubgroup(Flags flags)
    {
        var inner = new StringBuilder();
        ParseAlternation(flags, inner, topLevel: false, out var repeats);
        _pos++; // ')'
        return new Atom { Text = "(?:" + inner + ")", IsSingle = true, Repeats = repeats };
    }

    static bool IsValidCaptureName(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
        {
            if (c != '_' && !char.IsAsciiLetterOrDigit(c)) return false;
        }
        return true;
    }

    void ParseEscapeAtom(Flags flags, List<Atom> atoms)
    {
        if (_pos + 1 < _s.Length)
        {
            switch (_s[_pos + 1])
            {
                case 'A': _pos += 2; atoms.Add(new Atom { Text = @"\A" }); return;
                case 'z': _pos += 2; atoms.Add(new Atom { Text = @"\z" }); return;
                // RE2's \b is ASCII; .NET's is Unicode (differs only next to non-ASCII letters).
                case 'b': _pos += 2; atoms.Add(new Atom { Text = @"\b" }); return;
                case 'B': _pos += 2; atoms.Add(new Atom { Text = @"\B" }); return;
                case 'C': throw new Re2SyntaxException("invalid escape sequence", @"\C");
                case 'Q':
                {
                    var rest = _s[(_pos + 2)..];
                    var end = rest.IndexOf(@"\E", StringComparison.Ordinal);
                    var literal = end >= 0 ? rest[..end] : rest;
                    _pos = end >= 0 ? _pos + 2 + end + 2 : _s.Length;
                    foreach (var rune in literal.EnumerateRunes()) atoms.Add(Literal(rune.Value, flags));
                    return;
                }
                case 'p' or 'P':
                {
                    var set = new CharSet();
                    ParseUnicodeClass(set);
                    atoms.Add(set.ToAtom(false, flags));
                    return;
                }
                case 'd' or 'D' or 's' or 'S' or 'w' or 'W':
                {
                    var set = new CharSet();
                    AddPerlClass(set, _s[_pos + 1]);
                    _pos += 2;
                    atoms.Add(set.ToAtom(false, flags));
                    return;
                }
            }
        }
        var value = ParseEscape();
        atoms.Add(Literal(value, flags));
    }

    /// <summary>Go's <c>parseEscape</c>: punctuation, octal (not a lone <c>\1</c>…<c>\7</c>), <c>\x</c>, C escapes.</summary>
    int ParseEscape()
    {
        var start = _pos;
        _pos++;
        if (_pos >= _s.Length) throw new Re2SyntaxException("trailing backslash at end of expression", "");
        var rune = Rune.GetRuneAt(_s, _pos);
        _pos += rune.Utf16SequenceLength;
        var c = rune.Value;
        switch (c)
        {
            case >= '1' and <= '7':
                if (_pos >= _s.Length || _s[_pos] is < '0' or > '7') break;
                goto case '0';
            case '0':
            {
                var r = c - '0';
                for (var i = 1; i < 3; i++)
                {
                    if (_pos >= _s.Length || _s[_pos] is < '0' or > '7') break;
                    r = r * 8 + (_s[_pos] - '0');
                    _pos++;
                }
                return r;
            }
            case 'x':
            {
                if (_pos >= _s.Length) break;
                if (_s[_pos] == '{')
                {
                    _pos++;
                    var digits = 0;
                    var r = 0;
                    while (true)
                    {
                        if (_pos >= _s.Length) throw new Re2SyntaxException("invalid escape sequence", _s[start.._pos]);
                        var h = _s[_pos++];
                        if (h == '}') break;
                        var v = HexValue(h);
                        if (v < 0) throw new Re2SyntaxException("invalid escape sequence", _s[start.._pos]);
                        r = r * 16 + v;
                        if (r > MaxRune) throw new Re2SyntaxException("invalid escape sequence", _s[start.._pos]);
                        digits++;
                    }
                    if (digits == 0) throw new Re2SyntaxException("invalid escape sequence", _s[start.._pos]);
                    return r;
                }
                var x = HexValue(_s[_pos++]);
                if (_pos >= _s.Length) throw new Re2SyntaxException("invalid escape sequence", _s[start.._pos]);
                var y = HexValue(_s[_pos++]);
                if (x < 0 || y < 0) throw new Re2SyntaxException("invalid escape sequence", _s[start.._pos]);
                return x * 16 + y;
            }
            case 'a': return 7;
            case 'f': return '\f';
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case 'v': return '\v';
            default:
                if (c < 0x80 && !char.IsAsciiLetterOrDigit((char)c)) return c;
                break;
        }
        throw new Re2SyntaxException("invalid escape sequence", _s[start.._pos]);
    }

    static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    static Atom Literal(int rune, Flags flags)
    {
        var text = EscapeRune(rune);
        var single = rune < 0x10000;
        if ((flags & Flags.FoldCase) != 0 && HasCaseVariants(rune))
        {
            return new Atom { Text = "(?i:" + text + ")", IsSingle = true };
        }
        return new Atom { Text = single ? text : "(?:" + text + ")", IsSingle = true };
    }

    static bool HasCaseVariants(int rune)
    {
        if (rune >= 0x10000) return false;
        var c = (char)rune;
        return char.ToUpperInvariant(c) != c || char.ToLowerInvariant(c) != c;
    }

    static string EscapeRune(int rune)
    {
        if (rune < 0x80 && char.IsAsciiLetterOrDigit((char)rune)) return ((char)rune).ToString();
        if (rune < 0x10000) return string.Create(CultureInfo.InvariantCulture, $"\\u{rune:X4}");
        var s = char.ConvertFromUtf32(rune);
        return string.Create(CultureInfo.InvariantCulture, $"\\u{(int)s[0]:X4}\\u{(int)s[1]:X4}");
    }

    // ---- character classes ------------------------------------------------------------------

    /// <summary>A class under construction: code point ranges plus .NET Unicode-category escapes.</summary>
    sealed class CharSet
    {
        public List<(int Lo, int Hi)> Ranges { get; } = [];
        public List<string> Categories { get; } = [];

        public void Add(int lo, int hi) => Ranges.Add((lo, hi));

        public void AddNegated(IEnumerable<(int Lo, int Hi)> ranges)
        {
            foreach (var r in Complement(ranges)) Ranges.Add(r);
        }

        public Atom ToAtom(bool negated, Flags flags)
        {
            var merged = Normalize(Ranges);
            var bmp = new StringBuilder();
            var astral = new List<string>();
            foreach (var (lo, hi) in merged)
            {
                if (lo < 0x10000)
                {
                    var top = Math.Min(hi, 0xFFFF);
                    bmp.Append(EscapeClassChar(lo));
                    if (top > lo) bmp.Append('-').Append(EscapeClassChar(top));
                }
                if (hi >= 0x10000) astral.Add(AstralAlternatives(Math.Max(lo, 0x10000), hi));
            }
            foreach (var cat in Categories) bmp.Append(cat);
            string text;
            if (negated)
            {
                // A negated class works per UTF-16 unit; astral members are approximated (Appendix B note).
                text = bmp.Length == 0 ? @"[\s\S]" : "[^" + bmp + "]";
            }
            else if (astral.Count == 0)
            {
                text = bmp.Length == 0 ? "[^\\s\\S]" : "[" + bmp + "]";
            }
            else
            {
                var parts = new List<string>();
                if (bmp.Length > 0) parts.Add("[" + bmp + "]");
                parts.AddRange(astral);
                text = "(?:" + string.Join("|", parts) + ")";
            }
            if ((flags & Flags.FoldCase) != 0) text = "(?i:" + text + ")";
            return new Atom { Text = text, IsSingle = true };
        }

        static string EscapeClassChar(int c) => string.Create(CultureInfo.InvariantCulture, $"\\u{c:X4}");

        static string AstralAlternatives(int lo, int hi)
        {
            var a = char.ConvertFromUtf32(lo);
            var b = char.ConvertFromUtf32(hi);
            static string U(int c) => string.Create(CultureInfo.InvariantCulture, $"\\u{c:X4}");
            if (a[0] == b[0]) return U(a[0]) + "[" + U(a[1]) + "-" + U(b[1]) + "]";
            var parts = new List<string> { U(a[0]) + "[" + U(a[1]) + "-\\uDFFF]" };
            if (a[0] + 1 <= b[0] - 1) parts.Add("[" + U(a[0] + 1) + "-" + U(b[0] - 1) + "][\\uDC00-\\uDFFF]");
            parts.Add(U(b[0]) + "[\\uDC00-" + U(b[1]) + "]");
            return "(?:" + string.Join("|", parts) + ")";
        }
    }

    static List<(int Lo, int Hi)> Normalize(IEnumerable<(int Lo, int Hi)> ranges)
    {
        var sorted = ranges.OrderBy(r => r.Lo).ThenBy(r => r.Hi).ToList();
        var result = new List<(int Lo, int Hi)>();
        foreach (var r in sorted)
        {
            if (result.Count > 0 && r.Lo <= result[^1].Hi + 1)
            {
                var last = result[^1];
                result[^1] = (last.Lo, Math.Max(last.Hi, r.Hi));
            }
            else
            {
                result.Add(r);
            }
        }
        return result;
    }

    static List<(int Lo, int Hi)> Complement(IEnumerable<(int Lo, int Hi)> ranges)
    {
        var result = new List<(int Lo, int Hi)>();
        var next = 0;
        foreach (var (lo, hi) in Normalize(ranges))
        {
            if (lo > next) result.Add((next, lo - 1));
            next = hi + 1;
        }
        if (next <= MaxRune) result.Add((next, MaxRune));
        return result;
    }

    static readonly (int, int)[] Digits = [('0', '9')];
    static readonly (int, int)[] Spaces = [('\t', '\n'), ('\f', '\r'), (' ', ' ')];
    static readonly (int, int)[] Word = [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];

    static void AddPerlClass(CharSet set, char letter)
    {
        switch (letter)
        {
            case 'd': foreach (var r in Digits) set.Add(r.Item1, r.Item2); break;
            case 'D': set.AddNegated(Digits); break;
            case 's': foreach (var r in Spaces) set.Add(r.Item1, r.Item2); break;
            case 'S': set.AddNegated(Spaces); break;
            case 'w': foreach (var r in Word) set.Add(r.Item1, r.Item2); break;
            case 'W': set.AddNegated(Word); break;
        }
    }

    static readonly Dictionary<string, (int, int)[]> PosixClasses = new(StringComparer.Ordinal)
    {
        ["alnum"] = [('0', '9'), ('A', 'Z'), ('a', 'z')],
        ["alpha"] = [('A', 'Z'), ('a', 'z')],
        ["ascii"] = [(0, 0x7F)],
        ["blank"] = [('\t', '\t'), (' ', ' ')],
        ["cntrl"] = [(0, 0x1F), (0x7F, 0x7F)],
        ["digit"] = [('0', '9')],
        ["graph"] = [('!', '~')],
        ["lower"] = [('a', 'z')],
        ["print"] = [(' ', '~')],
        ["punct"] = [('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        ["space"] = [('\t', '\r'), (' ', ' ')],
        ["upper"] = [('A', 'Z')],
        ["word"] = [('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')],
        ["xdigit"] = [('0', '9'), ('A', 'F'), ('a', 'f')],
    };

    static readonly HashSet<string> Categories = new(StringComparer.Ordinal)
    {
        "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
        "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
        "Z", "Zl", "Zp", "Zs",
    };

    // RE2 scripts approximated by the .NET Unicode blocks that hold them.
    static readonly Dictionary<string, string> Scripts = new(StringComparer.Ordinal)
    {
        ["Greek"] = "IsGreekandCoptic", ["Cyrillic"] = "IsCyrillic", ["Arabic"] = "IsArabic", ["Hebrew"] = "IsHebrew",
        ["Armenian"] = "IsArmenian", ["Georgian"] = "IsGeorgian", ["Thai"] = "IsThai", ["Hiragana"] = "IsHiragana",
        ["Katakana"] = "IsKatakana", ["Han"] = "IsCJKUnifiedIdeographs", ["Hangul"] = "IsHangulSyllables",
        ["Devanagari"] = "IsDevanagari", ["Bengali"] = "IsBengali", ["Tamil"] = "IsTamil", ["Ethiopic"] = "IsEthiopic",
        ["Khmer"] = "IsKhmer", ["Lao"] = "IsLao", ["Tibetan"] = "IsTibetan", ["Mongolian"] = "IsMongolian",
    };

    static readonly (int, int)[] LatinRanges =
    [
        ('A', 'Z'), ('a', 'z'), (0xAA, 0xAA), (0xBA, 0xBA), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F),
        (0x1E00, 0x1EFF), (0x2C60, 0x2C7F), (0xA720, 0xA7FF), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A),
    ];

    /// <summary><c>\pL</c>, <c>\p{Greek}</c>, <c>\p{^Lu}</c>, <c>\PL</c> at <see cref="_pos"/>.</summary>
    void ParseUnicodeClass(CharSet set)
    {
        var start = _pos;
        var negated = _s[_pos + 1] == 'P';
        _pos += 2;
        if (_pos >= _s.Length) throw new Re2SyntaxException("invalid character class range", _s[start..]);
        string name;
        if (_s[_pos] == '{')
        {
            var end = _s.IndexOf('}', _pos);
            if (end < 0) throw new Re2SyntaxException("invalid character class range", _s[start..]);
            name = _s[(_pos + 1)..end];
            _pos = end + 1;
        }
        else
        {
            var rune = Rune.GetRuneAt(_s, _pos);
            _pos += rune.Utf16SequenceLength;
            name = rune.ToString();
        }
        var expr = _s[start.._pos];
        if (name.StartsWith('^'))
        {
            negated = !negated;
            name = name[1..];
        }
        if (name == "Any")
        {
            if (!negated) set.Add(0, MaxRune);
            return;
        }
        if (name == "Latin")
        {
            if (negated) set.AddNegated(LatinRanges);
            else foreach (var r in LatinRanges) set.Add(r.Item1, r.Item2);
            return;
        }
        string? netName = Categories.Contains(name) ? name : Scripts.GetValueOrDefault(name);
        if (netName is null) throw new Re2SyntaxException("invalid character class range", expr);
        set.Categories.Add((negated ? @"\P{" : @"\p{") + netName + "}");
    }

    /// <summary>Go's <c>parseClass</c>: <c>]</c> or <c>-</c> may come first, POSIX names, Perl and Unicode classes, ranges.</summary>
    Atom ParseClass(Flags flags)
    {
        var classStart = _pos;
        _pos++;
        var negated = false;
        if (_pos < _s.Length && _s[_pos] == '^')
        {
            negated = true;
            _pos++;
        }
        var set = new CharSet();
        var first = true;
        while (_pos >= _s.Length || _s[_pos] != ']' || first)
        {
            if (_pos >= _s.Length) throw new Re2SyntaxException("missing closing ]", _s[classStart..]);
            first = false;
            if (_pos + 2 < _s.Length && _s[_pos] == '[' && _s[_pos + 1] == ':')
            {
                var end = _s.IndexOf(":]", _pos + 2, StringComparison.Ordinal);
                if (end >= 0)
                {
                    var name = _s[(_pos + 2)..end];
                    var expr = _s[_pos..(end + 2)];
                    var posixNegated = name.StartsWith('^');
                    if (posixNegated) name = name[1..];
                    if (!PosixClasses.TryGetValue(name, out var ranges)) throw new Re2SyntaxException("invalid character class range", expr);
                    if (posixNegated) set.AddNegated(ranges);
                    else foreach (var r in ranges) set.Add(r.Item1, r.Item2);
                    _pos = end + 2;
                    continue;
                }
            }
            if (_pos + 1 < _s.Length && _s[_pos] == '\\' && _s[_pos + 1] is 'p' or 'P')
            {
                ParseUnicodeClass(set);
                continue;
            }
            if (_pos + 1 < _s.Length && _s[_pos] == '\\' && _s[_pos + 1] is 'd' or 'D' or 's' or 'S' or 'w' or 'W')
            {
                AddPerlClass(set, _s[_pos + 1]);
                _pos += 2;
                continue;
            }
            var rangeStart = _pos;
            var lo = ParseClassChar(classStart);
            var hi = lo;
            if (_pos + 1 < _s.Length && _s[_pos] == '-' && _s[_pos + 1] != ']')
            {
                _pos++;
                hi = ParseClassChar(classStart);
                if (hi < lo) throw new Re2SyntaxException("invalid character class range", _s[rangeStart.._pos]);
            }
            set.Add(lo, hi);
        }
        _pos++; // ']'
        return set.ToAtom(negated, flags);
    }

    int ParseClassChar(int classStart)
    {
        if (_pos >= _s.Length) throw new Re2SyntaxException("missing closing ]", _s[classStart..]);
        if (_s[_pos] == '\\') return ParseEscape();
        var rune = Rune.GetRuneAt(_s, _pos);
        _pos += rune.Utf16SequenceLength;
        return rune.Value;
    }
}
