using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation;

/// <summary>
/// Everything one evaluation derives from its call, computed at most once and shared by every rule
/// that asks (accessors eagerly — the size check needs them — shell analysis, candidates and path
/// spellings lazily). One instance per evaluation; never shared between threads.
/// </summary>
internal sealed class CallContext
{
    public CallContext(ToolCall call, DateTimeOffset now, CallCounter? counter)
    {
        Call = call;
        Now = now;
        Counter = counter;
        var toolClass = CallInputs.ToolClass(call.Tool);
        ToolClass = toolClass;
        Command = CallInputs.Command(call, toolClass);
        Path = CallInputs.Path(call, toolClass);
        Url = CallInputs.Url(call, toolClass);
        Domain = CallInputs.Domain(call, Url);
        Workdir = CallInputs.Workdir(call);
    }

    public ToolCall Call { get; }
    public DateTimeOffset Now { get; }
    public CallCounter? Counter { get; }
    public string ToolClass { get; }
    public string Command { get; }
    public string Path { get; }
    public string Url { get; }
    public string Domain { get; }
    public string Workdir { get; }

    /// <summary>Explanation sink (POL-053); null except under <see cref="CompiledPolicySet.Explain"/>.</summary>
    public IEvaluationTrace? Trace { get; set; }

    CommandAnalysis? _analysis;
    string? _commandLower;
    string? _normalizedLower;
    IReadOnlyList<string>? _envNames;
    IReadOnlyList<string>? _pathCandidates;
    bool? _hostCaseFold;
    Dictionary<string, CommandForms>? _forms;
    Dictionary<string, CandidateForms>? _candidates;
    Dictionary<string, string>? _paramTextLower;

    /// <summary>POL-082 analysis of the raw command.</summary>
    public CommandAnalysis Analysis => _analysis ??= CommandAnalysis.Of(Command);

    public string CommandLower => _commandLower ??= Command.ToLowerInvariant();

    /// <summary>POL-051: lower-cased Normalize(raw) (the §8.5 form, "" when it normalises to nothing).</summary>
    public string NormalizedLower => _normalizedLower ??= ShellText.Normalize(Command).ToLowerInvariant();

    /// <summary>POL-091 assigned variable names of the command.</summary>
    public IReadOnlyList<string> EnvNames => _envNames ??= ShellForms.EnvAssignmentNames(Command);

    /// <summary>POL-066 path candidates (empty when there is no path).</summary>
    public IReadOnlyList<string> PathCandidates =>
        _pathCandidates ??= Path.Length == 0 ? [] : PathNames.Candidates(Path, Workdir);

    /// <summary>POL-050 host-case rule: the raw command's first word is a cmd.exe or PowerShell wrapper.</summary>
    public bool HostCaseFold => _hostCaseFold ??= ShellText.WrapperDialect(Command) is ShellDialect.Cmd or ShellDialect.PowerShell;

    /// <summary>Restrictive forms of the raw command or of one of its components (cached by text).</summary>
    public CommandForms FormsOf(string command)
    {
        _forms ??= new Dictionary<string, CommandForms>(StringComparer.Ordinal);
        if (!_forms.TryGetValue(command, out var forms))
        {
            forms = new CommandForms(this, command);
            _forms[command] = forms;
        }
        return forms;
    }

    public CandidateForms CandidateOf(string candidate)
    {
        _candidates ??= new Dictionary<string, CandidateForms>(StringComparer.Ordinal);
        if (!_candidates.TryGetValue(candidate, out var forms))
        {
            forms = new CandidateForms(candidate);
            _candidates[candidate] = forms;
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
internal sealed class CommandForms(CallContext context, string text)
{
    CandidateForms[]? _candidates;
    string? _normalized;
    string? _lower;
    string? _normalizedLower;

    public string Text { get; } = text;

    public string Normalized => _normalized ??= ShellText.Normalize(Text);

    public string Lower => _lower ??= Text.ToLowerInvariant();

    public string NormalizedLower => _normalizedLower ??= Normalized.ToLowerInvariant();

    public CandidateForms[] Candidates
    {
        get
        {
            if (_candidates is null)
            {
                var list = ShellForms.RestrictiveCandidates(Text);
                var result = new CandidateForms[list.Count];
                for (var i = 0; i < result.Length; i++) result[i] = context.CandidateOf(list[i]);
                _candidates = result;
            }
            return _candidates;
        }
    }
}

/// <summary>One restrictive candidate with its lazily derived spellings (POL-083 step 2).</summary>
internal sealed class CandidateForms(string text)
{
    IReadOnlyList<string>? _rmAliases;
    bool _rmOverflow;
    string? _normalized;
    IReadOnlyList<string>? _semantic;
    string[]? _alternateLower;

    public string Text { get; } = text;

    public IReadOnlyList<string> RmAliases
    {
        get
        {
            _rmAliases ??= ShellForms.CanonicalRmAliases(Text, out _rmOverflow);
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

    public IReadOnlyList<string> SemanticAliases => _semantic ??= ShellForms.SemanticAliases(Text);

    /// <summary>POL-086 readings, lower-cased (they always compare case-insensitively).</summary>
    public string[] AlternateLower
    {
        get
        {
            if (_alternateLower is null)
            {
                var list = ShellForms.AlternateReadings(Text);
                var result = new string[list.Count];
                for (var i = 0; i < result.Length; i++) result[i] = list[i].ToLowerInvariant();
                _alternateLower = result;
            }
            return _alternateLower;
        }
    }
}
