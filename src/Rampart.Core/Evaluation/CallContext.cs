using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation;

/// <summary>
/// Everything one evaluation derives from its call, computed at most once and shared by every rule
/// that asks (accessors eagerly — the size check needs them — shell analysis, candidates and path
/// spellings lazily). Rented per evaluation from a per-thread slot and reset, so the hot path does
/// not allocate it; never shared between threads, and nothing a decision carries points into it.
/// </summary>
internal sealed class CallContext
{
    [ThreadStatic] static CallContext? t_free;

    // Caches that grew past this on one huge command are dropped instead of kept for the thread's life.
    const int MaxRetainedEntries = 64;

    static readonly string[] NoStrings = [];

    readonly string[] _plainComponents = new string[1];
    readonly List<string> _pathCandidateList = new(3);
    readonly CommandForms _rawForms;
    readonly CandidateForms _rawCandidate;
    // The raw command's POL-082 analysis and POL-083 candidate texts, refilled per call.
    readonly CommandShape _shape = new();
    List<string> _rawCandidateTexts = [];
    bool _analysed;
    // Per-call forms of components and candidates, found by text (a linear search while there are few).
    readonly TextKeyed<CommandForms> _forms;
    readonly TextKeyed<CandidateForms> _candidates;

    CallContext()
    {
        _rawForms = new CommandForms(this);
        _rawCandidate = new CandidateForms();
        _forms = new TextKeyed<CommandForms>(this, static ctx => new CommandForms(ctx));
        _candidates = new TextKeyed<CandidateForms>(this, static _ => new CandidateForms());
    }

    /// <summary>A reset context for <paramref name="call"/>; hand it back with <see cref="Return"/>.</summary>
    public static CallContext Rent(ToolCall call, DateTimeOffset now, CallCounter? counter)
    {
        var ctx = t_free ?? new CallContext();
        t_free = null;
        ctx.Reset(call, now, counter);
        return ctx;
    }

    public static void Return(CallContext ctx)
    {
        ctx.Clear();
        t_free = ctx;
    }

    void Reset(ToolCall call, DateTimeOffset now, CallCounter? counter)
    {
        Call = call;
        Now = now;
        Counter = counter;
        // Decoded once per ToolCall instance and memoized on it (CallInputs.Decode).
        var inputs = CallInputs.Decode(call);
        ToolClass = inputs.ToolClass;
        Command = inputs.Command;
        Path = inputs.Path;
        Url = inputs.Url;
        Domain = inputs.Domain;
        Workdir = inputs.Workdir;
    }

    void Clear()
    {
        Call = null!;
        Counter = null;
        Trace = null;
        Command = Path = Url = Domain = Workdir = ToolClass = "";
        _plain = PlainState.Unknown;
        _livePatterns = -1;
        _plainComponents[0] = null!;
        if (_analysed)
        {
            _shape.Clear();
            if (_rawCandidateTexts.Capacity > MaxRetainedEntries) _rawCandidateTexts = [];
            else _rawCandidateTexts.Clear();
            _analysed = false;
        }
        _commandLower = null;
        _normalizedRaw = null;
        _normalizedLower = null;
        _envNames = null;
        _pathCandidates = null;
        _pathsLexical = false;
        _pathCandidateList.Clear();
        PathIndex = null;
        LivePaths = null;
        _pathMarks?.Clear();
        _hostCaseFold = null;
        _rawForms.Clear();
        _rawCandidate.Clear();
        _forms.Clear();
        _candidates.Clear();
        Drop(ref _paramTextLower);
    }

    static void Drop<T>(ref Dictionary<string, T>? cache)
    {
        if (cache is null) return;
        if (cache.Count > MaxRetainedEntries) cache = null;
        else cache.Clear();
    }

    public ToolCall Call { get; private set; } = null!;
    public DateTimeOffset Now { get; private set; }
    public CallCounter? Counter { get; private set; }
    public string ToolClass { get; private set; } = "";
    public string Command { get; private set; } = "";
    public string Path { get; private set; } = "";
    public string Url { get; private set; } = "";
    public string Domain { get; private set; } = "";
    public string Workdir { get; private set; } = "";

    /// <summary>Explanation sink (POL-053); null except under <see cref="CompiledPolicySet.Explain"/>.</summary>
    public IEvaluationTrace? Trace { get; set; }

