using Rampart.Core.Matching;

namespace Rampart.Fuzz.Harnesses;

/// <summary>
/// The shell normaliser (POL-070..POL-082): input is one raw command, as an agent would send it.
/// Nothing may throw: every command, however malformed, must produce some reading to match against.
/// </summary>
internal static class ShellHarness
{
    public static void Run(ReadOnlySpan<byte> data)
    {
        var command = FuzzHarness.Text(data);
        _ = ShellText.Sanitize(command);
        _ = ShellText.StripComment(command);
        _ = ShellText.WrapperDialect(command);
        _ = ShellText.IsEnvAssignment(command);
        foreach (var dialect in Enum.GetValues<ShellDialect>())
        {
            _ = ShellText.Normalize(command, dialect);
            _ = ShellText.Split(command, dialect);
            _ = ShellText.Tokenize(command, dialect);
        }
        _ = ShellText.ExtractSubcommands(command);
        _ = ShellForms.BodyForms(command);
        _ = ShellForms.SemanticAliases(command);
        _ = ShellForms.CanonicalRmAliases(command, out _);
        _ = ShellForms.AlternateReadings(command);
        _ = ShellForms.EnvAssignmentNames(command);
        var analysis = CommandAnalysis.Of(command);
        _ = ShellForms.RestrictiveCandidates(analysis);
    }
}
