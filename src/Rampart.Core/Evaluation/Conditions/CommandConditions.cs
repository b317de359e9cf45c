using System.Collections.Immutable;
using System.Numerics;
using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>
/// A <c>command_matches</c> list compiled for both semantics: exact globs, lower-cased globs (the
/// case-insensitive cmd.exe/PowerShell readings, POL-086), first-word-lower-cased globs (the
/// host-case rule of POL-050) and which patterns are themselves composite (POL-050 step 2).
/// </summary>
internal sealed class CommandPatterns
{
    public static readonly CommandPatterns Empty = new([]);

    public CommandPatterns(ImmutableArray<string> patterns)
    {
        // The four sets mostly hold the same strings (patterns are usually lower case already); each
        // distinct string is compiled once and shared (GlobPattern is immutable).
        var compiled = new Dictionary<string, GlobPattern>(StringComparer.Ordinal);
        var count = patterns.IsDefaultOrEmpty ? 0 : patterns.Length;
        var exact = new GlobPattern[count];
        var lower = new GlobPattern[count];
        var firstWord = new GlobPattern[count];
        var composite = new List<GlobPattern>();
        var compositeFirstWord = new List<GlobPattern>();
        for (var i = 0; i < count; i++)
        {
            var pattern = patterns[i];
            exact[i] = Compiled(compiled, pattern);
            lower[i] = Compiled(compiled, pattern.ToLowerInvariant());
            firstWord[i] = Compiled(compiled, CommandConditions.LowerFirstWord(pattern));
            // POL-050 step 2: composite-ness of a pattern is a property of its text; decide it once.
            if (pattern.Length > 0 && CommandAnalysis.Of(pattern).IsComposite)
            {
                composite.Add(exact[i]);
                compositeFirstWord.Add(firstWord[i]);
            }
        }
        Exact = GlobSet.FromCompiled(exact);
        Lower = GlobSet.FromCompiled(lower);
        FirstWordLower = GlobSet.FromCompiled(firstWord);
        Composite = GlobSet.FromCompiled([.. composite]);
        CompositeFirstWordLower = GlobSet.FromCompiled([.. compositeFirstWord]);
    }

    static GlobPattern Compiled(Dictionary<string, GlobPattern> compiled, string pattern)
    {
        if (!compiled.TryGetValue(pattern, out var glob))
        {
            glob = GlobPattern.Compile(pattern);
            compiled[pattern] = glob;
        }
        return glob;
    }

    public GlobSet Exact { get; }
    public GlobSet Lower { get; }
    public GlobSet FirstWordLower { get; }
    public GlobSet Composite { get; }
    public GlobSet CompositeFirstWordLower { get; }
    public int Count => Exact.Count;
    public bool IsEmpty => Exact.IsEmpty;
}

/// <summary>
/// Which <c>command_matches</c> patterns of a rule can match some spelling of the call's command, from the
/// rule index's key bits (<see cref="RuleIndex"/>); the default value has every pattern live.
/// </summary>
internal readonly struct PatternMask(ulong[] bits, int first)
{
    readonly ulong[] _bits = bits;
    readonly int _first = first;

    public bool IsActive => _bits is not null;

    public bool IsLive(int pattern)
    {
        var bit = _first + pattern;
        return (_bits[bit >> 6] & (1UL << (bit & 63))) != 0;
    }

    /// <summary>
    /// Key <paramref name="key"/> is live, or there is no mask. The keys after a rule's patterns are its
    /// <c>command_contains</c> needles (<see cref="IndexKeys"/>): a needle whose folded text occurs in no
    /// spelling cannot be a substring of any of them (the lower-cased raw or normalised command included).
    /// </summary>
    public bool MayOccur(int key) => _bits is null || IsLive(key);

    /// <summary>The same mask (both absent, or the same bits of the same rule).</summary>
    public bool SameAs(PatternMask other) => ReferenceEquals(_bits, other._bits) && (_bits is null || _first == other._first);

    /// <summary>Some of patterns 0 .. <paramref name="count"/>-1 is live.</summary>
    public bool AnyLive(int count)
    {
        var end = _first + count;
        for (var word = _first >> 6; word <= (end - 1) >> 6; word++)
        {
            if (LiveIn(word, end) != 0) return true;
        }
        return false;
    }

    /// <summary>The bits of word <paramref name="word"/> that belong to patterns before key <paramref name="end"/>.</summary>
    ulong LiveIn(int word, int end)
    {
        var bits = _bits[word];
        var low = word << 6;
        if (low < _first) bits &= ~0UL << (_first - low);
        if (end - low < 64) bits &= (1UL << (end - low)) - 1;
        return bits;
    }

    /// <summary>Some live pattern of <paramref name="set"/> (indexed like the rule's patterns) matches <paramref name="name"/>.</summary>
    /// <remarks>Visits the set bits word by word, so a rule with many patterns and few live ones costs little.</remarks>
    public bool MatchAny(GlobSet set, string name)
    {
        if (_bits is null) return set.IsMatchAny(name);
        var patterns = set.Compiled;
        var end = _first + patterns.Length;
        for (var word = _first >> 6; word <= (end - 1) >> 6; word++)
        {
            var bits = LiveIn(word, end);
            while (bits != 0)
            {
                var pattern = (word << 6) + BitOperations.TrailingZeroCount(bits) - _first;
                if (patterns[pattern].IsMatch(name.AsSpan())) return true;
                bits &= bits - 1;
            }
        }
        return false;
    }
}