    enum PlainState : byte { Unknown, Plain, PlainRm, Shell }

    PlainState _plain;
    string? _commandLower;
    string? _normalizedRaw;
    string? _normalizedLower;
    IReadOnlyList<string>? _envNames;
    IReadOnlyList<string>? _pathCandidates;
    bool? _hostCaseFold;
    Dictionary<string, string>? _paramTextLower;

    PlainState Plain
    {
        get
        {
            if (_plain == PlainState.Unknown)
            {
                _plain = PlainCommand.Classify(Command) switch
                {
                    PlainKind.Plain => PlainState.Plain,
                    PlainKind.PlainRm => PlainState.PlainRm,
                    _ => PlainState.Shell,
                };
            }
            return _plain;
        }
    }

    /// <summary>The command is its own normalised form, only component and only candidate, without aliases (see <see cref="PlainCommand"/>).</summary>
    public bool IsPlainCommand => Plain == PlainState.Plain;

    /// <summary>
    /// <see cref="IsPlainCommand"/>, or a plain <c>rm</c>/<c>find</c> command: its own normalised form, only
    /// component and only candidate, which may have canonical rm aliases (<see cref="PlainKind.PlainRm"/>).
    /// </summary>
    public bool IsPlainText => Plain != PlainState.Shell;

    /// <summary>POL-082 analysis of the raw command (only computed for commands that are not plain).</summary>
    CommandShape Analysis
    {
        get
        {
            if (!_analysed)
            {
                _shape.Fill(Command);
                _analysed = true;
            }
            return _shape;
        }
    }

    /// <summary>POL-082: Normalize(raw), or raw when that is empty.</summary>
    public string Normalized => IsPlainText ? Command : Analysis.Normalized;

    /// <summary>POL-082: more than one segment or an embedded command.</summary>
    public bool IsComposite => !IsPlainText && Analysis.IsComposite;

    /// <summary>POL-082: the executed components granting rules must all cover (iterate by index).</summary>
    public IReadOnlyList<string> Components
    {
        get
        {
            if (!IsPlainText) return Analysis.Components;
            _plainComponents[0] = Command;
            return _plainComponents;
        }
    }

    /// <summary>POL-083 step 1 candidates of the raw command, reusing its analysis.</summary>
    internal IReadOnlyList<string> RawRestrictiveCandidates()
    {
        var shape = Analysis;
        // Asked once per call (CommandForms keeps the result).
        _rawCandidateTexts.Clear();
        ShellForms.AddRestrictiveCandidates(Command, shape.Components, _rawCandidateTexts);
        return _rawCandidateTexts;
    }

    public string CommandLower => _commandLower ??= ShellWords.LowerInvariant(Command);

    /// <summary>ShellText.Normalize(raw): "" when the command normalises to nothing (unlike <see cref="Normalized"/>).</summary>
    /// <remarks>The analysis already normalised the command.</remarks>
    public string NormalizedRaw => _normalizedRaw ??=
        IsPlainText ? Command : Analysis.NormalizesToNothing ? "" : Analysis.Normalized;

    /// <summary>POL-051: lower-cased Normalize(raw) (the §8.5 form, "" when it normalises to nothing).</summary>
    public string NormalizedLower => _normalizedLower ??= IsPlainText ? CommandLower : ShellWords.LowerInvariant(NormalizedRaw);

    /// <summary>POL-091 assigned variable names of the command (iterate by index).</summary>
    public IReadOnlyList<string> EnvNames =>
        _envNames ??= IsPlainText ? NoStrings : ShellForms.EnvAssignmentNames(Command);

    ulong[] _indexMarks = [];
    int _livePatterns = -1;

    /// <summary>The per-thread buffer <see cref="RuleIndex.TryMark"/> marks into (contents undefined).</summary>
    internal Span<ulong> IndexMarks(int words)
    {
        if (_indexMarks.Length < words) _indexMarks = new ulong[Math.Max(words, 2 * _indexMarks.Length)];
        return _indexMarks.AsSpan(0, words);
    }

    /// <summary>
    /// While an indexed walk evaluates a rule keyed on the command: the bit of its first pattern key in
    /// <see cref="IndexMarks"/> (see <see cref="RuleIndex.PatternsOf"/>); -1 otherwise.
    /// </summary>
    internal int LivePatternBit
    {
        set => _livePatterns = value;
    }

