using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>
/// The path part of a tool bucket's <see cref="RuleIndex"/>: every <c>path_matches</c> and
/// <c>path_not_matches</c> list of the bucket's rules in one Aho–Corasick automaton (issue 2). Each
/// pattern text gets an id (patterns spelled the same share it); the literals are the required
/// literals of every own variant of the pattern (the pattern and its resolved form, POL-067), so an
/// id is set for a candidate only when some own variant could match it (or its workdir-joined form,
/// which absolute patterns also see). One pass per path candidate (POL-066) marks, in that candidate's
/// region, the ids whose literal occurs and the slots of rules keyed on their <c>path_matches</c>: a
/// rule whose field is required can only fire when one of its patterns matches some candidate.
/// Literal-free patterns are always marked. The workdir-joined pattern variants (POL-067: a relative
/// pattern against an absolute candidate) depend on the call's workdir: they have their own automaton,
/// built for the last workdir seen (<see cref="JoinedFilter"/>), whose marks go to a second id part of the region.
/// </summary>
internal sealed class PathIndex
{
    readonly LiteralAutomaton? _automaton; // tags: slot, or slot words × 64 + own id
    readonly ulong[] _always;              // one candidate region: literal-free slots and own ids
    readonly int _slotWords;
    readonly int _idWords;
    readonly bool _hasKeyedSlots;
    readonly PathGlob?[] _relative;        // by id: a pattern of that text when it is relative, else null
    readonly (int Slot, PathList Matches)[] _keyed;
    JoinedFilter? _joined;

    PathIndex(LiteralAutomaton? automaton, ulong[] always, int slotWords, int idWords, PathGlob?[] relative, (int, PathList)[] keyed)
    {
        _automaton = automaton;
        _always = always;
        _slotWords = slotWords;
        _idWords = idWords;
        _relative = relative;
        _keyed = keyed;
        _hasKeyedSlots = keyed.Length > 0;
    }

    /// <summary>Words of one candidate's region: the slot words, the own id words, the joined id words.</summary>
    public int RegionWords => _slotWords + 2 * _idWords;

    /// <summary>Some slot is keyed on its <c>path_matches</c> (marking it needs the candidates).</summary>
    public bool HasKeyedSlots => _hasKeyedSlots;

    /// <summary>Collects the lists of one bucket while <see cref="RuleIndex"/> numbers its slots.</summary>
    internal sealed class Builder(int slotWords)
    {
        readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        readonly List<PathGlob?> _relative = [];
        readonly List<(string Literal, int Tag)> _literals = [];
        readonly HashSet<(string, int)> _seen = [];
        readonly List<int> _alwaysIds = [];
        readonly List<int> _alwaysSlots = [];
        readonly List<(int, PathList)> _keyed = [];

        int IdBase => slotWords << 6;

        /// <summary>The lists of <paramref name="condition"/> (null when it has none); with <paramref name="keyedSlot"/> ≥ 0 the slot is keyed on them.</summary>
        public PathRuleLists? Add(CompiledCondition condition, int keyedSlot)
        {
            var matches = condition.PathMatches;
            if (matches.Length == 0) return null;
            var positive = List(matches);
            var negative = List(condition.PathNotMatches);
            if (keyedSlot >= 0)
            {
                _keyed.Add((keyedSlot, positive));
                var always = false;
                for (var j = 0; j < matches.Length; j++)
                {
                    foreach (var v in positive.Own[j]) always |= !AddLiteral(v, keyedSlot);
                }
                if (always) _alwaysSlots.Add(keyedSlot);
            }
            return new PathRuleLists(positive, negative);
        }

        PathList List(PathGlob[] patterns)
        {
            var ids = new int[patterns.Length];
            var repeated = new bool[patterns.Length];
            var own = new PathGlob[patterns.Length][];
            for (var j = 0; j < patterns.Length; j++)
            {
                var pattern = patterns[j];
                own[j] = [];
                if (!pattern.CanMatch) { ids[j] = PathList.CannotMatch; continue; }
                // The variants this index keys on are the ones its matching runs (kept here, not re-read from the glob).
                own[j] = PathNames.OwnVariantsOf(pattern);
                for (var k = 0; k < j; k++)
                {
                    if (patterns[k].CanMatch && string.Equals(patterns[k].Normalized, pattern.Normalized, StringComparison.Ordinal)) { repeated[j] = true; break; }
                }
                if (!_ids.TryGetValue(pattern.Normalized, out var id))
                {
                    id = _ids.Count;
                    _ids[pattern.Normalized] = id;
                    _relative.Add(pattern.Normalized.StartsWith('/') ? null : pattern);
                }
                ids[j] = id;
                var always = false;
                foreach (var v in own[j]) always |= !AddLiteral(v, IdBase + id);
                if (always) _alwaysIds.Add(id);
            }
            return new PathList(patterns, ids, repeated, own);
        }

