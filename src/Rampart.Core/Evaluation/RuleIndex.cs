using Rampart.Core.Evaluation.Conditions;
using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation;

/// <summary>
/// One index over every rule of a tool bucket (issue 2: near-flat cost in the number of rules). Each
/// rule gets a slot, numbered in walk order (the bucket's POL-034 order, then rule order), and is
/// keyed by literals its required field must contain (<see cref="CompiledCondition.IndexKeys"/>). One
/// pass of an Aho–Corasick automaton over each spelling of the call's command (its url, its domain)
/// marks the slots whose literal occurs; together with the always-tried slots they are the only rules
/// that can fire. The walk visits just those, in slot order, so priority order, first match within a
/// policy and every combination rule (POL-035/036) are unchanged: a skipped rule could not have matched.
/// The same pass also marks which of a rule's <c>command_matches</c> patterns have their literal in some
/// spelling (one key bit per pattern, after the slot bits): a restrictive rule's positive check only runs
/// those patterns (<see cref="CallContext.LivePatterns"/>), since the others cannot match any of the spellings.
/// Path lists have their own automaton (<see cref="PathIndex"/>): one pass per path candidate marks the
/// rules keyed on their <c>path_matches</c> (rules with no command, url or domain key) and, per candidate,
/// the patterns of every list that can match; a rule's list check runs only those (<see cref="CallContext.LivePaths"/>).
/// <para>
/// Deferred symlink resolution (POL-065, issue 2). The resolved candidate R only ever adds to the lexical candidates L
/// (POL-066: F = L ∪ {R}), and POL-055 is monotone in the candidate set: a restrictive rule that fires on L fires on F
/// (one covered candidate suffices; it is excluded only if every candidate is), and a granting rule that fires on F fires
/// on L (every candidate must be covered; any excluded candidate excludes). Nothing else reads the candidates (suggestions
/// use the raw path, POL-092). So an indexed walk starts on L alone (<see cref="CallContext.DeferPathResolution"/>) and
/// resolves the moment a rule's answer could differ on F: a rule with path lists that is restrictive and does not fire,
/// or granting and fires; and before passing a restrictive path-keyed rule that L left unmarked (it cannot match L, but
/// may match R), which is why those are visited while the resolution is pending (<see cref="DeferredVisits"/>). Every
/// answer before that point is the one F gives, and from it on the walk runs on F with F's marks (the rule at hand is
/// re-evaluated if R was new). Granting path rules L left unmarked cannot fire on F either. A walk that ends, or returns
/// a deny, before any such rule saw the same rules fire in the same order as on F: same decision, message, policies and
/// suggestions — without the disk check (a read of <c>~/.ssh/id_rsa</c> denied by the first restrictive path rule).
/// </para>
/// </summary>
internal sealed class RuleIndex
{
    readonly int[] _slotBase;       // first slot of each sorted position
    readonly int[] _slotPolicy;     // sorted position of each slot
    readonly int[] _slotPatterns;   // bit of the slot's first command_matches key in the marked bits, or -1
    readonly ulong[] _alwaysTry;    // slots tried whatever the call
    readonly int _markWords;        // slot words, then key words
    readonly LiteralAutomaton? _command;
    readonly LiteralAutomaton? _url;
    readonly LiteralAutomaton? _domain;
    readonly PathIndex? _paths;
    readonly PathRuleLists?[] _slotPaths; // each slot's path lists as numbered in _paths, or null
    readonly ulong[] _restrictiveSlots;   // slots whose condition has restrictive semantics
    readonly ulong[] _deferredVisits;     // restrictive slots keyed on their path_matches: visited while resolution is deferred

    RuleIndex(int[] slotBase, int[] slotPolicy, int[] slotPatterns, ulong[] alwaysTry, int markWords,
        LiteralAutomaton? command, LiteralAutomaton? url, LiteralAutomaton? domain, PathIndex? paths, PathRuleLists?[] slotPaths,
        ulong[] restrictiveSlots, ulong[] deferredVisits)
    {
        _restrictiveSlots = restrictiveSlots;
        _deferredVisits = deferredVisits;
        _domain = domain;
        _paths = paths;
        _slotPaths = slotPaths;
        _slotBase = slotBase;
        _slotPolicy = slotPolicy;
        _slotPatterns = slotPatterns;
        _alwaysTry = alwaysTry;
        _markWords = markWords;
        _command = command;
        _url = url;
    }

    /// <summary>Words of the per-call slot bit set.</summary>
    public int Words => _alwaysTry.Length;

