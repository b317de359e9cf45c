namespace Rampart.Core.Matching;

/// <summary>Convenience entry points with the reference glob semantics (POL-056…POL-062).</summary>
public static class Glob
{
    public static bool Match(string pattern, string name) => throw new NotImplementedException();

    public static bool MatchPath(string pattern, string path) => throw new NotImplementedException();

    public static bool MatchDomain(string pattern, string domain) => throw new NotImplementedException();

    public static bool FilepathMatch(string pattern, string name, bool backslashEscapes) => throw new NotImplementedException();

    public static string EscapeLiteral(string literal) => throw new NotImplementedException();
}
