using System.Buffers;
using System.Numerics;

namespace Rampart.Core.Matching;

/// <summary>
/// The segment matcher (POL-058) compiled once: a token list run as a position-set automaton over the
/// name's code points, O(tokens × name) with no backtracking. The leading-<c>**/</c> retry (POL-059)
/// is folded in as a second start state, which is the same as trying the shortened pattern again.
/// </summary>
internal sealed class GlobSegments
{
    private enum TokenKind : byte { Literal, AnyChar, Star, DoubleStar, Class }

    private readonly record struct Token(TokenKind Kind, int Rune, int RangeStart, int RangeCount, bool Negated);

    private readonly Token[] _tokens;
    private readonly int[] _ranges;      // lo, hi pairs of every class, indexed by Token.RangeStart
    private readonly bool _retryWithoutLeadingDoubleStar;

    // Bit-parallel form for patterns of up to 63 tokens (one machine word of states): bit i of _advance[c]
    // is set when token i consumes the ASCII character c and moves on; stars stay put.
    private readonly ulong[]? _advance;
    private readonly ulong _stars;
    private readonly ulong _doubleStars;

    // The longest run of literal tokens: any match contains it, so its absence rejects a name cheaply.
    private readonly string _requiredText;

    // Every literal run of the pattern in order (issue 2: most names a command pattern is tried on are
    // rejected by these before the automaton runs): a match starts with _startRun and ends with _endRun
    // when the pattern does, and contains the _innerRuns in this order, without overlap, between them.
    // Not used (_runFilter false) for a pattern with a lone surrogate literal, whose run text is cut short.
    private readonly bool _runFilter;
    private readonly string _startRun = "";
    private readonly string _endRun = "";
    private readonly string[] _innerRuns = [];

    private GlobSegments(Token[] tokens, int[] ranges, bool retry)
    {
        _tokens = tokens;
        _ranges = ranges;
        _retryWithoutLeadingDoubleStar = retry;
        // With the retry the `/` after the leading `**` is optional, so the run is taken after it.
        _requiredText = LongestLiteralRun(tokens, retry ? 2 : 0);
        (_runFilter, _startRun, _endRun, _innerRuns) = OrderedRuns(tokens, retry);
        if (tokens.Length < 64)
        {
            // Token by token (most are literals, which move on one character only): the same table as
            // AdvanceMask for every ASCII character, without 128 × tokens calls.
            _advance = new ulong[128];
            for (var i = 0; i < tokens.Length; i++)
            {
                var bit = 1UL << i;
                switch (tokens[i].Kind)
                {
                    case TokenKind.Literal:
                        if (tokens[i].Rune < 128) _advance[tokens[i].Rune] |= bit;
                        break;
                    case TokenKind.AnyChar:
                    case TokenKind.Class:
                        for (var c = 0; c < 128; c++)
                        {
                            if (Advances(tokens[i], c)) _advance[c] |= bit;
                        }
                        break;
                }
            }
            for (var i = 0; i < tokens.Length; i++)
            {
                if (tokens[i].Kind == TokenKind.Star) _stars |= 1UL << i;
                else if (tokens[i].Kind == TokenKind.DoubleStar) _doubleStars |= 1UL << i;
            }
        }
    }

    /// <summary>The longest run of literal characters every match contains ("" when there is none).</summary>
    public string RequiredText => _requiredText;

    /// <summary>
    /// The longest literal run after the first one (the first when it is the only one; "" when there is
    /// none): every match contains it too. For a pattern joined onto a working directory the first run is
    /// usually the directory itself, which every name below it contains, so a later run filters better.
    /// </summary>
    public string LaterRequiredText => _laterRequiredText ??= LongestLaterRun(_tokens, _retryWithoutLeadingDoubleStar ? 2 : 0);

    private string? _laterRequiredText;

    private static string LongestLaterRun(Token[] tokens, int from)
    {
        var (first, _, runs, longestLater) = LiteralRuns(tokens, from);
        return runs <= 1 || longestLater.Length == 0 ? first : longestLater;
    }