    public static RuleIndex Build(CompiledPolicy[] sorted)
    {
        var slotBase = new int[sorted.Length + 1];
        var slots = 0;
        for (var p = 0; p < sorted.Length; p++)
        {
            slotBase[p] = slots;
            slots += sorted[p].Rules.Length;
        }
        slotBase[sorted.Length] = slots;

        var slotPolicy = new int[slots];
        var slotPatterns = new int[slots];
        var alwaysTry = new ulong[(slots + 63) >> 6];
        // Key bits follow the slot bits, so one automaton pass marks both.
        var keyBit = alwaysTry.Length << 6;
        var command = new List<(string, int)>();
        var url = new List<(string, int)>();
        var domain = new List<(string, int)>();
        var paths = new PathIndex.Builder(alwaysTry.Length);
        var slotPaths = new PathRuleLists?[slots];
        var restrictiveSlots = new ulong[alwaysTry.Length];
        var deferredVisits = new ulong[alwaysTry.Length];
        for (var p = 0; p < sorted.Length; p++)
        {
            var rules = sorted[p].Rules;
            for (var r = 0; r < rules.Length; r++)
            {
                var slot = slotBase[p] + r;
                slotPolicy[slot] = p;
                slotPatterns[slot] = -1;
                var condition = rules[r].Condition;
                var keys = condition.IndexKeys;
                // A rule with nothing else to key on is keyed on its required path_matches (POL-047: every
                // present field must match), unless it is unconditional (then its lists are never read).
                var pathKeyed = keys.Channel == IndexChannel.None && !condition.IsUnconditional && condition.PathMatches.Length > 0;
                slotPaths[slot] = condition.IsUnconditional ? null : paths.Add(condition, pathKeyed ? slot : -1);
                if (condition.IsRestrictive)
                {
                    restrictiveSlots[slot >> 6] |= 1UL << (slot & 63);
                    if (pathKeyed) deferredVisits[slot >> 6] |= 1UL << (slot & 63);
                }
                if (pathKeyed || condition.NeverFiresOnRequest) continue;
                var into = keys.Channel switch
                {
                    IndexChannel.Command => command,
                    IndexChannel.Url => url,
                    IndexChannel.Domain => domain,
                    _ => null,
                };
                if (into is null)
                {
                    alwaysTry[slot >> 6] |= 1UL << (slot & 63);
                    continue;
                }
                if (keys.Channel == IndexChannel.Command) slotPatterns[slot] = keyBit;
                foreach (var (literal, key) in keys.Literals)
                {
                    into.Add((literal, slot));
                    into.Add((literal, keyBit + key));
                }
                keyBit += keys.KeyCount;
            }
        }
        return new RuleIndex(slotBase, slotPolicy, slotPatterns, alwaysTry, (keyBit + 63) >> 6,
            command.Count == 0 ? null : LiteralAutomaton.Build(command),
            url.Count == 0 ? null : LiteralAutomaton.Build(url),
            domain.Count == 0 ? null : LiteralAutomaton.Build(domain),
            paths.Build(), slotPaths, restrictiveSlots, deferredVisits);
    }

    /// <summary>
    /// Marks the slots that can fire for this call in <paramref name="bits"/> (<see cref="Words"/> long).
    /// False when the index cannot decide: a canonical rm form overflowed (POL-083 2b), which makes
    /// every restrictive <c>command_matches</c> rule match regardless of its patterns.
    /// </summary>
    /// <remarks>
    /// With <paramref name="deferResolution"/> the path-keyed slots are marked from the lexical candidates only, when the
    /// call has a path and nothing resolved it yet (<see cref="CallContext.PathsAreLexical"/> tells); the walk then visits
    /// <see cref="DeferredVisits"/> too and settles the resolution with <see cref="ResolvePaths"/> (see the class remarks).
    /// </remarks>
    public bool TryMark(CallContext ctx, Span<ulong> bits, bool deferResolution = false)
    {
        // Slot and key bits together in the context's buffer, which keeps the key bits for the walk.
        var marks = ctx.IndexMarks(_markWords);
        _alwaysTry.CopyTo(marks);
        marks[_alwaysTry.Length..].Clear();
        if (_command is { } command && ctx.Command.Length > 0 && !MarkCommand(command, ctx, marks)) return false;
        if (_url is { } url && ctx.Url.Length > 0) url.Mark(ctx.Url, marks);
        // The matcher trims, lower-cases and drops one trailing dot: substrings of the folded raw domain.
        if (_domain is { } domain && ctx.Domain.Length > 0) domain.Mark(ctx.Domain, marks);
        ctx.PathIndex = _paths;
        if (_paths is { } paths && ctx.Path.Length > 0)
        {
            if (deferResolution) ctx.DeferPathResolution();
            // Path-keyed rules need the candidates (the lexical ones while the POL-065 resolution is deferred).
            if (paths.HasKeyedSlots) paths.Mark(ctx, marks[.._alwaysTry.Length]);
        }
        marks[.._alwaysTry.Length].CopyTo(bits);
        return true;
    }

    /// <summary>Restrictive slots keyed on their <c>path_matches</c>: what a walk on the lexical candidates must not skip unseen.</summary>
    public ReadOnlySpan<ulong> DeferredVisits => _deferredVisits;

    /// <summary><paramref name="slot"/> has path lists (its answer may depend on the resolved candidate).</summary>
    public bool HasPaths(int slot) => _slotPaths[slot] is not null;

