namespace Rampart.Core.Matching;

/// <summary>A list of general globs compiled together, indexed by literal prefix.</summary>
public sealed class GlobSet
{
    public static readonly GlobSet Empty = new();

    private GlobSet() => Patterns = [];

    public static GlobSet Compile(IReadOnlyList<string> patterns) => throw new NotImplementedException();

    public int Count => Patterns.Count;

    public bool IsEmpty => Count == 0;

    public IReadOnlyList<GlobPattern> Patterns { get; }

    public bool IsMatchAny(string name) => FirstMatch(name) >= 0;

    /// <summary>Index of the first pattern (in list order) that matches, or -1.</summary>
    public int FirstMatch(string name) => throw new NotImplementedException();
}