    /// <summary>The token ranges [Start, End) of the pattern's literal runs from token <paramref name="from"/>, in order.</summary>
    private static List<(int Start, int End)> RunBounds(Token[] tokens, int from)
    {
        var runs = new List<(int Start, int End)>();
        var t = from;
        while (t < tokens.Length)
        {
            if (tokens[t].Kind != TokenKind.Literal)
            {
                t++;
                continue;
            }
            var start = t;
            while (t < tokens.Length && tokens[t].Kind == TokenKind.Literal) t++;
            runs.Add((start, t));
        }
        return runs;
    }

    /// <summary>
    /// The pattern's literal runs from token <paramref name="from"/>: the first run, the longest run, how many
    /// runs there are, and the longest run after the first.
    /// </summary>
    private static (string First, string Longest, int Runs, string LongestLater) LiteralRuns(Token[] tokens, int from)
    {
        var first = "";
        var longest = "";
        var later = "";
        var bounds = RunBounds(tokens, from);
        for (var r = 0; r < bounds.Count; r++)
        {
            var run = LiteralText(tokens, bounds[r].Start, bounds[r].End - bounds[r].Start);
            if (r == 0) first = run;
            else if (run.Length > later.Length) later = run;
            // Ties go to the later run: a command pattern's first run is mostly the command name, which the call
            // shares with many patterns (`curl ** | sh` is keyed on ` | sh`, not `curl `; issue 2).
            if (run.Length >= longest.Length) longest = run;
        }
        return (first, longest, bounds.Count, later);
    }

    /// <summary>
    /// The literal runs from the token the match starts at (2 with the retry, where the leading <c>**/</c> may
    /// match nothing): the first one when the pattern starts with it (never with the retry, whose first
    /// alternative starts with <c>**</c>), the last one when the pattern ends with it, and those between.
    /// </summary>
    private static (bool Usable, string Start, string End, string[] Inner) OrderedRuns(Token[] tokens, bool retry)
    {
        foreach (var token in tokens)
        {
            if (token.Kind == TokenKind.Literal && token.Rune is >= 0xD800 and <= 0xDFFF) return (false, "", "", []);
        }
        var runs = RunBounds(tokens, retry ? 2 : 0);
        if (runs.Count == 0) return (false, "", "", []);
        var first = 0;
        var last = runs.Count;
        var startRun = "";
        var endRun = "";
        if (!retry && runs[0].Start == 0)
        {
            startRun = LiteralText(tokens, 0, runs[0].End);
            first = 1;
        }
        if (last > first && runs[^1].End == tokens.Length)
        {
            endRun = LiteralText(tokens, runs[^1].Start, runs[^1].End - runs[^1].Start);
            last--;
        }
        var inner = new string[last - first];
        for (var r = first; r < last; r++) inner[r - first] = LiteralText(tokens, runs[r].Start, runs[r].End - runs[r].Start);
        return (true, startRun, endRun, inner);
    }

    /// <summary>
    /// False when <paramref name="name"/> cannot match: it lacks the pattern's start or end run, or its inner
    /// runs in order between them. A name with <c>\</c> (read as <c>/</c>) is left to the automaton.
    /// </summary>
    private bool RunsOccur(ReadOnlySpan<char> name)
    {
        if (!_runFilter || name.Contains('\\')) return true;
        if (_startRun.Length > 0)
        {
            if (!name.StartsWith(_startRun, StringComparison.Ordinal)) return false;
            name = name[_startRun.Length..];
        }
        if (_endRun.Length > 0)
        {
            if (!name.EndsWith(_endRun, StringComparison.Ordinal)) return false;
            name = name[..^_endRun.Length];
        }
        foreach (var run in _innerRuns)
        {
            var at = name.IndexOf(run, StringComparison.Ordinal);
            if (at < 0) return false;
            name = name[(at + run.Length)..];
        }
        return true;
    }

    /// <summary>The leading literal characters every matching name starts with ("" when there is a retry).</summary>
    public string LiteralPrefix { get; private init; } = "";

