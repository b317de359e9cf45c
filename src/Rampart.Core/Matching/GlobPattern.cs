using System.Buffers;
using System.Text;

namespace Rampart.Core.Matching;

/// <summary>General glob (POL-056): command_*, url_matches, session_*, match.agent/session/tool, tool_param_matches.</summary>
/// <remarks>
/// The pattern is classified once, in the order of POL-056's steps, so <see cref="IsMatch"/> only runs
/// the step that applies; a filepath pattern without metacharacters is compared ordinally instead
/// (<see cref="IsPlainLiteral"/>, issue 2: most command patterns are literals). Matching never allocates: <c>\</c>→<c>/</c> in the name is done on the fly
/// or in a stack/pooled copy.
/// </remarks>
public sealed class GlobPattern
{
    private enum Kind : byte
    {
        Never,            // step 1 bounds, >2 `**`, or an invalid pattern on the step that decides
        All,              // step 3: `*`
        Segments,         // step 4: contains `**`
        OrderedPieces,    // step 6: starts with `*`
        Filepath,         // step 7
    }

    private readonly Kind _kind;
    private readonly string? _prefix;            // step 5: literal prefix, tried before _kind
    private readonly GlobSegments? _segments;
    private readonly string[] _pieces = [];
    private readonly byte[] _filepath = [];
    private readonly string _requiredText = "";  // filepath: a literal run every match contains
    private readonly string? _literal;           // filepath without metacharacters: the only name it matches (after `\`→`/`)

    private GlobPattern(string pattern, Kind kind, string? prefix, GlobSegments? segments, string[]? pieces, byte[]? filepath, string literalPrefix)
    {
        Pattern = pattern;
        _kind = kind;
        _prefix = prefix;
        _segments = segments;
        _pieces = pieces ?? [];
        _filepath = filepath ?? [];
        LiteralPrefix = literalPrefix;
        if (kind == Kind.Filepath)
        {
            var text = pattern.Replace('\\', '/');
            _requiredText = LongestLiteralRun(text);
            if (IsPlainLiteral(text)) _literal = text;
        }
        RequiredLiteral = kind switch
        {
            Kind.All => "",
            Kind.Segments => segments!.RequiredText,
            Kind.OrderedPieces => LongestPiece(_pieces),
            Kind.Filepath => _requiredText,
            // A malformed pattern ending in `*` still matches by its step-5 prefix.
            _ => prefix,
        };
    }