        /// <summary>False when the variant has no usable literal (the tag must then be always set).</summary>
        bool AddLiteral(PathGlob variant, int tag)
        {
            var literal = LiteralAutomaton.FoldLiteral(variant.RequiredText);
            if (literal.Length == 0) return false;
            if (_seen.Add((literal, tag))) _literals.Add((literal, tag));
            return true;
        }

        public PathIndex? Build()
        {
            if (_ids.Count == 0) return null;
            var idWords = (_ids.Count + 63) >> 6;
            var always = new ulong[slotWords + 2 * idWords];
            foreach (var slot in _alwaysSlots) always[slot >> 6] |= 1UL << (slot & 63);
            foreach (var id in _alwaysIds) always[slotWords + (id >> 6)] |= 1UL << (id & 63);
            return new PathIndex(_literals.Count == 0 ? null : LiteralAutomaton.Build(_literals), always, slotWords, idWords,
                [.. _relative], [.. _keyed]);
        }
    }

    /// <summary>
    /// The workdir-joined variants of every relative pattern of the bucket for one workdir, and an automaton
    /// over their required literals (tags: the keyed slots, and slot words × 64 + id words × 64 + id). Built
    /// when a call brings another workdir and kept for the next calls, like the per-pattern variants it
    /// replaces in indexed walks (PathNames keeps the last workdir's too); immutable once published.
    /// </summary>
    internal sealed class JoinedFilter
    {
        public JoinedFilter(string workdir, PathGlob[]?[] variants, LiteralAutomaton? automaton, ulong[] always)
        {
            Workdir = workdir;
            Variants = variants;
            Automaton = automaton;
            Always = always;
        }

        public string Workdir { get; }
        /// <summary>By id: the joined variants of a relative pattern, null for an absolute one.</summary>
        public PathGlob[]?[] Variants { get; }
        public LiteralAutomaton? Automaton { get; }
        /// <summary>Slots and joined ids to set whatever the candidate (literal-free joined variants), region-sized.</summary>
        public ulong[] Always { get; }
    }

    JoinedFilter JoinedFor(string workdir)
    {
        var filter = Volatile.Read(ref _joined);
        if (filter is not null && string.Equals(filter.Workdir, workdir, StringComparison.Ordinal)) return filter;
        filter = BuildJoined(workdir);
        Volatile.Write(ref _joined, filter);
        return filter;
    }

    JoinedFilter BuildJoined(string workdir)
    {
        var joinedBase = (_slotWords + _idWords) << 6;
        var variants = new PathGlob[]?[_relative.Length];
        var literals = new List<(string Literal, int Tag)>();
        var seen = new HashSet<(string, int)>();
        var always = new ulong[RegionWords];
        var noLiteral = new bool[_relative.Length];
        for (var id = 0; id < _relative.Length; id++)
        {
            if (_relative[id] is not { } pattern) continue;
            var globs = PathNames.ComputeJoinedVariants(pattern, workdir);
            variants[id] = globs;
            foreach (var v in globs)
            {
                var literal = LiteralAutomaton.FoldLiteral(v.LaterRequiredText);
                if (literal.Length == 0) noLiteral[id] = true;
                else if (seen.Add((literal, joinedBase + id))) literals.Add((literal, joinedBase + id));
            }
            if (noLiteral[id]) always[_slotWords + _idWords + (id >> 6)] |= 1UL << (id & 63);
        }
        foreach (var (slot, matches) in _keyed)
        {
            for (var j = 0; j < matches.Ids.Length; j++)
            {
                var id = matches.Ids[j];
                if (id < 0 || variants[id] is not { } globs) continue;
                if (noLiteral[id]) always[slot >> 6] |= 1UL << (slot & 63);
                foreach (var v in globs)
                {
                    var literal = LiteralAutomaton.FoldLiteral(v.LaterRequiredText);
                    if (literal.Length > 0 && seen.Add((literal, slot))) literals.Add((literal, slot));
                }
            }
        }
        return new JoinedFilter(workdir, variants, literals.Count == 0 ? null : LiteralAutomaton.Build(literals), always);
    }

