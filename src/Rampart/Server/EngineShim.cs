// TEMPORARY stand-in for the `evaluation` branch's engine so the server compiles and runs before it
// lands. Deleted on merge; only the signatures the server uses are mirrored here.
using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation;

public sealed class CompiledPolicySet
{
    CompiledPolicySet(PolicyConfig config) => Config = config;
    public PolicyConfig Config { get; }
    public static CompiledPolicySet Compile(PolicyConfig config) => new(config);
}

public sealed class PolicyEngine(CompiledPolicySet initial, TimeProvider? time = null)
{
    volatile CompiledPolicySet _current = initial;
    readonly TimeProvider _time = time ?? TimeProvider.System;
    public CompiledPolicySet Current => _current;
    public void Swap(CompiledPolicySet next) => _current = next;
    public Decision Evaluate(ToolCall call, EvaluationOptions options) => Default(options);
    public Decision Enforce(ToolCall call, EvaluationOptions options) => Default(options);
    public Decision EvaluateResponse(ToolCall call, string response) => new() { Action = DecisionAction.Allow };
    public IReadOnlyDictionary<string, int> CallCounts => new Dictionary<string, int>();
    Decision Default(EvaluationOptions options)
    {
        var d = options.DefaultDeny ? RuleAction.Deny : _current.Config.EffectiveDefault;
        return new Decision { Action = d == RuleAction.Allow ? DecisionAction.Allow : DecisionAction.Deny, Message = "no matching policy; default action applied" };
    }
}

public static class Suggestions
{
    public static IReadOnlyList<string> For(ToolCall call) => [];
}
