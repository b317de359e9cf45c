namespace Rampart.Core.Matching;

/// <summary>Path normalisation (POL-064…POL-067).</summary>
public static class PathNames
{
    public static string Clean(string path, string? workdir = null) => throw new NotImplementedException();

    public static string Resolve(string cleaned) => throw new NotImplementedException();

    public static IReadOnlyList<string> Candidates(string path, string workdir) => throw new NotImplementedException();

    public static bool PatternMatchesCandidate(PathGlob pattern, string candidate, string workdir) => throw new NotImplementedException();
}
