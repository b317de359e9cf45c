using Rampart.Core.Matching;

namespace Rampart.Fuzz.Harnesses;

/// <summary>
/// The glob compilers and matchers (POL-056..POL-067): input is <c>pattern\nname</c>. An invalid pattern
/// compiles to one that matches nothing; nothing may throw, in compiling or in matching.
/// </summary>
internal static class GlobHarness
{
    public static void Run(ReadOnlySpan<byte> data)
    {
        var (pattern, name) = FuzzHarness.SplitLine(FuzzHarness.Text(data));
        _ = GlobPattern.Compile(pattern).IsMatch(name);
        _ = DomainGlob.Compile(pattern).IsMatch(name);
        var path = PathGlob.Compile(pattern);
        _ = path.IsMatch(name);
        var cleaned = PathNames.Clean(name, "/home/u/repo");
        _ = path.IsMatch(cleaned);
        foreach (var candidate in PathNames.Candidates(name, "/home/u/repo"))
        {
            _ = PathNames.PatternMatchesCandidate(path, candidate, "/home/u/repo");
        }
        _ = Glob.FilepathMatch(pattern, name, backslashEscapes: true);
        _ = Glob.FilepathMatch(pattern, name, backslashEscapes: false);
        _ = GlobSet.Compile([pattern, "*" + pattern, pattern + "/**"]).FirstMatch(name);
        _ = UrlHost.TryGetHost(name, out _);
    }
}
