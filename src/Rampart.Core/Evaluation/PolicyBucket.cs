using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Rampart.Core.Evaluation;

/// <summary>
/// The candidate policies of one tool-index entry, in configuration order, plus what the walk would
/// otherwise recompute per call: their POL-034 order and the <c>matched_policies</c> lists of a deny.
/// </summary>
internal sealed class PolicyBucket
{
    readonly ImmutableArray<string>[] _tails;
    readonly Lock _indexGate = new();
    RuleIndex? _index;

    /// <param name="toolDecided">Every policy's tool scope holds for every call this bucket serves (a literal tool's bucket).</param>
    public PolicyBucket(CompiledPolicy[] policies, bool toolDecided)
    {
        Policies = policies;
        ToolDecided = toolDecided;
        var callerFree = true;
        var durable = new List<int>();
        // Go's sort.Slice is deterministic for a given input order, and a call whose scope keeps
        // every candidate sorts exactly this input, so its result can be reused as is (POL-034).
        var sorted = (CompiledPolicy[])policies.Clone();
        GoSort.Slice(sorted.AsSpan(), default(ByPriority));
        Sorted = sorted;
        _tails = new ImmutableArray<string>[policies.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            var p = sorted[i];
            if (!(p.AgentIsStar && p.SessionIsStar && (toolDecided || p.AllTools))) callerFree = false;
            if (p.Durable != DurableKind.None) durable.Add(i);
        }
        InScopeForEveryCall = callerFree;
        DurablePositions = [.. durable];
    }

    /// <summary>The tool part of every policy's scope is already decided (the bucket of a literal tool name).</summary>
    public bool ToolDecided { get; }

    /// <summary>
    /// Every policy is in scope for every call routed here (agent and session <c>*</c>, tool decided), so the
    /// POL-033 candidate list is always exactly <see cref="Sorted"/> and need not be collected.
    /// </summary>
    public bool InScopeForEveryCall { get; }

    /// <summary>Positions in <see cref="Sorted"/> of the durable-allow policies (POL-039).</summary>
    public int[] DurablePositions { get; }

    /// <summary>
    /// The rule index over <see cref="Sorted"/>, built once, by whichever comes first: the background
    /// build after a compile (<see cref="CompiledPolicySet.BuildIndexes"/>) or the first call that needs it.
    /// </summary>
    public RuleIndex Index => Volatile.Read(ref _index) ?? BuildIndex();

    /// <summary>
    /// Rule count of the bucket: what its index build costs, roughly (the background build starts the
    /// largest buckets first).
    /// </summary>
    public int RuleCount
    {
        get
        {
            var count = 0;
            foreach (var p in Sorted) count += p.Rules.Length;
            return count;
        }
    }

    /// <summary>
    /// A caller that finds the index being built waits for that build instead of starting its own
    /// copy (issue 3: on 2 cores a first decision that repeated the background build of its bucket
    /// competed with it for the CPU and finished later than the build it duplicated). The index is
    /// published only once complete, so no call sees a part-built one.
    /// </summary>
    RuleIndex BuildIndex()
    {
        lock (_indexGate)
        {
            var index = _index;
            if (index is null)
            {
                index = RuleIndex.Build(Sorted);
                Volatile.Write(ref _index, index);
            }
            return index;
        }
    }

    /// <summary>Configuration order (the order POL-033 step 4 collects in).</summary>
    public CompiledPolicy[] Policies { get; }

    /// <summary><see cref="Policies"/> after the POL-034 sort.</summary>
    public CompiledPolicy[] Sorted { get; }

    /// <summary>
    /// POL-036 names of a deny by <see cref="Sorted"/>[<paramref name="index"/>] when it is the first policy
    /// that fired: itself and every policy after it. Built on first use (benign race: equal values).
    /// </summary>
    public ImmutableArray<string> DenyNames(int index)
    {
        var names = _tails[index];
        if (!names.IsDefault) return names;
        var array = new string[Sorted.Length - index];
        for (var i = 0; i < array.Length; i++) array[i] = Sorted[index + i].Name;
        names = ImmutableCollectionsMarshal.AsImmutableArray(array);
        _tails[index] = names;
        return names;
    }

    internal readonly struct ByPriority : IGoLess<CompiledPolicy>
    {
        public bool Less(CompiledPolicy a, CompiledPolicy b) => a.Priority < b.Priority;
    }
}
