using System.Text;

namespace Rampart.Core.Matching;

/// <summary>Convenience entry points with the reference glob semantics (POL-056…POL-062). They compile on every call.</summary>
public static class Glob
{
    /// <summary>General matcher (POL-056).</summary>
    public static bool Match(string pattern, string name) => GlobPattern.Compile(pattern).IsMatch(name);

    /// <summary>Path matcher (POL-060) against an already cleaned path.</summary>
    public static bool MatchPath(string pattern, string path) => PathGlob.Compile(pattern).IsMatch(path);

    /// <summary>Domain matcher (POL-061).</summary>
    public static bool MatchDomain(string pattern, string domain) => DomainGlob.Compile(pattern).IsMatch(domain);

    /// <summary>
    /// Go <c>path/filepath.Match</c> (POL-057). With <paramref name="backslashEscapes"/> a <c>\</c> escapes the next
    /// character (Unix behaviour, used by <c>rampart test --run</c> and <c>expect_message</c>); without, it is literal.
    /// A malformed pattern matches nothing.
    /// </summary>
    public static bool FilepathMatch(string pattern, string name, bool backslashEscapes)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);
        return GlobFilepath.Match(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(name), backslashEscapes);
    }

    /// <summary>A pattern matching only <paramref name="literal"/> (POL-062): <c>*</c>→<c>[*]</c>, <c>?</c>→<c>[?]</c>, <c>[</c>→<c>[[]</c>.</summary>
    public static string EscapeLiteral(string literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        if (literal.AsSpan().IndexOfAny("*?[") < 0) return literal;
        var sb = new StringBuilder(literal.Length + 8);
        foreach (var c in literal)
        {
            switch (c)
            {
                case '*': sb.Append("[*]"); break;
                case '?': sb.Append("[?]"); break;
                case '[': sb.Append("[[]"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}
