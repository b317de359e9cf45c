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

    public PolicyBucket(CompiledPolicy[] policies)
    {
        Policies = policies;
        // Go's sort.Slice is deterministic for a given input order, and a call whose scope keeps
        // every candidate sorts exactly this input, so its result can be reused as is (POL-034).
        var sorted = (CompiledPolicy[])policies.Clone();
        GoSort.Slice(sorted.AsSpan(), default(ByPriority));
        Sorted = sorted;
        _tails = new ImmutableArray<string>[policies.Length];
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