    /// <summary><paramref name="slot"/>'s condition has restrictive semantics (deny, ask, invalid action).</summary>
    public bool IsRestrictive(int slot) => IsSet(_restrictiveSlots, slot);

    /// <summary><paramref name="slot"/> is marked for the current candidates (what <see cref="TryMark"/> put in <c>bits</c>).</summary>
    public bool IsMarked(CallContext ctx, int slot) => IsSet(ctx.IndexMarks(_markWords), slot);

    /// <summary>
    /// Ends a deferred resolution (<see cref="CallContext.ResolvePathCandidates"/>) and writes into <paramref name="bits"/>
    /// the marks of the full candidates (the lexical marks, plus what the resolved candidate adds). True when the resolved
    /// candidate is new (a rule evaluated on the lexical candidates must then be evaluated again).
    /// </summary>
    public bool ResolvePaths(CallContext ctx, Span<ulong> bits)
    {
        var changed = ctx.ResolvePathCandidates();
        var marks = ctx.IndexMarks(_markWords)[.._alwaysTry.Length];
        // Marking only ORs: the refilled per-candidate marks add the resolved candidate's keyed slots.
        if (changed && _paths is { HasKeyedSlots: true } paths) paths.Mark(ctx, marks);
        marks.CopyTo(bits);
        return changed;
    }

    static bool IsSet(ReadOnlySpan<ulong> bits, int slot) => (bits[slot >> 6] & (1UL << (slot & 63))) != 0;

    /// <summary>
    /// Bit (in the marks of <see cref="TryMark"/>) of <paramref name="slot"/>'s first <c>command_matches</c>
    /// key, or -1 when the rule is not keyed on the command (then every pattern is live).
    /// </summary>
    public int PatternsOf(int slot) => _slotPatterns[slot];

    /// <summary><paramref name="slot"/>'s path lists as numbered in this index's <see cref="PathIndex"/>, or null when it has none.</summary>
    public PathRuleLists? PathsOf(int slot) => _slotPaths[slot];

    /// <summary>
    /// Every spelling a command field is matched against on the way to a positive result: the raw
    /// command, its normalised forms and executed components (POL-050, POL-051), and each POL-083
    /// restrictive candidate with its rm, normalised, semantic and alternate spellings. Exclusion
    /// re-checks (POL-052) only run after one of these matched, so they add nothing.
    /// </summary>
    static bool MarkCommand(LiteralAutomaton automaton, CallContext ctx, Span<ulong> bits)
    {
        var raw = ctx.Command;
        automaton.Mark(raw, bits);
        // A plain command is its own normalised form, only component and only candidate.
        if (ctx.IsPlainCommand) return true;

        // NormalizedRaw (what contains needles also see) is Normalized or "", and a single component
        // is Normalized trimmed (CommandAnalysis), so neither adds text of its own. Marking only ORs bits,
        // and every literal of a text occurs in any text containing it: a spelling that is part of the raw
        // command or of its normalised form (the `cat /etc/passwd` of `$(cat /etc/passwd)`, which is also a
        // component and a candidate) adds nothing when marked after them.
        var normalized = ctx.Normalized;
        MarkUnlessWithin(automaton, normalized, raw, raw, bits);
        if (ctx.IsComposite)
        {
            var components = ctx.Components;
            for (var i = 0; i < components.Count; i++) MarkUnlessWithin(automaton, components[i], raw, normalized, bits);
        }
        foreach (var k in ctx.FormsOf(raw).Candidates)
        {
            if (k.RmOverflow) return false;
            MarkUnlessWithin(automaton, k.Text, raw, normalized, bits);
            var rm = k.RmAliases;
            for (var i = 0; i < rm.Count; i++) automaton.Mark(rm[i], bits);
            if (!string.Equals(k.Normalized, k.Text, StringComparison.Ordinal)) MarkUnlessWithin(automaton, k.Normalized, raw, normalized, bits);
            var semantic = k.SemanticAliases;
            for (var i = 0; i < semantic.Count; i++) automaton.Mark(semantic[i], bits);
            foreach (var reading in k.AlternateLower) automaton.Mark(reading, bits);
        }
        return true;
    }

    /// <summary>Marks <paramref name="text"/> unless it is part of <paramref name="raw"/> or <paramref name="normalized"/>, both marked already.</summary>
    static void MarkUnlessWithin(LiteralAutomaton automaton, string text, string raw, string normalized, Span<ulong> bits)
    {
        if (raw.AsSpan().IndexOf(text, StringComparison.Ordinal) >= 0) return;
        if (!ReferenceEquals(normalized, raw) && normalized.AsSpan().IndexOf(text, StringComparison.Ordinal) >= 0) return;
        automaton.Mark(text, bits);
    }

    /// <summary>Sorted position of the policy owning <paramref name="slot"/>.</summary>
    public int PolicyOf(int slot) => _slotPolicy[slot];

    /// <summary>Rule index within its policy of <paramref name="slot"/>.</summary>
    public int RuleOf(int slot) => slot - _slotBase[_slotPolicy[slot]];
}
