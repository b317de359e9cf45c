namespace Rampart.Core.Matching;

/// <summary>Derived command forms tried by command matching (POL-083..091).</summary>
public static class ShellForms
{
    public static IReadOnlyList<string> BodyForms(string command) => throw new NotImplementedException();
    public static IReadOnlyList<string> RestrictiveCandidates(string command) => throw new NotImplementedException();
    public static IReadOnlyList<string> SemanticAliases(string command) => throw new NotImplementedException();
    public static IReadOnlyList<string> CanonicalRmAliases(string command, out bool overflow) => throw new NotImplementedException();
    public static IReadOnlyList<string> AlternateReadings(string command) => throw new NotImplementedException();
    public static IReadOnlyList<string> EnvAssignmentNames(string command) => throw new NotImplementedException();
}