    /// <summary>Precompiles a pattern: classified once (star-all, prefix, ordered substrings, filepath, segment automaton, invalid).</summary>
    public static GlobPattern Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length == 0 || !GlobInput.FitsUtf8(pattern, GlobInput.MaxBytes)) return Never(pattern);

        var text = pattern.Replace('\\', '/');
        var doubleStars = GlobInput.CountDoubleStars(text);
        if (doubleStars > 0 && !GlobInput.FitsUtf8(text, GlobInput.MaxDoubleStarBytes)) return Never(pattern);
        if (text == "*") return new GlobPattern(pattern, Kind.All, null, null, null, null, "");

        if (doubleStars > 0)
        {
            if (doubleStars > 2) return Never(pattern);
            var segments = GlobSegments.TryCompile(text);
            return segments is null
                ? Never(pattern)
                : new GlobPattern(pattern, Kind.Segments, null, segments, null, null, segments.LiteralPrefix);
        }

        // Step 5 is a literal shortcut only: when it does not hold, steps 6/7 still decide.
        string? prefix = text.EndsWith('*') ? text[..^1] : null;

        if (text.StartsWith('*'))
        {
            var pieces = text.Split('*', StringSplitOptions.RemoveEmptyEntries);
            return new GlobPattern(pattern, Kind.OrderedPieces, prefix, null, pieces, null, "");
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var wellFormed = GlobFilepath.IsWellFormed(bytes, backslashEscapes: false);
        var literal = FilepathLiteralPrefix(text);
        if (!wellFormed)
        {
            // Only the step-5 prefix can still match.
            return prefix is null ? Never(pattern) : new GlobPattern(pattern, Kind.Never, prefix, null, null, null, prefix);
        }
        return new GlobPattern(pattern, Kind.Filepath, prefix, null, null, bytes, literal);
    }

    /// <summary>
    /// True when the filepath matcher can only match <paramref name="text"/> itself, byte for byte: no
    /// <c>*</c>, <c>?</c> or <c>[</c> (escapes are off, and <c>\</c> is already <c>/</c>), so every chunk compares
    /// bytes. Ordinal comparison of the UTF-16 texts gives the same answer only when the UTF-8 encoding
    /// is one-to-one on what can equal it: text with a surrogate or U+FFFD is left to the matcher (a
    /// name's lone surrogate encodes as U+FFFD, like the pattern's own).
    /// </summary>
    internal static bool IsPlainLiteral(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or '\\' or '\uFFFD' || char.IsSurrogate(c)) return false;
        }
        return true;
    }

    private static GlobPattern Never(string pattern) => new(pattern, Kind.Never, null, null, null, null, "") { IsNever = true };

    /// <summary>Longest run of characters outside <c>*</c>, <c>?</c> and classes in a well-formed filepath pattern.</summary>
    private static string LongestLiteralRun(string text)
    {
        var best = "";
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && text[i] is not ('*' or '?' or '[')) i++;
            if (i - start > best.Length) best = text[start..i];
            if (i < text.Length && text[i] == '[')
            {
                // Well formed: the class ends at the first `]` after its first item.
                i++;
                if (i < text.Length && text[i] == '^') i++;
                i++;
                while (i < text.Length && text[i] != ']') i++;
            }
            i++;
        }
        return best;
    }

    private static string LongestPiece(string[] pieces)
    {
        var best = "";
        foreach (var piece in pieces)
        {
            if (piece.Length > best.Length) best = piece;
        }
        return best;
    }

    private static string FilepathLiteralPrefix(string text)
    {
        var end = text.AsSpan().IndexOfAny("*?[");
        return end < 0 ? text : text[..end];
    }

    public string Pattern { get; }

    /// <summary>Set by the evaluator: the pattern is itself a composite shell command (POL-050 step 2).</summary>
    public bool IsComposite { get; set; }

    /// <summary>Characters every matching name starts with (after <c>\</c>→<c>/</c>); used by <see cref="GlobSet"/>.</summary>
    internal string LiteralPrefix { get; }

    /// <summary>
    /// Text every matching name contains (after <c>\</c>→<c>/</c>), whichever step decides: "" when there is
    /// none (<c>*</c>, <c>*?*</c> …), null when no name can match. The step-5 prefix route needs no
    /// separate literal: a pattern ending in <c>*</c> has every literal run of its kind inside that prefix.
    /// Used by the rule index (<c>RuleIndex</c>) to skip patterns whose text is absent.
    /// </summary>
    internal string? RequiredLiteral { get; }

    /// <summary>True when the pattern takes the literal fast path (<see cref="IsPlainLiteral"/>).</summary>
    internal bool IsLiteral => _literal is not null;

    /// <summary>True when no name can match (empty, oversized or invalid pattern).</summary>
    internal bool IsNever { get; private init; }

    public bool IsMatch(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IsMatch(name.AsSpan());
    }

    internal bool IsMatch(ReadOnlySpan<char> name)
    {
        if (_literal is { } literal) return MatchesLiteral(literal, name);
        return IsMatchGeneral(name);
    }

    /// <summary>
    /// The filepath step for a pattern without metacharacters (<see cref="IsPlainLiteral"/>): the name, with
    /// <c>\</c> read as <c>/</c>, equals the pattern. No bound check is needed: a name equal to the pattern
    /// has its UTF-8 length, which fits.
    /// </summary>
    private static bool MatchesLiteral(string literal, ReadOnlySpan<char> name)
    {
        if (name.Length != literal.Length) return false;
        if (name.SequenceEqual(literal)) return true;
        if (!name.Contains('\\')) return false;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c != literal[i] && !(c == '\\' && literal[i] == '/')) return false;
        }
        return true;
    }

    /// <summary>The matcher without the literal fast path (the differential test compares the two).</summary>
    internal bool IsMatchGeneral(ReadOnlySpan<char> name)
    {
        if (IsNever || !GlobInput.FitsUtf8(name, GlobInput.MaxBytes)) return false;
        switch (_kind)
        {
            case Kind.All:
                return true;
            case Kind.Segments:
                return _segments!.IsMatch(name);
        }

        char[]? rented = null;
        if (name.Contains('\\'))
        {
            rented = ArrayPool<char>.Shared.Rent(name.Length);
            var copy = rented.AsSpan(0, name.Length);
            name.Replace(copy, '\\', '/');
            name = copy;
        }
        var matched = MatchLiteralSteps(name);
        GlobInput.Return(rented);
        return matched;
    }

    private bool MatchLiteralSteps(ReadOnlySpan<char> name)
    {
        if (_prefix is not null && name.StartsWith(_prefix, StringComparison.Ordinal)) return true;
        switch (_kind)
        {
            case Kind.OrderedPieces:
                var rest = name;
                foreach (var piece in _pieces)
                {
                    var at = rest.IndexOf(piece, StringComparison.Ordinal);
                    if (at < 0) return false;
                    rest = rest[(at + piece.Length)..];
                }
                return true;
            case Kind.Filepath:
                if (_requiredText.Length > 0 && name.IndexOf(_requiredText, StringComparison.Ordinal) < 0) return false;
                Span<byte> stack = stackalloc byte[GlobInput.StackLimit];
                byte[]? rented = null;
                var bytes = GlobInput.ToUtf8(name, stack, ref rented);
                var matched = GlobFilepath.Match(_filepath, bytes, backslashEscapes: false);
                GlobInput.Return(rented);
                return matched;
            default:
                return false;
        }
    }

    public override string ToString() => Pattern;
}
