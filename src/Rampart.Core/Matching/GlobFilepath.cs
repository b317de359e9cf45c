namespace Rampart.Core.Matching;

/// <summary>
/// Go <c>path/filepath.Match</c> on a <c>/</c> system (POL-057), run over UTF-8 bytes so that it
/// behaves exactly like upstream, including its greedy chunk commitment (a chunk after a <c>*</c> is
/// taken at its first fitting position, never revisited) and its byte-wise star skipping.
/// A malformed pattern never matches (upstream treats the error as "no match").
/// </summary>
internal static class GlobFilepath
{
    private enum ChunkResult { Match, NoMatch, Malformed }

    /// <summary>True when every chunk of <paramref name="pattern"/> is well formed.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> pattern, bool backslashEscapes)
    {
        while (pattern.Length > 0)
        {
            ScanChunk(ref pattern, backslashEscapes, out _, out var chunk);
            if (MatchChunk(chunk, [], backslashEscapes, out _) == ChunkResult.Malformed) return false;
        }
        return true;
    }

    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> name, bool backslashEscapes)
    {
        while (pattern.Length > 0)
        {
            ScanChunk(ref pattern, backslashEscapes, out var star, out var chunk);
            if (star && chunk.IsEmpty)
            {
                // A trailing star matches the rest unless it holds a separator.
                return name.IndexOf((byte)'/') < 0;
            }

            var result = MatchChunk(chunk, name, backslashEscapes, out var rest);
            // The last chunk must consume the whole name; otherwise a star may still find a later fit.
            if (result == ChunkResult.Match && (rest == name.Length || pattern.Length > 0))
            {
                name = name[rest..];
                continue;
            }
            if (result == ChunkResult.Malformed) return false;

            var advanced = false;
            if (star)
            {
                for (var i = 0; i < name.Length && name[i] != (byte)'/'; i++)
                {
                    var tail = name[(i + 1)..];
                    result = MatchChunk(chunk, tail, backslashEscapes, out rest);
                    if (result == ChunkResult.Match)
                    {
                        if (pattern.Length == 0 && rest < tail.Length) continue;
                        name = tail[rest..];
                        advanced = true;
                        break;
                    }
                    if (result == ChunkResult.Malformed) return false;
                }
            }
            if (!advanced) return false;
        }
        return name.IsEmpty;
    }

    /// <summary>Splits off leading stars and the following star-free chunk (a <c>*</c> inside <c>[…]</c> stays in it).</summary>
    private static void ScanChunk(ref ReadOnlySpan<byte> pattern, bool backslashEscapes, out bool star, out ReadOnlySpan<byte> chunk)
    {
        star = false;
        while (pattern.Length > 0 && pattern[0] == (byte)'*')
        {
            pattern = pattern[1..];
            star = true;
        }
        var inRange = false;
        var i = 0;
        for (; i < pattern.Length; i++)
        {
            var b = pattern[i];
            if (b == (byte)'\\' && backslashEscapes)
            {
                if (i + 1 < pattern.Length) i++;
            }
            else if (b == (byte)'[') inRange = true;
            else if (b == (byte)']') inRange = false;
            else if (b == (byte)'*' && !inRange) break;
        }
        chunk = pattern[..i];
        pattern = pattern[i..];
    }

    /// <summary>
    /// Matches one chunk at the start of <paramref name="s"/>; <paramref name="consumed"/> is the bytes used.
    /// The chunk is always parsed to its end so a malformed one is reported even when the text ran out.
    /// </summary>
    private static ChunkResult MatchChunk(ReadOnlySpan<byte> chunk, ReadOnlySpan<byte> s, bool backslashEscapes, out int consumed)
    {
        consumed = 0;
        var failed = false;
        var pos = 0;
        var ci = 0;
        while (ci < chunk.Length)
        {
            if (!failed && pos == s.Length) failed = true;
            var b = chunk[ci];
            if (b == (byte)'[')
            {
                var r = 0;
                if (!failed)
                {
                    r = DecodeRune(s[pos..], out var n);
                    pos += n;
                }
                ci++;
                var negated = false;
                if (ci < chunk.Length && chunk[ci] == (byte)'^')
                {
                    negated = true;
                    ci++;
                }
                var match = false;
                var ranges = 0;
                while (true)
                {
                    if (ci < chunk.Length && chunk[ci] == (byte)']' && ranges > 0)
                    {
                        ci++;
                        break;
                    }
                    if (!ClassChar(chunk, ref ci, backslashEscapes, out var lo)) return ChunkResult.Malformed;
                    var hi = lo;
                    if (chunk[ci] == (byte)'-')
                    {
                        ci++;
                        if (!ClassChar(chunk, ref ci, backslashEscapes, out hi)) return ChunkResult.Malformed;
                    }
                    if (lo <= r && r <= hi) match = true;
                    ranges++;
                }
                if (match == negated) failed = true;
            }
            else if (b == (byte)'?')
            {
                if (!failed)
                {
                    if (s[pos] == (byte)'/') failed = true;
                    DecodeRune(s[pos..], out var n);
                    pos += n;
                }
                ci++;
            }
            else
            {
                if (b == (byte)'\\' && backslashEscapes)
                {
                    ci++;
                    if (ci == chunk.Length) return ChunkResult.Malformed;
                    b = chunk[ci];
                }
                if (!failed)
                {
                    if (b != s[pos]) failed = true;
                    pos++;
                }
                ci++;
            }
        }
        if (failed) return ChunkResult.NoMatch;
        consumed = pos;
        return ChunkResult.Match;
    }

    /// <summary>One class character (Go's getEsc): must exist, must not be <c>-</c> or <c>]</c>, and something must follow it.</summary>
    private static bool ClassChar(ReadOnlySpan<byte> chunk, ref int ci, bool backslashEscapes, out int rune)
    {
        rune = 0;
        if (ci >= chunk.Length || chunk[ci] == (byte)'-' || chunk[ci] == (byte)']') return false;
        if (chunk[ci] == (byte)'\\' && backslashEscapes)
        {
            ci++;
            if (ci >= chunk.Length) return false;
        }
        var status = System.Text.Rune.DecodeFromUtf8(chunk[ci..], out var decoded, out var n);
        if (status != System.Buffers.OperationStatus.Done) return false;
        rune = decoded.Value;
        ci += n;
        return ci < chunk.Length;
    }

    /// <summary>Go's utf8.DecodeRune: an invalid or truncated sequence is U+FFFD of width 1.</summary>
    private static int DecodeRune(ReadOnlySpan<byte> s, out int width)
    {
        if (System.Text.Rune.DecodeFromUtf8(s, out var rune, out width) == System.Buffers.OperationStatus.Done) return rune.Value;
        width = 1;
        return 0xFFFD;
    }
}
