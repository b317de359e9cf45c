namespace Rampart.Core.Matching;

/// <summary>Path glob (POL-060): segment matcher always, with the leading <c>**/</c> retry.</summary>
public sealed class PathGlob
{
    private PathGlob(string pattern) => Pattern = pattern;

    public static PathGlob Compile(string pattern) => throw new NotImplementedException();

    public string Pattern { get; }

    public bool IsMatch(string cleanedPath) => throw new NotImplementedException();
}
