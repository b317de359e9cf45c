using System.Text.RegularExpressions;

namespace Rampart.Core.Matching;

/// <summary>RE2 (Go <c>regexp</c>) patterns on .NET (POL-021, Appendix B).</summary>
public static class Re2Regex
{
    public static bool TryCompile(string pattern, out Regex? regex, out string error) => throw new NotImplementedException();
}