    /// <summary>
    /// Tokenises <paramref name="pattern"/> (which must already have <c>\</c> replaced by <c>/</c>).
    /// Returns null for an invalid class: no items, no closing <c>]</c>, or a range with lo &gt; hi (POL-058).
    /// </summary>
    public static GlobSegments? TryCompile(ReadOnlySpan<char> pattern)
    {
        var tokens = new List<Token>(pattern.Length);
        var ranges = new List<int>();
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '*')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    tokens.Add(new Token(TokenKind.DoubleStar, 0, 0, 0, false));
                    i += 2;
                }
                else
                {
                    tokens.Add(new Token(TokenKind.Star, 0, 0, 0, false));
                    i++;
                }
            }
            else if (c == '?')
            {
                tokens.Add(new Token(TokenKind.AnyChar, 0, 0, 0, false));
                i++;
            }
            else if (c == '[')
            {
                i++;
                var negated = i < pattern.Length && pattern[i] == '^';
                if (negated) i++;
                var start = ranges.Count;
                var closed = false;
                while (i < pattern.Length)
                {
                    if (pattern[i] == ']')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    var lo = GlobInput.CodePointAt(pattern, i, out var w);
                    i += w;
                    var hi = lo;
                    // `c-d` is a range only when something other than `]` follows the dash; `[a-]` is {a, -}.
                    if (i + 1 < pattern.Length && pattern[i] == '-' && pattern[i + 1] != ']')
                    {
                        hi = GlobInput.CodePointAt(pattern, i + 1, out w);
                        i += 1 + w;
                        if (lo > hi) return null;
                    }
                    ranges.Add(lo);
                    ranges.Add(hi);
                }
                var count = (ranges.Count - start) / 2;
                if (!closed || count == 0) return null;
                tokens.Add(new Token(TokenKind.Class, 0, start, count, negated));
            }
            else
            {
                var rune = GlobInput.CodePointAt(pattern, i, out var w);
                tokens.Add(new Token(TokenKind.Literal, rune, 0, 0, false));
                i += w;
            }
        }

        var retry = pattern.StartsWith("**/");
        var prefixLength = 0;
        if (!retry)
        {
            while (prefixLength < tokens.Count && tokens[prefixLength].Kind == TokenKind.Literal) prefixLength++;
        }
        var array = tokens.ToArray();
        return new GlobSegments(array, ranges.ToArray(), retry) { LiteralPrefix = LiteralText(array, 0, prefixLength) };
    }

    /// <summary>The text of literal tokens [start, start+count), cut short at a lone surrogate (which has no scalar form).</summary>
    private static string LiteralText(Token[] tokens, int start, int count)
    {
        var sb = new System.Text.StringBuilder();
        for (var t = start; t < start + count; t++)
        {
            var rune = tokens[t].Rune;
            if (rune is >= 0xD800 and <= 0xDFFF) break;
            sb.Append(char.ConvertFromUtf32(rune));
        }
        return sb.ToString();
    }

    private static string LongestLiteralRun(Token[] tokens, int from) => LiteralRuns(tokens, from).Longest;

    private ulong AdvanceMask(int c)
    {
        ulong mask = 0;
        for (var i = 0; i < _tokens.Length; i++)
        {
            if (Advances(_tokens[i], c)) mask |= 1UL << i;
        }
        return mask;
    }

    private bool Advances(in Token token, int c) => token.Kind switch
    {
        TokenKind.Literal => c == token.Rune,
        TokenKind.AnyChar => c != '/',
        TokenKind.Class => c != '/' && InClass(token, c) != token.Negated,
        _ => false,
    };

    /// <summary>Whole-name match; <c>\</c> in the name is read as <c>/</c> (POL-056 step 2).</summary>
    public bool IsMatch(ReadOnlySpan<char> name) => RunsOccur(name) && IsMatchWithoutRunFilter(name);

    /// <summary>The match without the ordered-runs filter (the differential test compares the two).</summary>
    internal bool IsMatchWithoutRunFilter(ReadOnlySpan<char> name)
    {
        if (_requiredText.Length > 0 && name.IndexOf(_requiredText, StringComparison.Ordinal) < 0)
        {
            // Only a name spelling `/` as `\` can still contain the run; let the automaton decide those.
            if (!_requiredText.Contains('/') || !name.Contains('\\')) return false;
        }
        return _advance is not null ? RunWord(name) : RunSets(name);
    }

    /// <summary>One-word shift-and simulation: a few bit operations per character.</summary>
    private bool RunWord(ReadOnlySpan<char> name)
    {
        var advance = _advance!;
        var starLike = _stars | _doubleStars;
        var current = Closure(1UL, starLike);
        if (_retryWithoutLeadingDoubleStar) current |= Closure(1UL << 2, starLike);
        var i = 0;
        while (i < name.Length)
        {
            var c = GlobInput.CodePointAt(name, i, out var width);
            i += width;
            if (c == '\\') c = '/';
            var moves = c < 128 ? advance[c] : AdvanceMask(c);
            var stays = c == '/' ? _doubleStars : starLike;
            current = Closure(((current & moves) << 1) | (current & stays), starLike);
            if (current == 0) return false;
        }
        return ((current >> _tokens.Length) & 1) != 0;
    }

    private static ulong Closure(ulong states, ulong starLike)
    {
        while (true)
        {
            var widened = states | ((states & starLike) << 1);
            if (widened == states) return states;
            states = widened;
        }
    }

    /// <summary>Position sets over several words, for long patterns: only active states are visited.</summary>
    private bool RunSets(ReadOnlySpan<char> name)
    {
        var states = _tokens.Length + 1;
        var words = (states + 63) >> 6;
        ulong[]? rented = null;
        var buffer = words * 2 <= GlobInput.StackLimit / 4
            ? stackalloc ulong[words * 2]
            : (rented = ArrayPool<ulong>.Shared.Rent(words * 2)).AsSpan(0, words * 2);
        var current = buffer[..words];
        var next = buffer.Slice(words, words);
        current.Clear();
        Add(current, 0);
        if (_retryWithoutLeadingDoubleStar) Add(current, 2); // after the `**` and `/` tokens

        var matched = Simulate(name, ref current, ref next, words);
        if (rented is not null) ArrayPool<ulong>.Shared.Return(rented);
        return matched;
    }

    private bool Simulate(ReadOnlySpan<char> name, ref Span<ulong> current, ref Span<ulong> next, int words)
    {
        var tokens = _tokens;
        var end = tokens.Length;
        var i = 0;
        while (i < name.Length)
        {
            var c = GlobInput.CodePointAt(name, i, out var width);
            i += width;
            if (c == '\\') c = '/';
            next.Clear();
            var any = false;
            for (var w = 0; w < words; w++)
            {
                var bits = current[w];
                while (bits != 0)
                {
                    var state = (w << 6) + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    if (state == end) continue;
                    ref readonly var token = ref tokens[state];
                    switch (token.Kind)
                    {
                        case TokenKind.DoubleStar:
                            Add(next, state);
                            any = true;
                            break;
                        case TokenKind.Star:
                            if (c != '/') { Add(next, state); any = true; }
                            break;
                        case TokenKind.AnyChar:
                            if (c != '/') { Add(next, state + 1); any = true; }
                            break;
                        case TokenKind.Class:
                            if (c != '/' && InClass(token, c) != token.Negated) { Add(next, state + 1); any = true; }
                            break;
                        default:
                            if (c == token.Rune) { Add(next, state + 1); any = true; }
                            break;
                    }
                }
            }
            if (!any) return false;
            var swap = current;
            current = next;
            next = swap;
        }
        return (current[end >> 6] & (1UL << (end & 63))) != 0;
    }

    private bool InClass(in Token token, int c)
    {
        var ranges = _ranges;
        var stop = token.RangeStart + token.RangeCount * 2;
        for (var r = token.RangeStart; r < stop; r += 2)
        {
            if (ranges[r] <= c && c <= ranges[r + 1]) return true;
        }
        return false;
    }

    /// <summary>Adds a state and its epsilon closure: a star may match nothing.</summary>
    private void Add(Span<ulong> set, int state)
    {
        var tokens = _tokens;
        while (true)
        {
            ref var word = ref set[state >> 6];
            var bit = 1UL << (state & 63);
            if ((word & bit) != 0) return;
            word |= bit;
            if (state == tokens.Length) return;
            var kind = tokens[state].Kind;
            if (kind != TokenKind.Star && kind != TokenKind.DoubleStar) return;
            state++;
        }
    }
}
