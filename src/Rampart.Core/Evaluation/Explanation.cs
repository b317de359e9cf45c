using System.Collections.Immutable;
using Rampart.Core.Matching;
using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation;

/// <summary>Why a call got its decision (CLI-051, POL-053): the decision itself and every in-scope policy in evaluation order.</summary>
public sealed record Explanation(Decision Decision, ImmutableArray<PolicyExplanation> Policies);

/// <summary>One in-scope policy. <see cref="WasReached"/> is false for policies after a deny (POL-036 stops there; they are shown anyway).</summary>
public sealed record PolicyExplanation(
    string Name,
    int Priority,
    string Source,
    string Agent,
    string Session,
    ImmutableArray<string> Tools,
    bool WasReached,
    ImmutableArray<RuleExplanation> Rules)
{
    /// <summary>The rule that fired (first match, POL-035), or null.</summary>
    public RuleExplanation? FiredRule
    {
        get
        {
            foreach (var r in Rules)
            {
                if (r.Outcome == RuleOutcome.Fired) return r;
            }
            return null;
        }
    }
}

/// <summary>How a rule fared.</summary>
public enum RuleOutcome
{
    Expired,
    NotMatched,
    Fired,
}

/// <summary>One rule: the fields evaluated (in the evaluator's order, stopping where it stopped) and the command spellings that matched.</summary>
public sealed record RuleExplanation(
    int Index,
    RuleAction Action,
    string Message,
    RuleOutcome Outcome,
    ImmutableArray<FieldOutcome> Fields,
    ImmutableArray<CommandMatch> CommandMatches);

public sealed record FieldOutcome(ConditionField Field, bool Matched);

/// <summary>A spelling of the command (<see cref="Form"/>, <see cref="Text"/>) and the pattern or substring it matched ("" when none applies).</summary>
public sealed record CommandMatch(CommandForm Form, string Text, string Pattern);

public sealed partial class CompiledPolicySet
{
    /// <summary>
    /// Evaluates <paramref name="call"/> exactly like <see cref="Evaluate(ToolCall, EvaluationOptions, DateTimeOffset, CallCounter?)"/>
    /// while recording the evaluator's own decision points (POL-053). Slower; not for the hot path.
    /// </summary>
    public Explanation Explain(ToolCall call, EvaluationOptions options, DateTimeOffset now, CallCounter? counter = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        var recorder = new ExplanationRecorder(call);
        var decision = Evaluate(call, options, now, counter, recorder);
        // Policies after a deny are never walked by the engine; run them through the same rule
        // matching on a fresh context so the explanation can still show what they would have said.
        var rest = CallContext.Rent(call, now, counter);
        rest.Trace = recorder;
        try
        {
            foreach (var policy in recorder.Unreached())
            {
                recorder.BeginUnreached(policy);
                FiringRule(policy, rest);
            }
        }
        finally
        {
            CallContext.Return(rest);
        }
        return new Explanation(decision, recorder.Build());
    }
}

/// <summary>Collects <see cref="IEvaluationTrace"/> events into an <see cref="Explanation"/>.</summary>
internal sealed class ExplanationRecorder : IEvaluationTrace
{
    readonly string _command;
    CommandAnalysis? _analysis;
    CompiledPolicy[] _inScope = [];
    readonly Dictionary<CompiledPolicy, List<RuleExplanation>> _rules = [];
    readonly HashSet<CompiledPolicy> _unreached = [];

    CompiledPolicy? _policy;
    CompiledRule? _rule;
    List<FieldOutcome>? _fields;
    List<CommandMatch>? _matches;

    public ExplanationRecorder(ToolCall call)
    {
        _command = CallInputs.Command(call, CallInputs.ToolClass(call.Tool));
    }

    public void InScope(ReadOnlySpan<CompiledPolicy> sorted) => _inScope = sorted.ToArray();

    /// <summary>The policies after the first one whose firing rule denies: the walk stops there (POL-036).</summary>
    public List<CompiledPolicy> Unreached()
    {
        var result = new List<CompiledPolicy>();
        var stopped = false;
        foreach (var p in _inScope)
        {
            if (stopped)
            {
                result.Add(p);
                continue;
            }
            if (!_rules.TryGetValue(p, out var rules)) continue;
            foreach (var r in rules)
            {
                if (r.Outcome == RuleOutcome.Fired && r.Action is RuleAction.Deny or RuleAction.Invalid) stopped = true;
            }
        }
        return result;
    }

    public void BeginUnreached(CompiledPolicy policy)
    {
        _unreached.Add(policy);
        _rules[policy] = [];
    }

    public void RuleExpired(CompiledPolicy policy, CompiledRule rule) =>
        RulesOf(policy).Add(new RuleExplanation(rule.Index, rule.Action, rule.Message, RuleOutcome.Expired, [], []));

    public void RuleStart(CompiledPolicy policy, CompiledRule rule)
    {
        _policy = policy;
        _rule = rule;
        _fields = [];
        _matches = [];
    }

    public void RuleEnd(bool fired)
    {
        if (_policy is null || _rule is null) return;
        RulesOf(_policy).Add(new RuleExplanation(
            _rule.Index, _rule.Action, _rule.Message, fired ? RuleOutcome.Fired : RuleOutcome.NotMatched,
            [.. _fields!], [.. _matches!]));
        _policy = null;
        _rule = null;
    }

    // Events outside a rule (durable-allow strict matching, POL-039) are not part of the walk.
    public void Field(ConditionField field, bool matched) => _fields?.Add(new FieldOutcome(field, matched));

    public void CommandHit(CommandForm form, string text, GlobSet patterns)
    {
        if (_rule is null) return;
        var index = patterns.FirstMatch(text);
        var pattern = index >= 0 ? patterns.Patterns[index].Pattern : "";
        _matches!.Add(new CommandMatch(form == CommandForm.Raw ? Refine(text) : form, text, pattern));
    }

    public void CommandContains(CommandForm form, string text, string needle)
    {
        if (_rule is null) return;
        _matches!.Add(new CommandMatch(form, text, needle));
    }

    /// <summary>A restrictive candidate is the command itself, one of its components, or a body form (POL-083 step 1).</summary>
    CommandForm Refine(string text)
    {
        if (string.Equals(text, _command.Trim(), StringComparison.Ordinal)) return CommandForm.Raw;
        _analysis ??= CommandAnalysis.Of(_command);
        foreach (var c in _analysis.Components)
        {
            if (string.Equals(c.Trim(), text, StringComparison.Ordinal)) return CommandForm.Component;
        }
        return CommandForm.BodyForm;
    }

    List<RuleExplanation> RulesOf(CompiledPolicy policy)
    {
        if (!_rules.TryGetValue(policy, out var list))
        {
            list = [];
            _rules[policy] = list;
        }
        return list;
    }

    public ImmutableArray<PolicyExplanation> Build()
    {
        var result = ImmutableArray.CreateBuilder<PolicyExplanation>(_inScope.Length);
        foreach (var p in _inScope)
        {
            var match = p.Policy.Match;
            result.Add(new PolicyExplanation(
                p.Name, p.Priority, p.Policy.Source, match.EffectiveAgent, match.EffectiveSession,
                match.Tools.IsDefault ? [] : match.Tools,
                !_unreached.Contains(p),
                _rules.TryGetValue(p, out var rules) ? [.. rules] : []));
        }
        return result.MoveToImmutable();
    }
}
