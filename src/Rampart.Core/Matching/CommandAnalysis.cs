namespace Rampart.Core.Matching;

/// <summary>POL-082 analysis of one raw command.</summary>
/// <param name="Raw">The command as received.</param>
/// <param name="Normalized">Normalize(raw), or raw when that is empty.</param>
/// <param name="Segments">POSIX split of <paramref name="Normalized"/>.</param>
/// <param name="SubCommands">Embedded commands of the raw command (POL-071).</param>
/// <param name="Components">The executed components granting rules must all cover.</param>
/// <param name="IsComposite">More than one segment or at least one embedded command.</param>
public sealed record CommandAnalysis(
    string Raw,
    string Normalized,
    IReadOnlyList<string> Segments,
    IReadOnlyList<string> SubCommands,
    IReadOnlyList<string> Components,
    bool IsComposite)
{
    /// <summary>Normalize(raw) itself was empty (so <see cref="Normalized"/> fell back to the raw command).</summary>
    public bool NormalizesToNothing { get; private init; }

    public static CommandAnalysis Of(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var normalized = ShellText.Normalize(raw);
        var nothing = normalized.Length == 0;
        if (nothing) normalized = raw;
        var segments = ShellText.SplitList(normalized, ShellDialect.Posix);
        var subCommands = ShellText.ExtractSubcommands(raw);
        var composite = segments.Count > 1 || subCommands.Count > 0;
        List<string> components;
        if (!composite)
        {
            var trimmed = normalized.Trim();
            components = trimmed.Length == 0 ? [] : [trimmed];
        }
        else
        {
            components = new List<string>(segments.Count + subCommands.Count);
            HashSet<string>? seen = null;
            foreach (var segment in segments) ShellWords.AddDistinct(components, ref seen, segment);
            foreach (var sub in subCommands)
            {
                foreach (var segment in ShellText.SplitList(sub, ShellDialect.Posix))
                {
                    // A plain segment (PlainCommand) is its own normalised form.
                    var n = PlainCommand.Classify(segment) != PlainKind.Shell ? segment : ShellText.Normalize(segment);
                    var component = n.Length == 0 ? segment : n;
                    ShellWords.AddDistinct(components, ref seen, component);
                }
            }
        }
        return new CommandAnalysis(raw, normalized, segments, subCommands, components, composite) { NormalizesToNothing = nothing };
    }
}
