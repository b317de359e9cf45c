using Rampart.Core.Evaluation;
using Rampart.Core.Policies;

namespace Rampart.Agents;

/// <summary>
/// Local hook mode (CLI-075/CLI-076): the hook evaluates in its own process with the policy engine.
/// One instance per hook run.
/// </summary>
/// <param name="sources">Where the policies come from (also re-read after a <c>once</c> claim, POL-044).</param>
/// <param name="stateDir"><c>~/.rampart</c>: home of the shared call counter file.</param>
/// <param name="audit">Where the run's one record goes (CLI-076, AUD-063).</param>
/// <param name="diagnostics">Where operator details go (stderr with <c>--verbose</c>); null = nowhere (CLI-078).</param>
internal sealed class LocalEvaluation(HookPolicySources sources, string stateDir, HookAuditTrail audit, TextWriter? diagnostics)
{
    public const string CounterRefusal = "Rampart call counter unavailable; refusing tool call";
    public const string HeadlessOnlyUnavailable =
        "hook: ask.headless_only could not reach rampart serve approval flow; native ask fallback is disabled";

    /// <summary>
    /// Decides <paramref name="e"/>. Monitor/audit (<paramref name="isEnforcing"/> false) evaluate as a
    /// preview (POL-042: no counter update, no <c>once</c> consumed) and always allow. Throws
    /// <see cref="HookRefusalException"/> when the policies cannot be loaded or the audit record cannot
    /// be written (CLI-076: no unaudited decision), and
    /// <see cref="HeadlessOnlyException"/> for an <c>ask.headless_only</c> decision (CLI-080).
    /// </summary>
    public HookAnswer Decide(HookEvent e, ToolCall call, bool isEnforcing)
    {
        var config = sources.Load();
        if (diagnostics is not null)
        {
            foreach (var warning in config.Warnings) diagnostics.WriteLine("rampart hook: " + warning);
        }
        var counter = new CallCounter();
        var engine = new PolicyEngine(CompiledPolicySet.Compile(config), reload: sources.Load, counter: counter);

        switch (e.Kind)
        {
            case HookEventKind.PostToolUse:
            {
                var decision = engine.EvaluateResponse(call, e.ResponseText);
                audit.Record(call, decision);
                return ClaudeHookMapping.Answer(decision, isEnforcing);
            }
            case HookEventKind.PostToolUseFailure:
            {
                // CLI-076: pure evaluation; only a deny says anything (guidance for the model), and only
                // that is audited, as feedback (AUD-063).
                var decision = engine.Evaluate(call);
                if (decision.Action != DecisionAction.Deny) return HookAnswer.Allow;
                audit.Record(call, decision, action: "feedback");
                return ClaudeHookMapping.Answer(decision, isEnforcing);
            }
            default:
            {
                if (!isEnforcing)
                {
                    audit.Record(call, engine.Evaluate(call));
                    return HookAnswer.Allow;
                }
                var decision = CountsCalls(config) ? EnforceCounted(engine, counter, call) : engine.Enforce(call);
                audit.Record(call, decision);
                if (decision.Action == DecisionAction.Ask && decision.HeadlessOnly) throw new HeadlessOnlyException(HeadlessOnlyUnavailable);
                return ClaudeHookMapping.Answer(decision);
            }
        }
    }

    /// <summary>
    /// POL-043 across processes: under the counter file's lock, load the saved arrival times, enforce
    /// (which records this call when a rule counts it), and save. Any failure refuses the call (CLI-076).
    /// </summary>
    Decision EnforceCounted(PolicyEngine engine, CallCounter counter, ToolCall call)
    {
        try
        {
            using var counts = HookCallCounts.Open(stateDir);
            counter.Import(counts.Entries, DateTimeOffset.UtcNow);
            var decision = engine.Enforce(call);
            counts.Save(counter.Export());
            return decision;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            diagnostics?.WriteLine("rampart hook: call counter: " + ex.Message);
            return new Decision { Action = DecisionAction.Deny, Message = CounterRefusal };
        }
    }

    /// <summary>Whether any enabled policy has a <c>call_count</c> rule: only then is the shared state touched.</summary>
    static bool CountsCalls(PolicyConfig config)
    {
        foreach (var policy in config.Policies)
        {
            if (!policy.Enabled) continue;
            foreach (var rule in policy.Rules)
            {
                if (rule.When.CallCount is not null) return true;
            }
        }
        return false;
    }
}

/// <summary>An <c>ask.headless_only</c> decision this hook cannot route to serve's approval flow: exit 1 (CLI-078, CLI-080).</summary>
internal sealed class HeadlessOnlyException(string message) : Exception(message);