/// <summary>Command fields: restrictive (POL-049, POL-051, POL-052), granting (POL-050) and env assignments (POL-054).</summary>
internal static class CommandConditions
{
    /// <summary>POL-049 for deny/ask rules.</summary>
    public static bool MatchRestrictive(CallContext ctx, CommandPatterns matches, string[] containsLower, GlobSet notMatches)
    {
        var raw = ctx.FormsOf(ctx.Command);
        // Under the rule index only the patterns (and needles) whose literal occurs in some spelling of the
        // raw command can match one of them; the exclusion re-check below judges components with the mask
        // only where it holds for them (LiveFor), and exclusions always with every pattern.
        var live = ctx.LivePatterns;
        var candidatesMatch = RestrictiveCandidatesMatch(matches, raw, ctx.Trace, live);
        var positive = candidatesMatch
                       || ContainsRestrictive(containsLower, ctx.CommandLower, ctx.Command, raw, ctx.Trace, live, matches.Count);
        if (!positive) return false;
        if (notMatches.IsEmpty) return true;
        // The re-check of the raw command as a component asks RestrictiveCandidatesMatch the same question
        // (same forms, same patterns, same mask): its answer is reused. Not under an explanation, which
        // reports every spelling the re-check tries.
        var rawAnswer = ctx.Trace is null ? (candidatesMatch ? KnownAnswer.Matched : KnownAnswer.NotMatched) : KnownAnswer.Unknown;
        return ExclusionRecheck(ctx, matches, containsLower, notMatches, rawAnswer);
    }

    /// <summary>RestrictiveCandidatesMatch's answer for the raw command's forms under the call's mask, when known.</summary>
    enum KnownAnswer : byte { Unknown, Matched, NotMatched }