    /// <summary>
    /// Fills the call's marks when needed (once per evaluation) and ORs into <paramref name="slots"/> the
    /// keyed slots that can fire. No candidates (no path): nothing marked.
    /// </summary>
    public void Mark(CallContext ctx, Span<ulong> slots)
    {
        var marks = ctx.PathMarks;
        if (!marks.IsFor(this)) Fill(ctx, marks);
        var regions = marks.Bits;
        for (var i = 0; i < marks.Count; i++)
        {
            var region = regions.Slice(i * RegionWords, _slotWords);
            for (var w = 0; w < _slotWords; w++) slots[w] |= region[w];
        }
    }

    /// <summary>The candidates' spellings and their regions, computed when a rule first needs them.</summary>
    internal void Fill(CallContext ctx, PathCandidateMarks marks)
    {
        var candidates = ctx.PathCandidates;
        var workdir = PathNames.NormalizeWorkdir(ctx.Workdir);
        var bits = marks.Begin(this, candidates.Count, RegionWords, workdir);
        for (var i = 0; i < candidates.Count; i++)
        {
            var region = bits.Slice(i * RegionWords, RegionWords);
            _always.CopyTo(region);
            marks.Set(i, candidates[i]);
            if (_automaton is not null)
            {
                if (marks.Fits(i)) _automaton.Mark(candidates[i], region);
                if (marks.JoinedIfFits(i) is { } joined) _automaton.Mark(joined, region);
            }
            if (!marks.IsJoinable(i)) continue;
            // Relative patterns are also matched joined onto the workdir (absolute candidates only).
            var filter = marks.Joined ??= JoinedFor(workdir);
            for (var w = 0; w < region.Length; w++) region[w] |= filter.Always[w];
            filter.Automaton?.Mark(candidates[i], region);
        }
    }

    /// <summary>Whether own id <paramref name="id"/> may match candidate <paramref name="candidate"/>.</summary>
    internal bool IsLive(PathCandidateMarks marks, int candidate, int id) =>
        IsSet(marks.Bits[candidate * RegionWords + _slotWords + (id >> 6)], id);

    /// <summary>Whether the joined variants of id <paramref name="id"/> may match candidate <paramref name="candidate"/>.</summary>
    internal bool IsJoinedLive(PathCandidateMarks marks, int candidate, int id) =>
        IsSet(marks.Bits[candidate * RegionWords + _slotWords + _idWords + (id >> 6)], id);

    static bool IsSet(ulong word, int id) => (word & (1UL << (id & 63))) != 0;
}

/// <summary>A rule's <c>path_matches</c> and <c>path_not_matches</c> as numbered in its bucket's <see cref="PathIndex"/>.</summary>
internal sealed record PathRuleLists(PathList Matches, PathList NotMatches);

/// <summary>One pattern list with the bucket's ids and the own variants the index was built from.</summary>
internal sealed class PathList(PathGlob[] patterns, int[] ids, bool[] repeated, PathGlob[][] own)
{
    public const int CannotMatch = -1;

    public PathGlob[] Patterns { get; } = patterns;
    /// <summary>The pattern's id in the bucket's <see cref="PathIndex"/>, or <see cref="CannotMatch"/>.</summary>
    public int[] Ids { get; } = ids;
    public PathGlob[][] Own { get; } = own;

    /// <summary>
    /// The same answer as <see cref="PathNames.AnyPatternMatches"/> for candidate <paramref name="i"/>:
    /// own and joined variants only where the index marked the pattern's id.
    /// </summary>
    public bool AnyMatches(PathIndex index, PathCandidateMarks marks, int i)
    {
        var patterns = Patterns;
        if (patterns.Length == 0) return false;
        var candidate = marks.Candidate(i);
        var fits = marks.Fits(i);
        var joined = marks.JoinedIfFits(i);
        var joinable = marks.IsJoinable(i);
        for (var j = 0; j < patterns.Length; j++)
        {
            var id = Ids[j];
            if (id == CannotMatch) continue;
            var patternIsAbsolute = patterns[j].Normalized.StartsWith('/');
            // A repeated text (`**\.ssh\id_*` after `**/.ssh/id_*`): same matcher, same answer as the earlier entry.
            if (!repeated[j] && index.IsLive(marks, i, id))
            {
                var joinedCandidate = patternIsAbsolute ? joined : null;
                foreach (var v in Own[j])
                {
                    if (fits && v.IsMatchFitting(candidate)) return true;
                    if (joinedCandidate is not null && v.IsMatchFitting(joinedCandidate)) return true;
                }
            }
            if (joinable && !patternIsAbsolute && index.IsJoinedLive(marks, i, id))
            {
                foreach (var v in marks.Joined!.Variants[id]!)
                {
                    if (v.IsMatchFitting(candidate)) return true;
                }
            }
        }
        return false;
    }
}

