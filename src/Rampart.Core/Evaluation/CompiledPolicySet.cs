using System.Buffers;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation;

/// <summary>
/// An immutable, precompiled policy configuration: the thing that decides (POL-033..POL-045).
/// Policies are indexed by literal tool name, so a call only looks at policies that can be in
/// scope for its tool; every pattern is compiled once here. Safe for concurrent evaluations.
/// </summary>
public sealed partial class CompiledPolicySet
{
    readonly CompiledPolicy[] _policies;
    readonly FrozenDictionary<string, PolicyBucket> _byTool;
    readonly PolicyBucket _anyTool;
    readonly string[] _paramKeys;
    readonly DecisionAction _default;
    readonly CountedRule[] _countedRules;

    CompiledPolicySet(PolicyConfig config, bool parallel = true)
    {
        Config = config;
        _default = ToDecision(config.EffectiveDefault);

        var enabled = new List<CompiledPolicy>();
        var paramKeys = new List<string>();
        var counted = new List<CountedRule>();
        var rules = 0;
        var precompiled = CompileEnabled(config.Policies, parallel);
        var position = -1;
        foreach (var policy in config.Policies)
        {
            position++;
            rules += policy.Rules.Length;
            // POL-005: tool_param_matches keys of every loaded policy count, enabled or not.
            foreach (var rule in policy.Rules)
            {
                if (rule.When.ToolParamMatches.IsDefaultOrEmpty) continue;
                foreach (var (key, _) in rule.When.ToolParamMatches)
                {
                    if (!paramKeys.Contains(key)) paramKeys.Add(key);
                }
            }
            if (!policy.Enabled) continue;
            var compiled = precompiled[position]!;
            enabled.Add(compiled);
            foreach (var rule in compiled.Rules)
            {
                if (rule.Rule.When.CallCount is { } cc) counted.Add(new CountedRule(compiled, rule, cc.Tool.Trim()));
            }
        }
        _policies = [.. enabled];
        _paramKeys = [.. paramKeys];
        _countedRules = [.. counted];
        PolicyCount = config.Policies.Length;
        RuleCount = rules;

        // Index: a policy whose tool patterns are all literals is a candidate only for those names;
        // every other policy (no tool list, or a wildcard pattern) is a candidate for every tool.
        // Each list keeps configuration order, which the sort (POL-034) starts from.
        var any = new List<CompiledPolicy>();
        var literalNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in _policies)
        {
            if (IsLiteralOnly(p.Policy.Match.Tools))
            {
                foreach (var t in p.Policy.Match.Tools)
                {
                    if (t.Length > 0) literalNames.Add(t);
                }
            }
            else
            {
                any.Add(p);
            }
        }
        _anyTool = new PolicyBucket([.. any], toolDecided: false);
        var byTool = new Dictionary<string, PolicyBucket>(StringComparer.Ordinal);
        foreach (var name in literalNames)
        {
            // A wildcard policy's tool scope for this name is decided here once: keeping only those in
            // scope leaves the configuration order of the candidates, so their POL-034 order, unchanged.
            var list = new List<CompiledPolicy>();
            foreach (var p in _policies)
            {
                if (IsLiteralOnly(p.Policy.Match.Tools) ? p.Policy.Match.Tools.Contains(name) : p.MatchesTool(name)) list.Add(p);
            }
            byTool[name] = new PolicyBucket([.. list], toolDecided: true);
        }
        _byTool = byTool.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// Compiles every enabled policy (null for the disabled ones), in parallel when there is enough
    /// to share: start-up waits for this compile (issue 3: cold start), and each policy compiles
    /// independently. The order numbers are those of a sequential compile, and a failure is the one
    /// a sequential compile meets first (the lowest policy position), whatever finished first.
    /// </summary>
    static CompiledPolicy?[] CompileEnabled(ImmutableArray<Policy> policies, bool parallel)
    {
        var result = new CompiledPolicy?[policies.Length];
        var orders = new int[policies.Length];
        var enabled = 0;
        var rules = 0;
        for (var i = 0; i < policies.Length; i++)
        {
            orders[i] = policies[i].Enabled ? enabled++ : -1;
            if (policies[i].Enabled) rules += policies[i].Rules.Length;
        }
        if (!parallel || rules < ParallelCompileRules || Environment.ProcessorCount < 2)
        {
            for (var i = 0; i < policies.Length; i++)
            {
                if (orders[i] >= 0) result[i] = new CompiledPolicy(policies[i], orders[i]);
            }
            return result;
        }
        var failures = new System.Runtime.ExceptionServices.ExceptionDispatchInfo?[policies.Length];
        Parallel.For(0, policies.Length, i =>
        {
            if (orders[i] < 0) return;
            try
            {
                result[i] = new CompiledPolicy(policies[i], orders[i]);
            }
            catch (Exception e)
            {
                failures[i] = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        });
        foreach (var failure in failures) failure?.Throw();
        return result;
    }

    /// <summary>Below this many rules a compile takes well under a millisecond: not worth waking other threads.</summary>
    const int ParallelCompileRules = 64;

    /// <summary>Compiles a loaded configuration (validation already happened in the loader).</summary>
    public static CompiledPolicySet Compile(PolicyConfig config) => new(config);

    /// <summary>The compile with the policies compiled one after the other (tests compare both ways).</summary>
    internal static CompiledPolicySet CompileSequentially(PolicyConfig config) => new(config, parallel: false);

    /// <summary>
    /// Builds every bucket's rule index now instead of on the first call that needs it. The server
    /// calls it on a pool thread after a compile (start-up and reloads), so the first decision does
    /// not pay for it (issue 3: cold start); the compile itself stays as cheap as before (issue 2:
    /// load + compile). Safe beside evaluations: each bucket builds its index once, and a call that
    /// needs one being built waits for it (<see cref="PolicyBucket.Index"/>).
    /// </summary>
    public void BuildIndexes()
    {
        var buckets = new PolicyBucket[_byTool.Count + 1];
        buckets[0] = _anyTool;
        _byTool.Values.CopyTo(buckets, 1);
        // Largest first: the bucket whose build a first call is likeliest to meet unfinished is the
        // one that takes longest. One thread: measured in session 5, a second build thread took the
        // CPU from the start-up path on a loaded 2-core machine and the first decision came later.
        var costs = new int[buckets.Length];
        for (var i = 0; i < buckets.Length; i++) costs[i] = -buckets[i].RuleCount;
        Array.Sort(costs, buckets);
        foreach (var bucket in buckets) _ = bucket.Index;
    }

    public PolicyConfig Config { get; }
    public int PolicyCount { get; }
    public int RuleCount { get; }

    /// <summary>
    /// Decides one request (POL-033). <paramref name="counter"/> is only read (for <c>call_count</c>);
    /// recording is <see cref="PolicyEngine.Enforce"/>'s job. Without a counter <c>call_count</c> never matches.
    /// </summary>
    public Decision Evaluate(ToolCall call, EvaluationOptions options, DateTimeOffset now, CallCounter? counter = null) =>
        Evaluate(call, options, now, counter, null);

    internal Decision Evaluate(ToolCall call, EvaluationOptions options, DateTimeOffset now, CallCounter? counter, IEvaluationTrace? trace)
    {
        var ctx = CallContext.Rent(call, now, counter);
        ctx.Trace = trace;
        try
        {
            if (Precheck(ctx) is { } rejected) return rejected;
            var defaultAction = options.DefaultDeny ? DecisionAction.Deny : _default;
            var bucket = Candidates(call.Tool);
            if (bucket.InScopeForEveryCall && string.IsNullOrEmpty(options.PolicyFilter))
            {
                // POL-033 step 4 would collect the whole bucket, so its POL-034 order is the bucket's.
                var sorted = bucket.Sorted;
                var durable = FindDurableAllow(sorted, bucket.DurablePositions, ctx);
                trace?.InScope(sorted);
                if (sorted.Length == 0) return durable ?? NoPolicy(defaultAction);
                return trace is null
                    ? WalkIndexed(bucket, ctx, defaultAction, durable)
                    : Walk(sorted, ctx, defaultAction, durable, bucket, null, default);
            }
            return EvaluateCollected(bucket, ctx, options, defaultAction);
        }
        finally
        {
            CallContext.Return(ctx);
        }
    }

    /// <summary>The general path: some policy's scope depends on the caller, or a policy filter applies.</summary>
    Decision EvaluateCollected(PolicyBucket bucket, CallContext ctx, EvaluationOptions options, DecisionAction defaultAction)
    {
        var rented = ArrayPool<CompiledPolicy>.Shared.Rent(Math.Max(bucket.Policies.Length, 1));
        var count = 0;
        try
        {
            count = CollectSorted(bucket, ctx.Call, rented, out var isWholeBucket);
            var list = rented.AsSpan(0, count);

            var durable = FindDurableAllow(list, ctx);

            if (!string.IsNullOrEmpty(options.PolicyFilter))
            {
                var kept = 0;
                foreach (var p in list)
                {
                    if (string.Equals(p.ProfileName, options.PolicyFilter, StringComparison.OrdinalIgnoreCase)) list[kept++] = p;
                }
                if (kept < list.Length) isWholeBucket = false;
                list = list[..kept];
            }
            ctx.Trace?.InScope(list);
            if (list.Length == 0) return durable ?? NoPolicy(defaultAction);
            if (isWholeBucket && ctx.Trace is null) return WalkIndexed(bucket, ctx, defaultAction, durable);
            return Walk(list, ctx, defaultAction, durable, isWholeBucket ? bucket : null, null, default);
        }
        finally
        {
            rented.AsSpan(0, count).Clear();
            ArrayPool<CompiledPolicy>.Shared.Return(rented);
        }
    }

    /// <summary>The walk over <paramref name="bucket"/>'s whole sorted list, visiting only the rules its index marks.</summary>
    Decision WalkIndexed(PolicyBucket bucket, CallContext ctx, DecisionAction defaultAction, Decision? durable)
    {
        var index = bucket.Index;
        var words = index.Words;
        ulong[]? pooled = null;
        var bits = words <= 32 ? stackalloc ulong[words] : (pooled = ArrayPool<ulong>.Shared.Rent(words)).AsSpan(0, words);
        try
        {
            if (!index.TryMark(ctx, bits, deferResolution: true))
                return Walk(bucket.Sorted, ctx, defaultAction, durable, bucket, null, default);
            // POL-065 deferred (RuleIndex remarks): restrictive path-keyed rules are visited until the resolution runs.
            if (ctx.PathsAreLexical) MarkDeferredVisits(bits, index.DeferredVisits);
            return Walk(bucket.Sorted, ctx, defaultAction, durable, bucket, index, bits);
        }
        finally
        {
            if (pooled is not null) ArrayPool<ulong>.Shared.Return(pooled);
        }
    }

    static void MarkDeferredVisits(Span<ulong> bits, ReadOnlySpan<ulong> visits)
    {
        for (var w = 0; w < bits.Length; w++) bits[w] |= visits[w];
    }

    /// <param name="sorted">The bucket when <paramref name="list"/> is exactly its <see cref="PolicyBucket.Sorted"/>, else null.</param>
    /// <param name="index">With <paramref name="slots"/>: visit only the marked rules of <paramref name="list"/> (its bucket's whole sorted list).</param>
    Decision Walk(ReadOnlySpan<CompiledPolicy> list, CallContext ctx, DecisionAction defaultAction, Decision? durable, PolicyBucket? sorted,
        RuleIndex? index, Span<ulong> slots)
    {
        var combination = Combination.Start;
        int[]? pooled = null;
        var fired = list.Length <= 128 ? stackalloc int[list.Length] : (pooled = ArrayPool<int>.Shared.Rent(list.Length)).AsSpan(0, list.Length);
        try
        {
            var firedCount = 0;
            CompiledRule? firstRule = null;
            var firings = new Firings(list, ctx, index, slots);
            while (firings.Next(out var i, out var rule))
            {
                var policy = list[i];
                fired[firedCount++] = i;
                firstRule ??= rule;
                if (rule.Action is RuleAction.Deny or RuleAction.Invalid)
                {
                    return new Decision
                    {
                        Action = DecisionAction.Deny,
                        Message = rule.Action == RuleAction.Invalid ? EngineMessages.InvalidAction : rule.Message,
                        MatchedPolicies = DenyNames(list, fired[..firedCount], i, sorted),
                        FromProjectPolicy = policy.IsProject,
                        Suggestions = Suggestions.For(ctx),
                    };
                }
                combination.Apply(policy, rule);
            }

            if (durable is not null) return durable;

            if (!combination.GlobalFired)
            {
                // POL-037/038: also runs when nothing fired at all (Upstream quirk with large effect).
                switch (defaultAction)
                {
                    case DecisionAction.Deny:
                        return new Decision
                        {
                            Action = DecisionAction.Deny,
                            Message = EngineMessages.GuardDeny,
                            MatchedPolicies = Names(list, fired[..firedCount]),
                            Suggestions = Suggestions.For(ctx),
                        };
                    case DecisionAction.Ask:
                        return GuardDecision(DecisionAction.Ask, EngineMessages.GuardAsk, list, fired[..firedCount]);
                    case DecisionAction.Watch when combination.Final == DecisionAction.Allow:
                        return GuardDecision(DecisionAction.Watch, EngineMessages.GuardWatch, list, fired[..firedCount]);
                }
            }

            if (!combination.AnyFired) return NoRule(defaultAction);

            // One firing rule: the combination is that rule's own, precomputed with its policy.
            if (firedCount == 1) return list[fired[0]].SoleFiredDecision(firstRule!);
            return combination.ToDecision(Names(list, fired[..firedCount]));
        }
        finally
        {
            if (pooled is not null) ArrayPool<int>.Shared.Return(pooled);
        }
    }

    /// <summary>
    /// The firing rule (POL-035) of each policy of a walk that has one, in walk order: every policy, or
    /// with an index only the marked rules — the others cannot match, so the first marked rule that
    /// matches is the policy's first matching rule.
    /// </summary>
    ref struct Firings(ReadOnlySpan<CompiledPolicy> list, CallContext ctx, RuleIndex? index, Span<ulong> slots)
    {
        readonly ReadOnlySpan<CompiledPolicy> _list = list;
        readonly Span<ulong> _slots = slots;
        int _next;
        int _word = -1;
        ulong _pending;
        int _decided = -1;

        public bool Next(out int policy, out CompiledRule rule)
        {
            if (index is null)
            {
                while (_next < _list.Length)
                {
                    var i = _next++;
                    if (FiringRule(_list[i], ctx) is { } firing)
                    {
                        policy = i;
                        rule = firing;
                        return true;
                    }
                }
            }
            else
            {
                while (true)
                {
                    while (_pending == 0)
                    {
                        if (++_word >= _slots.Length) goto done;
                        _pending = _slots[_word];
                    }
                    var slot = (_word << 6) + BitOperations.TrailingZeroCount(_pending);
                    _pending &= _pending - 1;
                    var p = index.PolicyOf(slot);
                    if (p == _decided) continue;
                    var candidate = _list[p].Rules[index.RuleOf(slot)];
                    if (candidate.HasExpired(ctx.Now)) continue;
                    // Deferred POL-065 resolution (RuleIndex remarks): resolve before an answer the resolved candidate could change.
                    var deferred = ctx.PathsAreLexical && index.HasPaths(slot);
                    if (deferred && !index.IsMarked(ctx, slot))
                    {
                        // A restrictive path-keyed rule the lexical candidates cannot fire (a deferred visit).
                        ResolvePaths(index, slot);
                        if ((_slots[_word] & (1UL << (slot & 63))) == 0) continue;
                        deferred = false;
                    }
                    var matched = Matches(index, candidate, slot);
                    if (deferred && matched != index.IsRestrictive(slot) && ResolvePaths(index, slot)) matched = Matches(index, candidate, slot);
                    if (!matched) continue;
                    _decided = p;
                    policy = p;
                    rule = candidate;
                    return true;
                }
            }
            done:
            policy = -1;
            rule = null!;
            return false;
        }

        readonly bool Matches(RuleIndex index, CompiledRule rule, int slot)
        {
            ctx.LivePatternBit = index.PatternsOf(slot);
            ctx.LivePaths = index.PathsOf(slot);
            var matched = rule.Condition.Matches(ctx);
            ctx.LivePatternBit = -1;
            ctx.LivePaths = null;
            return matched;
        }

        /// <summary>Resolves, takes the full candidates' marks and resumes after <paramref name="slot"/>; true when the candidates changed.</summary>
        bool ResolvePaths(RuleIndex index, int slot)
        {
            var changed = index.ResolvePaths(ctx, _slots);
            var bit = slot & 63;
            _pending = bit == 63 ? 0 : _slots[_word] & (~0UL << (bit + 1));
            return changed;
        }
    }

    /// <summary>POL-036: a deny names every policy that fired before it and every policy after it.</summary>
    static ImmutableArray<string> DenyNames(ReadOnlySpan<CompiledPolicy> list, Span<int> fired, int at, PolicyBucket? sorted)
    {
        if (fired.Length == 1 && sorted is not null) return sorted.DenyNames(at);
        var names = new string[fired.Length + (list.Length - at - 1)];
        var n = 0;
        foreach (var f in fired) names[n++] = list[f].Name;
        for (var rest = at + 1; rest < list.Length; rest++) names[n++] = list[rest].Name;
        return ImmutableCollectionsMarshal.AsImmutableArray(names);
    }

    static Decision GuardDecision(DecisionAction action, string message, ReadOnlySpan<CompiledPolicy> list, Span<int> fired) => fired.Length switch
    {
        0 => action == DecisionAction.Ask ? GuardAskEmpty : GuardWatchEmpty,
        1 => action == DecisionAction.Ask ? list[fired[0]].GuardAsk : list[fired[0]].GuardWatch,
        _ => new Decision { Action = action, Message = message, MatchedPolicies = Names(list, fired) },
    };

    static readonly Decision GuardAskEmpty = new() { Action = DecisionAction.Ask, Message = EngineMessages.GuardAsk };
    static readonly Decision GuardWatchEmpty = new() { Action = DecisionAction.Watch, Message = EngineMessages.GuardWatch };

    /// <summary>POL-035: the first non-expired rule whose condition matches under its own action's semantics.</summary>
    internal static CompiledRule? FiringRule(CompiledPolicy policy, CallContext ctx)
    {
        foreach (var rule in policy.Rules)
        {
            if (rule.HasExpired(ctx.Now))
            {
                ctx.Trace?.RuleExpired(policy, rule);
                continue;
            }
            if (ctx.Trace is null ? rule.Condition.Matches(ctx) : TracedMatches(policy, rule, ctx)) return rule;
        }
        return null;
    }

    static bool TracedMatches(CompiledPolicy policy, CompiledRule rule, CallContext ctx)
    {
        ctx.Trace!.RuleStart(policy, rule);
        var fired = rule.Condition.Matches(ctx);
        ctx.Trace.RuleEnd(fired);
        return fired;
    }

    /// <summary>POL-039: the first durable policy (sorted order, before any filter) whose strict firing rule is an allow.</summary>
    static Decision? FindDurableAllow(Span<CompiledPolicy> list, CallContext ctx)
    {
        foreach (var policy in list)
        {
            if (policy.Durable != DurableKind.None && DurableAllow(policy, ctx) is { } decision) return decision;
        }
        return null;
    }

    /// <summary><see cref="FindDurableAllow(Span{CompiledPolicy}, CallContext)"/> over a whole bucket, whose durable positions are known.</summary>
    static Decision? FindDurableAllow(CompiledPolicy[] sorted, int[] durablePositions, CallContext ctx)
    {
        foreach (var at in durablePositions)
        {
            if (DurableAllow(sorted[at], ctx) is { } decision) return decision;
        }
        return null;
    }

    static Decision? DurableAllow(CompiledPolicy policy, CallContext ctx)
    {
        foreach (var rule in policy.Rules)
        {
            if (rule.HasExpired(ctx.Now)) continue;
            if (rule.Condition.MatchesStrict(ctx)) return rule.Action == RuleAction.Allow ? policy.DurableAllowDecision(rule) : null;
        }
        return null;
    }

    /// <summary>Post-tool response scanning (POL-045).</summary>
    public Decision EvaluateResponse(ToolCall call, string response, DateTimeOffset now)
    {
        var ctx = CallContext.Rent(call, now, null);
        var bucket = Candidates(call.Tool);
        var rented = ArrayPool<CompiledPolicy>.Shared.Rent(Math.Max(bucket.Policies.Length, 1));
        var count = 0;
        try
        {
            if (Precheck(ctx) is { } rejected) return rejected;
            count = CollectSorted(bucket, call, rented, out _);
            var list = rented.AsSpan(0, count);
            if (list.Length == 0) return ResponseNoPolicy;

            if (response.Length * 3 > EngineMessages.ResponseLimitBytes &&
                Encoding.UTF8.GetByteCount(response) > EngineMessages.ResponseLimitBytes)
            {
                foreach (var p in list)
                {
                    if (p.HasResponseMatches) return ResponseTooLarge;
                }
            }

            var fired = list.Length <= 128 ? stackalloc int[list.Length] : new int[list.Length];
            var firedCount = 0;
            var final = DecisionAction.Allow;
            var message = "";
            for (var i = 0; i < list.Length; i++)
            {
                CompiledRule? firing = null;
                // Expired rules are not skipped here (Upstream quirk, POL-045 step 4).
                foreach (var rule in list[i].Rules)
                {
                    if (rule.Condition.MatchesResponse(response)) { firing = rule; break; }
                }
                if (firing is null) continue;
                fired[firedCount++] = i;
                switch (firing.Action)
                {
                    case RuleAction.Allow:
                        if (final == DecisionAction.Allow && message.Length == 0) message = firing.Message;
                        break;
                    case RuleAction.Watch:
                        if (final == DecisionAction.Allow)
                        {
                            final = DecisionAction.Watch;
                            message = firing.Message;
                        }
                        break;
                    default:
                        // Deny, and also ask/webhook: there is no approval point after the tool ran.
                        return new Decision
                        {
                            Action = DecisionAction.Deny,
                            Message = firing.Action == RuleAction.Invalid ? EngineMessages.InvalidAction : firing.Message,
                            MatchedPolicies = Names(list, fired[..firedCount]),
                        };
                }
            }
            if (firedCount == 0) return ResponseNoRule;
            return new Decision { Action = final, Message = message, MatchedPolicies = Names(list, fired[..firedCount]) };
        }
        finally
        {
            rented.AsSpan(0, count).Clear();
            ArrayPool<CompiledPolicy>.Shared.Return(rented);
            CallContext.Return(ctx);
        }
    }

    /// <summary>
    /// POL-043: whether <see cref="PolicyEngine.Enforce"/> must record this call — some enabled policy
    /// has a live <c>call_count</c> rule targeting this tool, or targeting "its own tool" while in scope.
    /// </summary>
    internal bool ShouldRecord(ToolCall call, DateTimeOffset now)
    {
        foreach (var counted in _countedRules)
        {
            if (counted.Rule.HasExpired(now)) continue;
            if (counted.TrimmedTool.Length > 0)
            {
                if (string.Equals(counted.TrimmedTool, call.Tool, StringComparison.Ordinal)) return true;
            }
            else if (counted.Policy.MatchesCaller(call) && counted.Policy.MatchesTool(call.Tool))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>POL-004 and POL-005: ambiguous or oversized inputs fail closed before any policy runs.</summary>
    Decision? Precheck(CallContext ctx)
    {
        if (CallInputs.AliasError(ctx.Call, ctx.ToolClass) is { } error)
            return new Decision { Action = DecisionAction.Deny, Message = EngineMessages.Ambiguous(error) };
        if (CallInputs.TryFindOversized(ctx.Call, ctx.Command, ctx.Path, ctx.Url, ctx.Domain, _paramKeys, out var field, out var bytes))
            return new Decision { Action = DecisionAction.Deny, Message = EngineMessages.Oversized(field, bytes) };
        return null;
    }

    PolicyBucket Candidates(string tool) =>
        _byTool.TryGetValue(tool, out var bucket) ? bucket : _anyTool;

    /// <summary>The rule index of the bucket that serves <paramref name="tool"/> (what the indexed walk uses).</summary>
    internal RuleIndex IndexFor(string tool) => Candidates(tool).Index;

    /// <summary>The POL-034 order of the bucket that serves <paramref name="tool"/> (the index's slot order).</summary>
    internal CompiledPolicy[] SortedFor(string tool) => Candidates(tool).Sorted;

    /// <summary>
    /// POL-033 step 4 (collect, configuration order; the index already decided literal tools), then the
    /// POL-034 sort — taken from the bucket when every candidate is in scope, since the input is then the same.
    /// </summary>
    static int CollectSorted(PolicyBucket bucket, ToolCall call, CompiledPolicy[] into, out bool isWholeBucket)
    {
        var count = 0;
        foreach (var p in bucket.Policies)
        {
            if (!p.MatchesCaller(call)) continue;
            if (!bucket.ToolDecided && !p.IsToolIndexed && !p.MatchesTool(call.Tool)) continue;
            into[count++] = p;
        }
        isWholeBucket = count == bucket.Policies.Length;
        if (isWholeBucket) bucket.Sorted.CopyTo(into, 0);
        else GoSort.Slice(into.AsSpan(0, count), default(PolicyBucket.ByPriority));
        return count;
    }

    static ImmutableArray<string> Names(ReadOnlySpan<CompiledPolicy> list, Span<int> indices)
    {
        if (indices.Length == 0) return [];
        if (indices.Length == 1) return list[indices[0]].NameArray;
        var names = new string[indices.Length];
        for (var i = 0; i < names.Length; i++) names[i] = list[indices[i]].Name;
        return ImmutableCollectionsMarshal.AsImmutableArray(names);
    }

    internal static bool IsLiteralOnly(ImmutableArray<string> tools)
    {
        if (tools.IsDefaultOrEmpty) return false;
        foreach (var t in tools)
        {
            // The general glob treats '*', '?', '[' specially and folds '\\' and '/' together in
            // both pattern and name (POL-056); anything else compares literally, so such a pattern
            // can be answered by a dictionary lookup.
            if (t.AsSpan().IndexOfAny("*?[\\/") >= 0) return false;
        }
        return true;
    }

    static DecisionAction ToDecision(RuleAction action) => action switch
    {
        RuleAction.Allow => DecisionAction.Allow,
        RuleAction.Ask => DecisionAction.Ask,
        RuleAction.Watch => DecisionAction.Watch,
        _ => DecisionAction.Deny,
    };

    static readonly Decision[] NoPolicyDecisions = Fixed(EngineMessages.NoMatchingPolicy);
    static readonly Decision[] NoRuleDecisions = Fixed(EngineMessages.NoMatchingRule);
    static readonly Decision ResponseNoPolicy = new() { Action = DecisionAction.Allow, Message = EngineMessages.ResponseNoPolicy };
    static readonly Decision ResponseNoRule = new() { Action = DecisionAction.Allow, Message = EngineMessages.ResponseNoRule };
    static readonly Decision ResponseTooLarge = new() { Action = DecisionAction.Deny, Message = EngineMessages.ResponseTooLarge };

    static Decision[] Fixed(string message)
    {
        var values = Enum.GetValues<DecisionAction>();
        var result = new Decision[values.Length];
        foreach (var v in values) result[(int)v] = new Decision { Action = v, Message = message };
        return result;
    }

    /// <summary>POL-037: with no policy in scope the default applies, without suggestions even for deny.</summary>
    static Decision NoPolicy(DecisionAction action) => NoPolicyDecisions[(int)action];

    static Decision NoRule(DecisionAction action) => NoRuleDecisions[(int)action];

    sealed record CountedRule(CompiledPolicy Policy, CompiledRule Rule, string TrimmedTool);
}
