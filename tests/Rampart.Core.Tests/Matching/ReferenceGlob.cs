using System.Text;

namespace Rampart.Core.Tests.Matching;

/// <summary>
/// Slow, direct transcriptions of the glob rules (POL-056…POL-060) for the differential test: parse first,
/// then recursive backtracking over characters. No automata, no byte tricks, no precomputation.
/// </summary>
internal static class ReferenceGlob
{
    private abstract record Elem;
    private sealed record Lit(char C) : Elem;
    private sealed record Any : Elem;
    private sealed record Star : Elem;
    private sealed record DoubleStar : Elem;
    private sealed record Class(List<(char Lo, char Hi)> Ranges, bool Negated) : Elem
    {
        public bool Contains(char c) => Ranges.Exists(r => r.Lo <= c && c <= r.Hi) != Negated;
    }

    // POL-056.
    public static bool General(string pattern, string name)
    {
        if (pattern.Length == 0 || Bytes(pattern) > 8192 || Bytes(name) > 8192) return false;
        if (pattern.Contains("**") && Bytes(pattern) > 256) return false;
        pattern = pattern.Replace('\\', '/');
        name = name.Replace('\\', '/');
        if (pattern == "*") return true;
        if (pattern.Contains("**"))
        {
            if (CountDoubleStars(pattern) > 2) return false;
            return SegmentsWithRetry(pattern, name);
        }
        if (pattern.EndsWith('*') && name.StartsWith(pattern[..^1], StringComparison.Ordinal)) return true;
        if (pattern.StartsWith('*'))
        {
            var at = 0;
            foreach (var piece in pattern.Split('*'))
            {
                if (piece.Length == 0) continue;
                var hit = name.IndexOf(piece, at, StringComparison.Ordinal);
                if (hit < 0) return false;
                at = hit + piece.Length;
            }
            return true;
        }
        return Filepath(pattern, name, escapes: false);
    }

    // POL-060.
    public static bool Path(string pattern, string name)
    {
        if (pattern.Length == 0 || Bytes(pattern) > 8192 || Bytes(name) > 8192) return false;
        if (pattern.Contains("**") && Bytes(pattern) > 256) return false;
        pattern = pattern.Replace('\\', '/');
        name = name.Replace('\\', '/');
        if (CountDoubleStars(pattern) > 2) return false;
        return SegmentsWithRetry(pattern, name);
    }

    private static int Bytes(string s) => Encoding.UTF8.GetByteCount(s);

    private static int CountDoubleStars(string s)
    {
        var n = 0;
        for (var i = s.IndexOf("**", StringComparison.Ordinal); i >= 0; i = s.IndexOf("**", i + 2, StringComparison.Ordinal)) n++;
        return n;
    }

    // POL-059.
    private static bool SegmentsWithRetry(string pattern, string name) =>
        Segments(pattern, name) || (pattern.StartsWith("**/", StringComparison.Ordinal) && Segments(pattern[3..], name));

    // POL-058, over code points: both sides are turned into arrays of code-point strings.
    private static bool Segments(string pattern, string name)
    {
        var p = CodePoints(pattern);
        var elems = new List<(string Kind, string Value, List<(int, int)>? Ranges, bool Neg)>();
        var i = 0;
        while (i < p.Count)
        {
            if (p[i] == "*" && i + 1 < p.Count && p[i + 1] == "*") { elems.Add(("**", "", null, false)); i += 2; }
            else if (p[i] == "*") { elems.Add(("*", "", null, false)); i++; }
            else if (p[i] == "?") { elems.Add(("?", "", null, false)); i++; }
            else if (p[i] == "[")
            {
                i++;
                var neg = i < p.Count && p[i] == "^";
                if (neg) i++;
                var ranges = new List<(int, int)>();
                var closed = false;
                while (i < p.Count)
                {
                    if (p[i] == "]") { closed = true; i++; break; }
                    var lo = char.ConvertToUtf32(p[i], 0);
                    if (i + 2 < p.Count && p[i + 1] == "-" && p[i + 2] != "]")
                    {
                        var hi = char.ConvertToUtf32(p[i + 2], 0);
                        if (lo > hi) return false;
                        ranges.Add((lo, hi));
                        i += 3;
                    }
                    else
                    {
                        ranges.Add((lo, lo));
                        i++;
                    }
                }
                if (!closed || ranges.Count == 0) return false;
                elems.Add(("[]", "", ranges, neg));
            }
            else { elems.Add(("lit", p[i], null, false)); i++; }
        }
        return SegMatch(elems, 0, CodePoints(name), 0);
    }