/// <summary>
/// Per evaluation (owned by the <see cref="CallContext"/>, reset with it): each path candidate's
/// spellings (size check, workdir-joined form, computed once instead of once per pattern list) and
/// its region of <see cref="PathIndex"/> marks.
/// </summary>
internal sealed class PathCandidateMarks
{
    const int MaxCandidates = 3; // cleaned, resolved, relative (POL-066)

    readonly string[] _candidates = new string[MaxCandidates];
    readonly string?[] _joined = new string?[MaxCandidates];
    readonly bool[] _fits = new bool[MaxCandidates];
    readonly bool[] _absolute = new bool[MaxCandidates];
    ulong[] _bits = new ulong[4];
    int _words;
    PathIndex? _for;

    /// <summary>The joined variants this evaluation marked and matches with (the same object for both).</summary>
    internal PathIndex.JoinedFilter? Joined { get; set; }

    public int Count { get; private set; }
    public string Workdir { get; private set; } = "";

    public Span<ulong> Bits => _bits.AsSpan(0, _words);

    public bool IsFor(PathIndex index) => ReferenceEquals(_for, index);

    internal Span<ulong> Begin(PathIndex index, int count, int regionWords, string workdir)
    {
        if (count > MaxCandidates) throw new InvalidOperationException("more path candidates than POL-066 defines");
        _for = index;
        Count = count;
        Workdir = workdir;
        _words = count * regionWords;
        if (_bits.Length < _words) _bits = new ulong[Math.Max(_words, 2 * _bits.Length)];
        return Bits;
    }

    internal void Set(int i, string candidate)
    {
        _candidates[i] = candidate;
        _absolute[i] = candidate.Length > 0 && candidate[0] is '/' or '\\';
        // An oversized candidate matches no pattern (PathGlob.IsMatch); its joined form is longer still.
        _fits[i] = GlobInput.FitsUtf8(candidate, GlobInput.MaxBytes);
        string? joined = null;
        if (Workdir.Length > 0 && !_absolute[i])
        {
            // The relative spelling of the call's path joined onto the workdir is usually the cleaned candidate itself
            // (POL-066: Clean(p, w)). When the text is exactly workdir/candidate it is that string's Clean (cleaning a
            // cleaned path changes nothing), so it is reused instead of built again.
            joined = i > 0 && IsJoinOf(_candidates[0], Workdir, candidate)
                ? _candidates[0]
                : PathNames.Clean(Workdir + "/" + candidate.Replace('\\', '/'));
            if (!GlobInput.FitsUtf8(joined, GlobInput.MaxBytes)) joined = null;
        }
        _joined[i] = joined;
    }

    static bool IsJoinOf(string full, string workdir, string candidate) =>
        full.Length == workdir.Length + 1 + candidate.Length && full[workdir.Length] == '/' &&
        full.StartsWith(workdir, StringComparison.Ordinal) && full.EndsWith(candidate, StringComparison.Ordinal);

    public string Candidate(int i) => _candidates[i];
    public bool Fits(int i) => _fits[i];
    public bool IsAbsolute(int i) => _absolute[i];

    /// <summary>Relative patterns are also tried joined onto the workdir: a workdir, an absolute candidate that fits.</summary>
    public bool IsJoinable(int i) => Workdir.Length > 0 && _absolute[i] && _fits[i];

    /// <summary>The workdir-joined form of a relative candidate when it fits the size limit, else null.</summary>
    public string? JoinedIfFits(int i) => _joined[i];

    public void Clear()
    {
        if (_for is null) return;
        _for = null;
        Joined = null;
        Array.Clear(_candidates);
        Array.Clear(_joined);
        Count = 0;
        Workdir = "";
    }
}
