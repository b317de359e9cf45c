namespace Rampart.Core.Matching;

/// <summary>POL-082 analysis of one raw command.</summary>
public sealed record CommandAnalysis(string Raw, string Normalized, IReadOnlyList<string> Segments, IReadOnlyList<string> SubCommands, IReadOnlyList<string> Components, bool IsComposite)
{
    public static CommandAnalysis Of(string raw) => throw new NotImplementedException();
}
