using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Rampart.Core.Matching;
using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>Which call input a rule is pre-selected by in the rule index.</summary>
internal enum IndexChannel : byte
{
    /// <summary>Always tried.</summary>
    None,
    /// <summary>Every spelling of the command the command fields are matched against.</summary>
    Command,
    /// <summary>The raw url (<c>url_matches</c>).</summary>
    Url,
    /// <summary>The call's domain (<c>domain_matches</c>, POL-061).</summary>
    Domain,
}

/// <summary>
/// A rule's index entry (see <see cref="CompiledCondition.IndexKeys"/>): the channel, and folded literals each
/// tagged with the key they stand for. On the command channel key <c>i &lt; </c><see cref="PatternCount"/> is
/// <c>command_matches</c> pattern <c>i</c> (its exact, lower-cased and first-word-lower-cased spellings) and the
/// keys after it are the <c>command_contains</c> needles; on the url and domain channels key <c>i</c> is pattern <c>i</c>.
/// </summary>
internal sealed record IndexKeys(IndexChannel Channel, (string Literal, int Key)[] Literals, int KeyCount, int PatternCount)
{
    public static readonly IndexKeys AlwaysTry = new(IndexChannel.None, [], 0, 0);
}

/// <summary>
/// A rule's <c>when</c> block with every pattern list precompiled for the semantics of the rule's
/// own action (POL-046): restrictive (deny/ask/invalid) or granting (allow/watch/webhook).
/// </summary>
internal sealed class CompiledCondition
{
    static readonly TimeSpan ResponseMatchTimeout = TimeSpan.FromMilliseconds(100);

    readonly bool _unconditional;
    readonly bool _restrictive;
    readonly bool _hasCommandFields;
    readonly CommandPatterns _commandMatches;
    readonly GlobSet _commandNotMatches;
    readonly string[] _contains;
    readonly string[] _containsLower;
    readonly GlobSet _envAssignments;
    readonly PathGlob[] _pathMatches;
    readonly PathGlob[] _pathNotMatches;
    readonly GlobSet _urlMatches;
    readonly DomainGlob[] _domainMatches;
    readonly AgentDepthRange? _agentDepth;
    readonly ParamPattern[] _params;
    readonly CounterCondition? _callCount;
    readonly GlobSet _sessionMatches;
    readonly GlobSet _sessionNotMatches;
    readonly ResponsePattern[] _responseMatches;
    readonly ResponsePattern[] _responseNotMatches;

    /// <summary>POL-040: the non-command part of the condition for strict durable matching; null when there is none.</summary>
    readonly CompiledCondition? _strictRemainder;
    readonly bool _strictHasRemainder;
    /// <summary>POL-040: without command fields a durable rule is matched with granting semantics, whatever its action.</summary>
    readonly CompiledCondition? _strictGranting;

    public CompiledCondition(Condition when, bool restrictive, bool compileStrict = false)
    {
        _restrictive = restrictive;
        _unconditional = when.Default || IsEmpty(when);
        _hasCommandFields = !when.CommandMatches.IsDefaultOrEmpty || !when.CommandContains.IsDefaultOrEmpty;
        _commandMatches = when.CommandMatches.IsDefaultOrEmpty ? CommandPatterns.Empty : new CommandPatterns(when.CommandMatches);
        _commandNotMatches = Set(when.CommandNotMatches);
        _contains = when.CommandContains.IsDefaultOrEmpty ? [] : [.. when.CommandContains];
        _containsLower = new string[_contains.Length];
        for (var i = 0; i < _contains.Length; i++) _containsLower[i] = _contains[i].ToLowerInvariant();
        _envAssignments = Set(when.CommandEnvAssignments);
        _pathMatches = Paths(when.PathMatches);
        _pathNotMatches = Paths(when.PathNotMatches);
        _urlMatches = Set(when.UrlMatches);
        _domainMatches = Domains(when.DomainMatches);
        _agentDepth = when.AgentDepth;
        _params = Params(when.ToolParamMatches);
        _callCount = when.CallCount is { } cc ? CounterCondition.From(cc) : null;
        _sessionMatches = Set(when.SessionMatches);
        _sessionNotMatches = Set(when.SessionNotMatches);
        _responseMatches = Regexes(when.ResponseMatches);
        _responseNotMatches = Regexes(when.ResponseNotMatches);

        if (compileStrict && restrictive && !_unconditional && !_hasCommandFields && _envAssignments.IsEmpty)
        {
            _strictGranting = new CompiledCondition(when, restrictive: false);
        }
        if (compileStrict && !_unconditional && (_hasCommandFields || !_envAssignments.IsEmpty))
        {
            var remainder = when with
            {
                CommandMatches = [],
                CommandNotMatches = [],
                CommandContains = [],
                CommandEnvAssignments = [],
            };
            _strictHasRemainder = !IsEmpty(remainder);
            _strictRemainder = _strictHasRemainder ? new CompiledCondition(remainder, restrictive: false) : null;
        }
    }