    /// <summary>The <c>command_matches</c> patterns of the rule being evaluated whose literal occurs in some spelling.</summary>
    internal Conditions.PatternMask LivePatterns => _livePatterns < 0 ? default : new(_indexMarks, _livePatterns);

    Conditions.PathCandidateMarks? _pathMarks;

    /// <summary>The path part of the rule index the walk uses (set by <see cref="RuleIndex.TryMark"/>), or null.</summary>
    internal Conditions.PathIndex? PathIndex { get; set; }

    /// <summary>
    /// While an indexed walk evaluates a rule with path lists: the lists as numbered in <see cref="PathIndex"/>
    /// (<see cref="RuleIndex.PathsOf"/>); null otherwise (every pattern list is then matched on its own).
    /// </summary>
    internal Conditions.PathRuleLists? LivePaths { get; set; }

    /// <summary>The candidates' spellings and <see cref="PathIndex"/> marks of this evaluation (filled on first use).</summary>
    internal Conditions.PathCandidateMarks PathMarks => _pathMarks ??= new Conditions.PathCandidateMarks();

    bool _pathsLexical;

    /// <summary>
    /// The candidates are still the lexical ones (<see cref="DeferPathResolution"/>): the POL-065 disk check has not run.
    /// Only an indexed walk sets this, and it calls <see cref="ResolvePathCandidates"/> before any answer could depend on it.
    /// </summary>
    internal bool PathsAreLexical => _pathsLexical;

    /// <summary>
    /// Makes <see cref="PathCandidates"/> the lexical candidates only (POL-066 without the resolved one), when nothing has
    /// computed them yet and there is a path. True when deferred. See <see cref="RuleIndex"/> for why this is exact.
    /// </summary>
    internal bool DeferPathResolution()
    {
        if (_pathCandidates is not null || Path.Length == 0) return false;
        PathNames.AddLexicalCandidates(Path, Workdir, _pathCandidateList);
        _pathCandidates = _pathCandidateList;
        _pathsLexical = true;
        return true;
    }

    /// <summary>
    /// Ends a deferral: resolves on disk (POL-065) and completes the candidates to exactly the eager list. True when the
    /// resolved path is a new candidate (the per-candidate marks are then dropped, to be refilled for the full list).
    /// </summary>
    internal bool ResolvePathCandidates()
    {
        if (!_pathsLexical) return false;
        _pathsLexical = false;
        if (!PathNames.AddResolvedCandidate(_pathCandidateList)) return false;
        _pathMarks?.Clear();
        return true;
    }

    /// <summary>POL-066 path candidates (empty when there is no path; iterate by index).</summary>
    public IReadOnlyList<string> PathCandidates
    {
        get
        {
            if (_pathCandidates is null)
            {
                // Filled into this context's own list (cleared on return), so the path route allocates no list.
                PathNames.AddCandidates(Path, Workdir, _pathCandidateList);
                _pathCandidates = _pathCandidateList;
            }
            return _pathCandidates;
        }
    }

    /// <summary>POL-050 host-case rule: the raw command's first word is a cmd.exe or PowerShell wrapper.</summary>
    public bool HostCaseFold =>
        _hostCaseFold ??= !IsPlainText && ShellText.WrapperDialect(Command) is ShellDialect.Cmd or ShellDialect.PowerShell;

    /// <summary>Restrictive forms of the raw command or of one of its components (cached by text).</summary>
    public CommandForms FormsOf(string command)
    {
        if (string.Equals(command, Command, StringComparison.Ordinal))
        {
            if (!_rawForms.IsSet) _rawForms.SetRaw(Command, IsPlainText);
            return _rawForms;
        }
        if (!_forms.TryGet(command, out var forms))
        {
            forms = _forms.Add(command);
            forms.SetComponent(command);
        }
        return forms;
    }