    /// <summary>POL-083 step 2: a pattern list against every spelling of every candidate of <paramref name="forms"/>.</summary>
    /// <remarks>The result is an OR over all spellings, so cheap spellings are tried first for all candidates.</remarks>
    /// <param name="live">
    /// Patterns that can match (the rule index's key bits, for the raw command's forms only). With a mask no
    /// candidate has an rm overflow: the index does not decide (and sets no mask) when one has.
    /// </param>
    public static bool RestrictiveCandidatesMatch(CommandPatterns patterns, CommandForms forms, IEvaluationTrace? trace = null, PatternMask live = default)
    {
        if (patterns.IsEmpty) return false;
        if (live.IsActive && !live.AnyLive(patterns.Count)) return false;
        var candidates = forms.Candidates;
        foreach (var k in candidates)
        {
            if (live.MatchAny(patterns.Exact, k.Text)) return Hit(trace, CommandForm.Raw, k.Text, patterns.Exact);
        }
        foreach (var k in candidates)
        {
            var aliases = k.RmAliases;
            // POL-083 2b: too many aliases to check counts as a match (fail closed).
            if (k.RmOverflow) return Hit(trace, CommandForm.CanonicalRmOverflow, k.Text, GlobSet.Empty);
            for (var i = 0; i < aliases.Count; i++)
            {
                if (live.MatchAny(patterns.Exact, aliases[i])) return Hit(trace, CommandForm.CanonicalRm, aliases[i], patterns.Exact);
            }
        }
        foreach (var k in candidates)
        {
            var normalized = k.Normalized;
            if (!string.Equals(normalized, k.Text, StringComparison.Ordinal) && live.MatchAny(patterns.Exact, normalized)) return Hit(trace, CommandForm.Normalized, normalized, patterns.Exact);
        }
        foreach (var k in candidates)
        {
            var aliases = k.SemanticAliases;
            for (var i = 0; i < aliases.Count; i++)
            {
                if (live.MatchAny(patterns.Exact, aliases[i])) return Hit(trace, CommandForm.SemanticAlias, aliases[i], patterns.Exact);
            }
        }
        foreach (var k in candidates)
        {
            foreach (var reading in k.AlternateLower)
            {
                if (live.MatchAny(patterns.Lower, reading)) return Hit(trace, CommandForm.AlternateReading, reading, patterns.Lower);
            }
        }
        return false;
    }

    /// <summary>POL-051: case-insensitive substring on the raw text, then on its normalised form when quoting could hide it.</summary>
    /// <param name="live">The rule index's key bits valid for <paramref name="text"/> and its normalised form; needle <c>j</c> is key <paramref name="firstNeedle"/> + <c>j</c>.</param>
    static bool ContainsRestrictive(string[] containsLower, string lower, string text, CommandForms forms, IEvaluationTrace? trace,
        PatternMask live, int firstNeedle)
    {
        if (containsLower.Length == 0) return false;
        var anyLive = false;
        for (var j = 0; j < containsLower.Length; j++)
        {
            if (!live.MayOccur(firstNeedle + j)) continue;
            anyLive = true;
            var needle = containsLower[j];
            if (lower.Contains(needle, StringComparison.Ordinal)) return Contained(trace, CommandForm.Contains, text, needle);
        }
        if (!anyLive) return false;
        if (text.AsSpan().IndexOfAny('\'', '"', '\\') < 0) return false;
        if (string.Equals(forms.Normalized, text, StringComparison.Ordinal)) return false;
        var normalizedLower = forms.NormalizedLower;
        for (var j = 0; j < containsLower.Length; j++)
        {
            if (!live.MayOccur(firstNeedle + j)) continue;
            var needle = containsLower[j];
            if (normalizedLower.Contains(needle, StringComparison.Ordinal)) return Contained(trace, CommandForm.ContainsNormalized, forms.Normalized, needle);
        }
        return false;
    }

    /// <summary>POL-052: component-scoped re-check when a restrictive rule has exclusions.</summary>
    static bool ExclusionRecheck(CallContext ctx, CommandPatterns matches, string[] containsLower, GlobSet notMatches, KnownAnswer rawAnswer)
    {
        var live = ctx.LivePatterns;
        if (!ctx.IsComposite)
        {
            var verdict = Component(ctx, ctx.Command, matches, containsLower, notMatches, LiveFor(ctx, ctx.Command, live), live, rawAnswer);
            return verdict != ComponentVerdict.PositiveNotMatched;
        }
        var anyPositive = false;
        var components = ctx.Components;
        for (var i = 0; i < components.Count; i++)
        {
            var verdict = Component(ctx, components[i], matches, containsLower, notMatches, LiveFor(ctx, components[i], live), live, rawAnswer);
            if (verdict == ComponentVerdict.Matched) return true;
            if (verdict == ComponentVerdict.PositiveNotMatched) anyPositive = true;
        }
        return !anyPositive;
    }