    public bool HasResponseMatches => _responseMatches.Length > 0;

    /// <summary>Compiled for a deny, ask or invalid action (POL-046 restrictive semantics).</summary>
    internal bool IsRestrictive => _restrictive;

    /// <summary><c>default: true</c> or an empty condition: fires without reading any field.</summary>
    internal bool IsUnconditional => _unconditional;

    /// <summary>
    /// No field that can make the condition fire on a request is present (only exclusions, <c>response_*</c>
    /// or <c>session_not_matches</c>): <see cref="Matches"/> is false for every call (POL-047 step 11), so the
    /// rule index never walks it. Response scanning (POL-045) does not go through the index.
    /// </summary>
    internal bool NeverFiresOnRequest =>
        !_unconditional && !_hasCommandFields && _envAssignments.IsEmpty && _pathMatches.Length == 0 && _urlMatches.IsEmpty &&
        _domainMatches.Length == 0 && _agentDepth is null && _params.Length == 0 && _callCount is null && _sessionMatches.IsEmpty;

    /// <summary>The compiled <c>path_matches</c> (what <see cref="PathIndex"/> numbers; empty when absent).</summary>
    internal PathGlob[] PathMatches => _pathMatches;

    /// <summary>The compiled <c>path_not_matches</c>.</summary>
    internal PathGlob[] PathNotMatches => _pathNotMatches;

    /// <summary>
    /// What the rule index (<see cref="RuleIndex"/>) may key this condition on: a field the condition
    /// requires (every present field must match, POL-047) and literals one of which occurs, folded, in
    /// some spelling that field is matched against whenever it matches. <see cref="IndexChannel.None"/>
    /// means the rule is always tried: unconditional rules, and rules whose required fields all have a
    /// pattern without literal text (<c>*</c>), an empty <c>command_contains</c> needle (which matches
    /// everything), or no index channel (sessions, parameters …). Exclusions
    /// (<c>*_not_matches</c>) never make a rule fire on their own (POL-047 step 11), so they do not
    /// widen the keys; they only decide among the candidates. A rule left at <see cref="IndexChannel.None"/>
    /// with <c>path_matches</c> is keyed on its paths by <see cref="RuleIndex"/> (<see cref="PathIndex"/>).
    /// </summary>
    public IndexKeys IndexKeys => _indexKeys ??= ComputeIndexKeys();

    IndexKeys? _indexKeys;

    IndexKeys ComputeIndexKeys()
    {
        if (_unconditional) return IndexKeys.AlwaysTry;
        if (_hasCommandFields)
        {
            var literals = new List<(string, int)>();
            var patterns = _commandMatches.Count;
            if (AddLiterals(literals, _commandMatches.Exact) && AddLiterals(literals, _commandMatches.Lower) &&
                AddLiterals(literals, _commandMatches.FirstWordLower) && AddNeedles(literals, _contains, patterns) &&
                AddNeedles(literals, _containsLower, patterns))
            {
                return new IndexKeys(IndexChannel.Command, [.. literals], patterns + _contains.Length, patterns);
            }
        }
        if (!_urlMatches.IsEmpty)
        {
            var literals = new List<(string, int)>();
            if (AddLiterals(literals, _urlMatches)) return new IndexKeys(IndexChannel.Url, [.. literals], _urlMatches.Count, _urlMatches.Count);
        }
        if (_domainMatches.Length > 0)
        {
            var literals = new List<(string, int)>();
            var keyable = true;
            for (var i = 0; i < _domainMatches.Length; i++)
            {
                if (_domainMatches[i].RequiredLiteral is { } literal && !AddFolded(literals, literal, i)) { keyable = false; break; }
            }
            if (keyable) return new IndexKeys(IndexChannel.Domain, [.. literals], _domainMatches.Length, _domainMatches.Length);
        }
        return IndexKeys.AlwaysTry;
    }

