using System.Collections.Immutable;
using System.Diagnostics;
using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation;

/// <summary>
/// The thread-safe engine facade: one active <see cref="CompiledPolicySet"/> swapped atomically on
/// reload (POL-032; evaluations in flight finish on the snapshot they started with), the call
/// counter (POL-043) and one-time allows (POL-044).
/// </summary>
public sealed class PolicyEngine
{
    readonly TimeProvider _time;
    readonly CallCounter _counter;
    readonly OnceClaimer _claimer;
    CompiledPolicySet _current;

    /// <param name="initial">The compiled configuration to start with.</param>
    /// <param name="time">Clock for expiry, windows and durations; system clock when null.</param>
    /// <param name="reload">
    /// Re-runs the policy store (used after consuming a <c>once</c> rule, POL-044). When null the
    /// engine applies the removal to its in-memory configuration after rewriting the file.
    /// </param>
    /// <param name="counter">
    /// The call counter to record into and read from; a fresh one when null. The one-shot hook passes
    /// one imported from its state file, so <c>call_count</c> spans hook processes (POL-043).
    /// </param>
    public PolicyEngine(CompiledPolicySet initial, TimeProvider? time = null, Func<PolicyConfig>? reload = null, CallCounter? counter = null)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _current = initial;
        _counter = counter ?? new CallCounter();
        _time = time ?? TimeProvider.System;
        _claimer = new OnceClaimer(this, reload);
    }

    public CompiledPolicySet Current => Volatile.Read(ref _current);

    /// <summary>Recorded calls per tool (for <c>/v1/status</c>).</summary>
    public IReadOnlyDictionary<string, int> CallCounts => _counter.Snapshot();

    internal CallCounter Counter => _counter;

    internal DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Preview (POL-042): reads the call counter but changes no state and never consumes a once rule.</summary>
    public Decision Evaluate(ToolCall call, EvaluationOptions options = default)
    {
        var start = Stopwatch.GetTimestamp();
        var decision = Current.Evaluate(call, options, Now, _counter);
        return Timed(decision, start);
    }

    /// <summary>
    /// A real tool call (POL-042): record it for <c>call_count</c> when some rule counts it
    /// (POL-043), evaluate, then consume a <c>once</c> allow (POL-044).
    /// </summary>
    public Decision Enforce(ToolCall call, EvaluationOptions options = default)
    {
        var start = Stopwatch.GetTimestamp();
        var set = Current;
        var now = Now;
        if (set.ShouldRecord(call, now) && !_counter.TryRecord(call.Tool, now))
        {
            return Timed(new Decision
            {
                Action = DecisionAction.Deny,
                Message = EngineMessages.CounterUnavailable,
                Suggestions = ToImmutable(Suggestions.For(call)),
            }, start);
        }
        var decision = set.Evaluate(call, options, now, _counter);
        if (decision.Action == DecisionAction.Allow && decision.Once is { } claim)
        {
            decision = _claimer.Claim(call, options, claim) ? decision : OnceFailed(call);
        }
        return Timed(decision, start);
    }

    /// <summary>Post-tool response scanning (POL-045).</summary>
    public Decision EvaluateResponse(ToolCall call, string response)
    {
        var start = Stopwatch.GetTimestamp();
        return Timed(Current.EvaluateResponse(call, response, Now), start);
    }

    /// <summary>Makes <paramref name="next"/> the active configuration (reload policy lives in the caller, POL-032).</summary>
    public void Swap(CompiledPolicySet next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Volatile.Write(ref _current, next);
    }

    static Decision OnceFailed(ToolCall call) => new()
    {
        Action = DecisionAction.Deny,
        Message = EngineMessages.OnceClaimFailed,
        Suggestions = ToImmutable(Suggestions.For(call)),
    };

    static ImmutableArray<string> ToImmutable(IReadOnlyList<string> list) =>
        list is ImmutableArray<string> array ? array : [.. list];

    static Decision Timed(Decision decision, long start) =>
        decision with { EvalDuration = Stopwatch.GetElapsedTime(start) };
}