    private static bool SegMatch(List<(string Kind, string Value, List<(int, int)>? Ranges, bool Neg)> e, int i, List<string> n, int j)
    {
        if (i == e.Count) return j == n.Count;
        var (kind, value, ranges, neg) = e[i];
        switch (kind)
        {
            case "**":
                for (var k = j; k <= n.Count; k++) if (SegMatch(e, i + 1, n, k)) return true;
                return false;
            case "*":
                for (var k = j; k <= n.Count; k++)
                {
                    if (SegMatch(e, i + 1, n, k)) return true;
                    if (k < n.Count && n[k] == "/") return false;
                }
                return false;
            case "?":
                return j < n.Count && n[j] != "/" && SegMatch(e, i + 1, n, j + 1);
            case "[]":
                if (j >= n.Count || n[j] == "/") return false;
                var c = char.ConvertToUtf32(n[j], 0);
                var inClass = ranges!.Exists(r => r.Item1 <= c && c <= r.Item2);
                return inClass != neg && SegMatch(e, i + 1, n, j + 1);
            default:
                return j < n.Count && n[j] == value && SegMatch(e, i + 1, n, j + 1);
        }
    }

    private static List<string> CodePoints(string s)
    {
        var list = new List<string>();
        for (var i = 0; i < s.Length; i += char.IsSurrogatePair(s, i) ? 2 : 1) list.Add(char.IsSurrogatePair(s, i) ? s.Substring(i, 2) : s[i].ToString());
        return list;
    }

    /// <summary>
    /// Go's filepath.Match (POL-057) restated: the pattern is split into (star, chunk) pairs and each chunk parsed
    /// to elements up front (any parse error ⇒ false); then a chunk after a star is taken at its first fitting
    /// position, as upstream does. ASCII inputs only (upstream skips bytes, this skips characters).
    /// </summary>
    public static bool Filepath(string pattern, string name, bool escapes)
    {
        var chunks = new List<(bool Star, List<Elem> Elems)>();
        var trailingStar = false;
        var rest = pattern;
        while (rest.Length > 0)
        {
            var star = false;
            while (rest.Length > 0 && rest[0] == '*') { rest = rest[1..]; star = true; }
            var inRange = false;
            var end = 0;
            for (; end < rest.Length; end++)
            {
                if (rest[end] == '\\' && escapes) { if (end + 1 < rest.Length) end++; }
                else if (rest[end] == '[') inRange = true;
                else if (rest[end] == ']') inRange = false;
                else if (rest[end] == '*' && !inRange) break;
            }
            var elems = ParseChunk(rest[..end], escapes);
            if (elems is null) return false;
            if (star && end == 0) trailingStar = true;
            else chunks.Add((star, elems));
            rest = rest[end..];
        }
        return FpMatch(chunks, 0, trailingStar, name);
    }

    private static bool FpMatch(List<(bool Star, List<Elem> Elems)> chunks, int c, bool trailingStar, string name)
    {
        if (c == chunks.Count) return trailingStar ? !name.Contains('/') : name.Length == 0;
        var (star, elems) = chunks[c];
        var last = c == chunks.Count - 1 && !trailingStar;
        var maxSkip = star ? (name.IndexOf('/') is var slash && slash >= 0 ? slash : name.Length) : 0;
        for (var skip = 0; skip <= maxSkip; skip++)
        {
            var tail = name[skip..];
            if (elems.Count > tail.Length) continue;
            if (!ElemsMatch(elems, tail)) continue;
            if (last && elems.Count != tail.Length) continue;
            return FpMatch(chunks, c + 1, trailingStar, tail[elems.Count..]);   // first fit, no backtracking
        }
        return false;
    }

    private static bool ElemsMatch(List<Elem> elems, string s)
    {
        for (var k = 0; k < elems.Count; k++)
        {
            var ok = elems[k] switch
            {
                Lit l => s[k] == l.C,
                Any => s[k] != '/',
                Class cl => cl.Contains(s[k]),
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    private static List<Elem>? ParseChunk(string chunk, bool escapes)
    {
        var elems = new List<Elem>();
        var i = 0;
        while (i < chunk.Length)
        {
            var c = chunk[i];
            if (c == '?') { elems.Add(new Any()); i++; }
            else if (c == '\\' && escapes)
            {
                if (i + 1 >= chunk.Length) return null;
                elems.Add(new Lit(chunk[i + 1]));
                i += 2;
            }
            else if (c == '[')
            {
                i++;
                var neg = i < chunk.Length && chunk[i] == '^';
                if (neg) i++;
                var ranges = new List<(char, char)>();
                while (true)
                {
                    if (i < chunk.Length && chunk[i] == ']' && ranges.Count > 0) { i++; break; }
                    if (!ClassChar(chunk, ref i, escapes, out var lo)) return null;
                    var hi = lo;
                    if (chunk[i] == '-')
                    {
                        i++;
                        if (!ClassChar(chunk, ref i, escapes, out hi)) return null;
                    }
                    ranges.Add((lo, hi));
                }
                elems.Add(new Class(ranges, neg));
            }
            else { elems.Add(new Lit(c)); i++; }
        }
        return elems;
    }

    // A class character must exist, must not be `-` or `]`, may be escaped, and must be followed by something.
    private static bool ClassChar(string chunk, ref int i, bool escapes, out char c)
    {
        c = '\0';
        if (i >= chunk.Length || chunk[i] == '-' || chunk[i] == ']') return false;
        if (chunk[i] == '\\' && escapes)
        {
            i++;
            if (i >= chunk.Length) return false;
        }
        c = chunk[i++];
        return i < chunk.Length;
    }
}