    /// <summary>False when some pattern that can match has no usable literal. Pattern <c>i</c> is key <c>i</c>.</summary>
    static bool AddLiterals(List<(string, int)> into, GlobSet set)
    {
        var patterns = set.Patterns;
        for (var i = 0; i < patterns.Count; i++)
        {
            var literal = patterns[i].RequiredLiteral;
            if (literal is null) continue; // matches nothing
            if (!AddFolded(into, literal, i)) return false;
        }
        return true;
    }

    /// <summary>Needle <c>j</c> is key <paramref name="first"/> + <c>j</c>.</summary>
    static bool AddNeedles(List<(string, int)> into, string[] needles, int first)
    {
        for (var j = 0; j < needles.Length; j++)
        {
            if (!AddFolded(into, needles[j], first + j)) return false;
        }
        return true;
    }

    static bool AddFolded(List<(string, int)> into, string literal, int key)
    {
        var folded = LiteralAutomaton.FoldLiteral(literal);
        if (folded.Length == 0) return false;
        if (!into.Contains((folded, key))) into.Add((folded, key));
        return true;
    }

    /// <summary>POL-047 (request evaluation; <c>response_*</c> are ignored).</summary>
    /// <remarks>Keep <see cref="IndexKeys"/> and <see cref="RuleIndex"/>'s spellings in step with what this reads.</remarks>
    public bool Matches(CallContext ctx)
    {
        if (_unconditional) return Note(ctx, ConditionField.Default, true);
        var positive = false;

        if (_hasCommandFields)
        {
            if (ctx.Command.Length == 0) return Note(ctx, ConditionField.Command, false);
            var ok = _restrictive
                ? CommandConditions.MatchRestrictive(ctx, _commandMatches, _containsLower, _commandNotMatches)
                : CommandConditions.MatchGranting(ctx, _commandMatches, _contains, _commandNotMatches);
            if (!Note(ctx, ConditionField.Command, ok)) return false;
            positive = true;
        }
        if (!_envAssignments.IsEmpty)
        {
            if (!Note(ctx, ConditionField.CommandEnvAssignments, ctx.Command.Length > 0 && CommandConditions.MatchEnvAssignments(ctx, _envAssignments, _commandNotMatches))) return false;
            positive = true;
        }
        if (_pathMatches.Length > 0)
        {
            if (!Note(ctx, ConditionField.Path, PathConditions.Match(ctx, _pathMatches, _pathNotMatches, _restrictive))) return false;
            positive = true;
        }
        if (!_urlMatches.IsEmpty)
        {
            if (!Note(ctx, ConditionField.Url, UrlConditions.MatchUrl(ctx, _urlMatches))) return false;
            positive = true;
        }
        if (_domainMatches.Length > 0)
        {
            if (!Note(ctx, ConditionField.Domain, UrlConditions.MatchDomain(ctx, _domainMatches))) return false;
            positive = true;
        }
        if (_agentDepth is { } depth)
        {
            if (!Note(ctx, ConditionField.AgentDepth, SessionConditions.MatchDepth(ctx, depth))) return false;
            positive = true;
        }
        if (_params.Length > 0)
        {
            if (!Note(ctx, ConditionField.ToolParamMatches, ParamConditions.Match(ctx, _params))) return false;
            positive = true;
        }
        if (_callCount is { } count)
        {
            if (!Note(ctx, ConditionField.CallCount, CounterConditions.Match(ctx, count))) return false;
            positive = true;
        }
        if (!_sessionMatches.IsEmpty)
        {
            if (!Note(ctx, ConditionField.SessionMatches, SessionConditions.MatchSession(ctx, _sessionMatches))) return false;
            positive = true;
        }
        if (!_sessionNotMatches.IsEmpty && !Note(ctx, ConditionField.SessionNotMatches, SessionConditions.NotMatchSession(ctx, _sessionNotMatches))) return false;

        // POL-047 step 11: negative-only conditions never fire (Upstream quirk).
        return positive;
    }

