using System.Buffers;
using System.Text;

namespace Rampart.Core.Matching;

/// <summary>Domain glob (POL-061): lower-cased, trimmed, one trailing dot dropped, then Go filepath match with <c>\</c> escapes.</summary>
public sealed class DomainGlob
{
    private readonly byte[]? _pattern;   // null: the pattern is empty after normalisation and matches nothing

    private DomainGlob(string pattern, byte[]? normalized, string? requiredLiteral)
    {
        Pattern = pattern;
        _pattern = normalized;
        RequiredLiteral = requiredLiteral;
    }

    public static DomainGlob Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var text = pattern.Trim().ToLowerInvariant();
        if (text.EndsWith('.')) text = text[..^1];
        return text.Length == 0
            ? new DomainGlob(pattern, null, null)
            : new DomainGlob(pattern, Encoding.UTF8.GetBytes(text), LiteralOf(text));
    }

    /// <summary>
    /// Text every matching domain contains (lower-cased), for the rule index: the longest run between
    /// <c>*</c> and <c>?</c>; "" when there is none or the pattern has classes or escapes (not analysed);
    /// null when nothing can match.
    /// </summary>
    internal string? RequiredLiteral { get; }

    private static string LiteralOf(string text)
    {
        if (text.AsSpan().IndexOfAny('[', '\\') >= 0) return "";
        var best = "";
        foreach (var run in text.Split('*', '?'))
        {
            if (run.Length > best.Length) best = run;
        }
        return best;
    }

    public string Pattern { get; }

    public bool IsMatch(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (_pattern is null) return false;
        var trimmed = domain.AsSpan().Trim();
        if (trimmed.IsEmpty) return false;

        char[]? rentedChars = null;
        var lower = trimmed.Length <= GlobInput.StackLimit
            ? stackalloc char[trimmed.Length]
            : (rentedChars = ArrayPool<char>.Shared.Rent(trimmed.Length)).AsSpan(0, trimmed.Length);
        ShellWords.LowerInto(trimmed, lower);
        if (lower[^1] == '.') lower = lower[..^1];

        var matched = false;
        if (!lower.IsEmpty)
        {
            Span<byte> stack = stackalloc byte[GlobInput.StackLimit];
            byte[]? rented = null;
            var bytes = GlobInput.ToUtf8(lower, stack, ref rented);
            matched = GlobFilepath.Match(_pattern, bytes, backslashEscapes: true);
            GlobInput.Return(rented);
        }
        GlobInput.Return(rentedChars);
        return matched;
    }

    public override string ToString() => Pattern;
}