    public CandidateForms CandidateOf(string candidate)
    {
        if (IsPlainText && string.Equals(candidate, Command, StringComparison.Ordinal))
        {
            if (!_rawCandidate.IsSet) _rawCandidate.SetPlain(Command, withRmAliases: !IsPlainCommand);
            return _rawCandidate;
        }
        if (!_candidates.TryGet(candidate, out var forms))
        {
            forms = _candidates.Add(candidate);
            if (string.Equals(candidate, Command, StringComparison.Ordinal))
            {
                // The raw command of a call that is not plain (Plain says so already); both are ShellText.Normalize of it.
                forms.Set(candidate);
                forms.SetNormalized(NormalizedRaw);
            }
            else
            {
                // A plain component or body form (often the inside of `$(…)`) needs no analysis either.
                var kind = PlainCommand.Classify(candidate);
                if (kind != PlainKind.Shell) forms.SetPlain(candidate, withRmAliases: kind == PlainKind.PlainRm);
                else forms.Set(candidate);
            }
        }
        return forms;
    }

    /// <summary>POL-047 step 8: lower-cased text form (POL-007) of an <c>input</c> parameter, or null when absent.</summary>
    public string? ParamTextLower(string key)
    {
        if (Call.Input is not { } input || !input.TryGetValue(key, out var value)) return null;
        _paramTextLower ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (!_paramTextLower.TryGetValue(key, out var text))
        {
            text = ParamText.Format(value).ToLowerInvariant();
            _paramTextLower[key] = text;
        }
        return text;
    }
}

/// <summary>A command (raw or one executed component) with its POL-083 step-1 candidate list.</summary>
internal sealed class CommandForms(CallContext context) : ITextForms
{
    // Arrays up to this long are kept for the next call's candidate list (forms objects are pooled per thread).
    const int MaxSpareCandidates = 8;

    CandidateForms[]? _candidates;
    // The previous call's candidate array, reused when the next list has its length (no allocation per call).
    CandidateForms[]? _spare;
    readonly CandidateForms[] _plainCandidates = new CandidateForms[1];
    bool _isRaw;
    bool _plain;
    string? _normalized;
    string? _lower;
    string? _normalizedLower;

    public string Text { get; private set; } = "";

    internal bool IsSet { get; private set; }

    /// <summary>The text is plain (PlainCommand): its own only candidate and normalised form.</summary>
    internal bool IsPlainText => _plain;

    internal void SetRaw(string text, bool plain)
    {
        Text = text;
        _isRaw = true;
        _plain = plain;
        IsSet = true;
    }

    internal void SetComponent(string text)
    {
        Text = text;
        _plain = PlainCommand.Classify(text) != PlainKind.Shell;
        IsSet = true;
    }

    public void Clear()
    {
        Text = "";
        IsSet = _isRaw = _plain = false;
        if (_candidates is { Length: <= MaxSpareCandidates } used && !ReferenceEquals(used, _plainCandidates))
        {
            Array.Clear(used);
            _spare = used;
        }
        _candidates = null;
        _plainCandidates[0] = null!;
        _normalized = _lower = _normalizedLower = null;
    }

    public string Normalized => _normalized ??= _isRaw ? context.NormalizedRaw : _plain ? Text : ShellText.Normalize(Text);

    public string Lower => _lower ??= _isRaw ? context.CommandLower : ShellWords.LowerInvariant(Text);

    public string NormalizedLower => _normalizedLower ??= _isRaw ? context.NormalizedLower : ShellWords.LowerInvariant(Normalized);

    public CandidateForms[] Candidates
    {
        get
        {
            if (_candidates is null)
            {
                if (_plain)
                {
                    // A plain command (or plain rm/find command) is its own only candidate (PlainCommand).
                    _plainCandidates[0] = context.CandidateOf(Text);
                    _candidates = _plainCandidates;
                }
                else
                {
                    var list = _isRaw ? context.RawRestrictiveCandidates() : ShellForms.RestrictiveCandidates(Text);
                    var result = _spare is { } spare && spare.Length == list.Count ? spare : new CandidateForms[list.Count];
                    _spare = null;
                    for (var i = 0; i < result.Length; i++) result[i] = context.CandidateOf(list[i]);
                    _candidates = result;
                }
            }
            return _candidates;
        }
    }
}

/// <summary>One restrictive candidate with its lazily derived spellings (POL-083 step 2).</summary>
internal sealed class CandidateForms : ITextForms
{
    static readonly string[] NoStrings = [];

