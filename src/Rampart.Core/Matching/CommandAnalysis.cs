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
        // A fresh shape: its lists become the record's.
        var shape = new CommandShape();
        shape.Fill(raw);
        return new CommandAnalysis(raw, shape.Normalized, shape.Segments, shape.SubCommands, shape.Components, shape.IsComposite)
        {
            NormalizesToNothing = shape.NormalizesToNothing,
        };
    }
}

/// <summary>
/// The parts of a <see cref="CommandAnalysis"/> in lists that can be refilled: evaluation keeps one per thread
/// (in its call context) so the analysis of each call allocates only the text it cuts out (embedded commands,
/// normalised forms that differ), not the record and its lists.
/// </summary>
internal sealed class CommandShape
{
    // Lists that grew past this on one huge command are dropped instead of kept for the thread's life.
    const int MaxRetained = 64;

    List<string> _segments = [];
    List<string> _subCommands = [];
    List<string> _components = [];
    List<string> _scratch = [];

    public string Raw { get; private set; } = "";
    public string Normalized { get; private set; } = "";
    public bool NormalizesToNothing { get; private set; }
    public bool IsComposite { get; private set; }
    public List<string> Segments => _segments;
    public List<string> SubCommands => _subCommands;
    public List<string> Components => _components;

    public void Fill(string raw)
    {
        Raw = raw;
        var normalized = ShellText.Normalize(raw);
        NormalizesToNothing = normalized.Length == 0;
        if (NormalizesToNothing) normalized = raw;
        Normalized = normalized;
        ShellText.SplitInto(normalized, ShellDialect.Posix, _segments);
        ShellText.AddSubcommands(raw, _subCommands);
        IsComposite = _segments.Count > 1 || _subCommands.Count > 0;
        if (!IsComposite)
        {
            var trimmed = normalized.Trim();
            if (trimmed.Length > 0) _components.Add(trimmed);
            return;
        }
        HashSet<string>? seen = null;
        foreach (var segment in _segments) ShellWords.AddDistinct(_components, ref seen, segment);
        foreach (var sub in _subCommands)
        {
            _scratch.Clear();
            ShellText.SplitInto(sub, ShellDialect.Posix, _scratch);
            foreach (var segment in _scratch)
            {
                // A plain segment (PlainCommand) is its own normalised form.
                var n = PlainCommand.Classify(segment) != PlainKind.Shell ? segment : ShellText.Normalize(segment);
                var component = n.Length == 0 ? segment : n;
                ShellWords.AddDistinct(_components, ref seen, component);
            }
        }
        _scratch.Clear();
    }

    public void Clear()
    {
        Raw = Normalized = "";
        NormalizesToNothing = IsComposite = false;
        Reset(ref _segments);
        Reset(ref _subCommands);
        Reset(ref _components);
        Reset(ref _scratch);
    }

    static void Reset(ref List<string> list)
    {
        if (list.Capacity > MaxRetained) list = [];
        else list.Clear();
    }
}