    /// <summary>POL-053: reports a field's outcome to an explanation; a null check otherwise.</summary>
    static bool Note(CallContext ctx, ConditionField field, bool matched)
    {
        ctx.Trace?.Field(field, matched);
        return matched;
    }

    /// <summary>POL-040: strict matching for durable-allow policies (compiled with <c>compileStrict</c>).</summary>
    public bool MatchesStrict(CallContext ctx)
    {
        if (_unconditional) return true;
        if (!_hasCommandFields && _envAssignments.IsEmpty) return (_strictGranting ?? this).Matches(ctx);
        if (ctx.Command.Length == 0) return false;

        var granted = (_hasCommandFields && CommandConditions.MatchGranting(ctx, _commandMatches, _contains, _commandNotMatches))
                      || (!_envAssignments.IsEmpty && CommandConditions.MatchEnvAssignments(ctx, _envAssignments, _commandNotMatches));
        if (!granted) return false;
        if (!_commandNotMatches.IsEmpty &&
            CommandConditions.HitsRawNormalizedOrComponent(_commandNotMatches, ctx)) return false;

        // The remainder is evaluated as a condition of its own (granting), so a remainder made of
        // exclusions only does not fire — the same rule POL-047 step 11 applies everywhere.
        return !_strictHasRemainder || _strictRemainder!.Matches(ctx);
    }

    /// <summary>POL-045 step 4; every other field is ignored.</summary>
    public bool MatchesResponse(string response) =>
        ResponseConditions.Match(response, _responseMatches, _responseNotMatches);

    static bool IsEmpty(Condition c) =>
        c.CommandMatches.IsDefaultOrEmpty && c.CommandNotMatches.IsDefaultOrEmpty && c.CommandContains.IsDefaultOrEmpty &&
        c.CommandEnvAssignments.IsDefaultOrEmpty && c.PathMatches.IsDefaultOrEmpty && c.PathNotMatches.IsDefaultOrEmpty &&
        c.UrlMatches.IsDefaultOrEmpty && c.DomainMatches.IsDefaultOrEmpty && c.SessionMatches.IsDefaultOrEmpty &&
        c.SessionNotMatches.IsDefaultOrEmpty && c.ResponseMatches.IsDefaultOrEmpty && c.ResponseNotMatches.IsDefaultOrEmpty &&
        c.AgentDepth is null && c.ToolParamMatches.IsDefaultOrEmpty && c.CallCount is null;

    static GlobSet Set(ImmutableArray<string> patterns) =>
        patterns.IsDefaultOrEmpty ? GlobSet.Empty : GlobSet.Compile(patterns);

    static PathGlob[] Paths(ImmutableArray<string> patterns)
    {
        if (patterns.IsDefaultOrEmpty) return [];
        var result = new PathGlob[patterns.Length];
        for (var i = 0; i < result.Length; i++) result[i] = PathGlob.Compile(patterns[i]);
        return result;
    }

    static DomainGlob[] Domains(ImmutableArray<string> patterns)
    {
        if (patterns.IsDefaultOrEmpty) return [];
        var result = new DomainGlob[patterns.Length];
        for (var i = 0; i < result.Length; i++) result[i] = DomainGlob.Compile(patterns[i]);
        return result;
    }

    static ParamPattern[] Params(ImmutableArray<KeyValuePair<string, string>> entries)
    {
        if (entries.IsDefaultOrEmpty) return [];
        var result = new ParamPattern[entries.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new ParamPattern(entries[i].Key, GlobPattern.Compile(entries[i].Value.ToLowerInvariant()));
        }
        return result;
    }

    static ResponsePattern[] Regexes(ImmutableArray<string> patterns)
    {
        if (patterns.IsDefaultOrEmpty) return [];
        var result = new ResponsePattern[patterns.Length];
        for (var i = 0; i < result.Length; i++)
        {
            // Validation (POL-021) happened at load; a failure here means the loader let something
            // through (a model built in code, not from YAML). The matcher itself is built lazily.
            if (!Re2Regex.TryValidate(patterns[i], out var error))
                throw new PolicyLoadException("engine: invalid response regex \"" + patterns[i] + "\": " + error);
            result[i] = new ResponsePattern(patterns[i], ResponseMatchTimeout);
        }
        return result;
    }
}
