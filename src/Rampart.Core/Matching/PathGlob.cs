namespace Rampart.Core.Matching;

/// <summary>Path glob (POL-060): the segment matcher always, with the leading <c>**/</c> retry, so <c>*</c> never crosses <c>/</c>.</summary>
public sealed class PathGlob
{
    private readonly GlobSegments? _segments;

    private PathGlob(string pattern, string normalized, GlobSegments? segments)
    {
        Pattern = pattern;
        Normalized = normalized;
        _segments = segments;
    }

    public static PathGlob Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var normalized = pattern.Replace('\\', '/');
        if (pattern.Length == 0 || !GlobInput.FitsUtf8(pattern, GlobInput.MaxBytes)) return new PathGlob(pattern, normalized, null);
        var doubleStars = GlobInput.CountDoubleStars(normalized);
        if (doubleStars > 2 || (doubleStars > 0 && !GlobInput.FitsUtf8(normalized, GlobInput.MaxDoubleStarBytes)))
        {
            return new PathGlob(pattern, normalized, null);
        }
        return new PathGlob(pattern, normalized, GlobSegments.TryCompile(normalized));
    }

    public string Pattern { get; }

    /// <summary>The pattern with <c>\</c> replaced by <c>/</c>.</summary>
    internal string Normalized { get; }

    /// <summary>False for a pattern that matches nothing (empty, oversized, too many <c>**</c>, invalid class).</summary>
    internal bool CanMatch => _segments is not null;

    /// <summary>The literal pre-filter of the pattern list this glob heads (<see cref="PathListFilter.Of"/>).</summary>
    internal PathListFilter? ListFilter { get; set; }

    /// <summary>The longest literal run every match contains ("" when there is none).</summary>
    internal string RequiredText => _segments?.RequiredText ?? "";

    /// <summary>A required literal run other than the first when there is one (<see cref="GlobSegments.LaterRequiredText"/>).</summary>
    internal string LaterRequiredText => _segments?.LaterRequiredText ?? "";

    /// <summary>Cached pattern variants for <see cref="PathNames.PatternMatchesCandidate"/> (POL-067).</summary>
    internal PathPatternVariants? Variants { get; set; }

    public bool IsMatch(string cleanedPath)
    {
        ArgumentNullException.ThrowIfNull(cleanedPath);
        return _segments is not null
            && GlobInput.FitsUtf8(cleanedPath, GlobInput.MaxBytes)
            && _segments.IsMatch(cleanedPath);
    }

    /// <summary><see cref="IsMatch"/> for a name the caller has already checked against <see cref="GlobInput.MaxBytes"/>.</summary>
    internal bool IsMatchFitting(string cleanedPath) => _segments is not null && _segments.IsMatch(cleanedPath);

    public override string ToString() => Pattern;
}
