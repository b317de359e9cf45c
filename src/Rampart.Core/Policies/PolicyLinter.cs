namespace Rampart.Core.Policies;

/// <summary>One lint finding: severity <c>error</c>/<c>warning</c>/<c>info</c>, 1-based line (0 = none), message (POL-094..POL-100).</summary>
public sealed record LintFinding(string Severity, int Line, string Message);

/// <summary><c>rampart policy lint</c> checks (POL-094..POL-100).</summary>
public static class PolicyLinter
{
    public static IReadOnlyList<LintFinding> Lint(string path) => throw new NotImplementedException();
    public static IReadOnlyList<LintFinding> LintText(string yaml) => throw new NotImplementedException();
    public static string Format(string file, IReadOnlyList<LintFinding> findings) => throw new NotImplementedException();
}