    IReadOnlyList<string>? _rmAliases;
    bool _rmOverflow;
    bool _plainRm;
    string? _normalized;
    IReadOnlyList<string>? _semantic;
    string[]? _alternateLower;

    public string Text { get; private set; } = "";

    internal bool IsSet { get; private set; }

    internal void Set(string text)
    {
        Text = text;
        IsSet = true;
    }

    /// <summary>
    /// A plain command (PlainCommand) has no aliases, no alternate readings and is its own normalised form;
    /// a plain rm/find command the same, except that its canonical rm aliases are still computed (POL-088..090).
    /// </summary>
    internal void SetPlain(string text, bool withRmAliases)
    {
        Set(text);
        _plainRm = withRmAliases;
        if (!withRmAliases) _rmAliases = NoStrings;
        _normalized = text;
        _semantic = NoStrings;
        _alternateLower = NoStrings;
    }

    internal void SetNormalized(string normalized) => _normalized = normalized;

    public void Clear()
    {
        Text = "";
        IsSet = false;
        _rmAliases = null;
        _rmOverflow = _plainRm = false;
        _normalized = null;
        _semantic = null;
        _alternateLower = null;
    }

    /// <summary>POL-088..090 aliases (iterate by index).</summary>
    public IReadOnlyList<string> RmAliases
    {
        get
        {
            _rmAliases ??= _plainRm ? ShellRmAliases.OfPlain(Text, out _rmOverflow) : ShellForms.CanonicalRmAliases(Text, out _rmOverflow);
            return _rmAliases;
        }
    }

    public bool RmOverflow
    {
        get
        {
            _ = RmAliases;
            return _rmOverflow;
        }
    }

    public string Normalized => _normalized ??= ShellText.Normalize(Text);

    /// <summary>POL-085 aliases (iterate by index).</summary>
    public IReadOnlyList<string> SemanticAliases => _semantic ??= ShellForms.SemanticAliases(Text);

    /// <summary>POL-086 readings, lower-cased (they always compare case-insensitively).</summary>
    public string[] AlternateLower
    {
        get
        {
            if (_alternateLower is null)
            {
                var list = ShellForms.AlternateReadings(Text);
                var result = list.Count == 0 ? NoStrings : new string[list.Count];
                for (var i = 0; i < result.Length; i++) result[i] = ShellWords.LowerInvariant(list[i]);
                _alternateLower = result;
            }
            return _alternateLower;
        }
    }
}

/// <summary>Per-call objects found by their text; a linear search while there are few, then a dictionary. The objects are kept for reuse.</summary>
internal sealed class TextKeyed<T>(CallContext context, Func<CallContext, T> create) where T : class, ITextForms
{
    const int LinearLimit = 8;
    // Objects beyond this many are dropped when the call ends instead of kept for the thread's life.
    const int MaxRetained = 64;

    readonly List<T> _pool = [];
    int _used;
    Dictionary<string, T>? _byText;

    public bool TryGet(string text, out T found)
    {
        if (_byText is not null) return _byText.TryGetValue(text, out found!);
        for (var i = 0; i < _used; i++)
        {
            var item = _pool[i];
            if (string.Equals(item.Text, text, StringComparison.Ordinal))
            {
                found = item;
                return true;
            }
        }
        found = null!;
        return false;
    }

    /// <summary>A cleared object for <paramref name="text"/>, which the caller sets (its <c>Text</c> must become <paramref name="text"/>).</summary>
    public T Add(string text)
    {
        if (_used == _pool.Count) _pool.Add(create(context));
        var item = _pool[_used++];
        if (_byText is not null)
        {
            _byText[text] = item;
        }
        else if (_used > LinearLimit)
        {
            _byText = new Dictionary<string, T>(StringComparer.Ordinal);
            for (var i = 0; i < _used - 1; i++) _byText[_pool[i].Text] = _pool[i];
            _byText[text] = item;
        }
        return item;
    }

    public void Clear()
    {
        for (var i = 0; i < _used; i++) _pool[i].Clear();
        _used = 0;
        _byText = null;
        if (_pool.Count > MaxRetained) _pool.RemoveRange(MaxRetained, _pool.Count - MaxRetained);
    }
}

/// <summary>Forms of one text, reset between calls.</summary>
internal interface ITextForms
{
    string Text { get; }
    void Clear();
}