    /// <summary>
    /// The index's live patterns (<paramref name="live"/>) for a component's re-check, or every pattern. They
    /// hold when every spelling the re-check matches the component's patterns against is one the index
    /// marked: the component is then one of the raw command's POL-083 candidates (nothing to trim), whose rm
    /// aliases and derived spellings were marked, and its own candidates are marked too — it is the raw
    /// command itself (the same forms), or plain (it is its only candidate). Exclusions are always checked in full.
    /// </summary>
    static PatternMask LiveFor(CallContext ctx, string component, PatternMask live)
    {
        if (!live.IsActive || component.Length == 0 || char.IsWhiteSpace(component[0]) || char.IsWhiteSpace(component[^1])) return default;
        return string.Equals(component, ctx.Command, StringComparison.Ordinal) || ctx.FormsOf(component).IsPlainText ? live : default;
    }

    enum ComponentVerdict { NoEvidence, PositiveNotMatched, Matched }

    /// <param name="live">The mask valid for this component (<see cref="LiveFor"/>).</param>
    /// <param name="callMask">The mask <paramref name="rawAnswer"/> was computed under.</param>
    static ComponentVerdict Component(CallContext ctx, string component, CommandPatterns matches, string[] containsLower, GlobSet notMatches,
        PatternMask live, PatternMask callMask, KnownAnswer rawAnswer)
    {
        var forms = ctx.FormsOf(component);
        var positive = false;

        // 1. A contains hit; with command_matches also set it ignores exclusions (Upstream quirk, POL-052).
        if (ContainsRestrictive(containsLower, forms.Lower, component, forms, ctx.Trace, live, matches.Count))
        {
            positive = true;
            if (!matches.IsEmpty || !IsExcluded(forms, notMatches, ctx.Trace)) return ComponentVerdict.Matched;
        }

        // 2. Canonical rm operands are judged one by one, so one excluded operand cannot hide another.
        var rm = ctx.CandidateOf(component);
        var aliases = rm.RmAliases;
        var aliasPositive = false;
        for (var i = 0; i < aliases.Count; i++)
        {
            var alias = aliases[i];
            if (!live.MatchAny(matches.Exact, alias)) continue;
            aliasPositive = true;
            if (!notMatches.IsMatchAny(alias))
            {
                ctx.Trace?.CommandHit(CommandForm.CanonicalRm, alias, matches.Exact);
                return ComponentVerdict.Matched;
            }
            ctx.Trace?.CommandHit(CommandForm.Exclusion, alias, notMatches);
        }
        if (rm.RmOverflow && !matches.IsEmpty)
        {
            ctx.Trace?.CommandHit(CommandForm.CanonicalRmOverflow, component, GlobSet.Empty);
            return ComponentVerdict.Matched;
        }
        if (aliasPositive) return ComponentVerdict.PositiveNotMatched;

        // 3. The whole component through every restrictive spelling (for the raw command under the same mask,
        // the answer MatchRestrictive already has).
        var known = rawAnswer != KnownAnswer.Unknown && string.Equals(component, ctx.Command, StringComparison.Ordinal) && live.SameAs(callMask);
        if (known ? rawAnswer == KnownAnswer.Matched : RestrictiveCandidatesMatch(matches, forms, ctx.Trace, live))
        {
            positive = true;
            if (!IsExcluded(forms, notMatches, ctx.Trace)) return ComponentVerdict.Matched;
        }
        return positive ? ComponentVerdict.PositiveNotMatched : ComponentVerdict.NoEvidence;
    }

    /// <summary>POL-052: an exclusion pattern hits a restrictive candidate of the component or its normalised form.</summary>
    static bool IsExcluded(CommandForms forms, GlobSet notMatches, IEvaluationTrace? trace)
    {
        if (notMatches.IsEmpty) return false;
        foreach (var k in forms.Candidates)
        {
            if (notMatches.IsMatchAny(k.Text)) return Hit(trace, CommandForm.Exclusion, k.Text, notMatches);
            var normalized = k.Normalized;
            if (!string.Equals(normalized, k.Text, StringComparison.Ordinal) && notMatches.IsMatchAny(normalized)) return Hit(trace, CommandForm.Exclusion, normalized, notMatches);
        }
        return false;
    }

    /// <summary>POL-050 for allow/watch/webhook rules: every executed component must be covered.</summary>
    public static bool MatchGranting(CallContext ctx, CommandPatterns matches, string[] contains, GlobSet notMatches)
    {
        var fold = ctx.HostCaseFold;
        var raw = ctx.Command;
        var normalized = ctx.Normalized;
        var normalizedDiffers = !string.Equals(normalized, raw, StringComparison.Ordinal);

        var positive = false;
        if (!matches.Composite.IsEmpty && ctx.IsComposite)
        {
            positive = GrantMatch(matches.Composite, matches.CompositeFirstWordLower, raw, fold)
                       || (normalizedDiffers && GrantMatch(matches.Composite, matches.CompositeFirstWordLower, normalized, fold));
        }
        if (positive) ctx.Trace?.CommandHit(CommandForm.Composite, raw, matches.Composite);
        if (!positive)
        {
            var components = ctx.Components;
            if (components.Count == 0) return false;
            for (var i = 0; i < components.Count; i++)
            {
                var component = components[i];
                if (!GrantMatch(matches.Exact, matches.FirstWordLower, component, fold) && !ContainsExact(contains, component)) return false;
                ctx.Trace?.CommandHit(CommandForm.Component, component, matches.Exact);
            }
        }

        if (notMatches.IsEmpty) return true;
        if (!HitsRawNormalizedOrComponent(notMatches, ctx)) return true;
        ctx.Trace?.CommandHit(CommandForm.Exclusion, raw, notMatches);
        return false;
    }

    /// <summary>POL-040 / POL-050 step 4: exclusions on the raw command, the normalised command or any component.</summary>
    public static bool HitsRawNormalizedOrComponent(GlobSet notMatches, CallContext ctx)
    {
        var raw = ctx.Command;
        if (notMatches.IsMatchAny(raw)) return true;
        var normalized = ctx.Normalized;
        if (!string.Equals(normalized, raw, StringComparison.Ordinal) && notMatches.IsMatchAny(normalized)) return true;
        var components = ctx.Components;
        for (var i = 0; i < components.Count; i++)
        {
            if (notMatches.IsMatchAny(components[i])) return true;
        }
        return false;
    }

    /// <summary>POL-053: reports the spelling that decided a match to an explanation.</summary>
    static bool Hit(IEvaluationTrace? trace, CommandForm form, string text, GlobSet patterns)
    {
        trace?.CommandHit(form, text, patterns);
        return true;
    }

    static bool Contained(IEvaluationTrace? trace, CommandForm form, string text, string needle)
    {
        trace?.CommandContains(form, text, needle);
        return true;
    }

    static bool GrantMatch(GlobSet exact, GlobSet firstWordLower, string candidate, bool fold) =>
        exact.IsMatchAny(candidate) || (fold && !firstWordLower.IsEmpty && firstWordLower.IsMatchAny(LowerFirstWord(candidate)));

    static bool ContainsExact(string[] contains, string component)
    {
        foreach (var needle in contains)
        {
            if (needle.Length > 0 && component.Contains(needle, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>POL-054: some assigned variable name matches; then exclusions on the raw and normalised command.</summary>
    public static bool MatchEnvAssignments(CallContext ctx, GlobSet patterns, GlobSet notMatches)
    {
        var matched = false;
        var names = ctx.EnvNames;
        for (var i = 0; i < names.Count; i++)
        {
            if (patterns.IsMatchAny(names[i])) { matched = true; break; }
        }
        if (!matched) return false;
        if (notMatches.IsEmpty) return true;
        var raw = ctx.Command;
        if (notMatches.IsMatchAny(raw)) return false;
        var normalized = ctx.Normalized;
        return string.Equals(normalized, raw, StringComparison.Ordinal) || !notMatches.IsMatchAny(normalized);
    }

    /// <summary>Lower-cases the text up to the first white space (POL-050 host-case rule).</summary>
    public static string LowerFirstWord(string text)
    {
        var end = 0;
        while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
        var word = text.AsSpan(0, end);
        var needsWork = false;
        foreach (var c in word)
        {
            if (char.ToLowerInvariant(c) != c) { needsWork = true; break; }
        }
        return needsWork ? string.Concat(text[..end].ToLowerInvariant(), text.AsSpan(end)) : text;
    }
}
