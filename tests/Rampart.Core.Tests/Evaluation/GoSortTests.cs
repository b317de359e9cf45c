using Rampart.Core.Evaluation;

namespace Rampart.Core.Tests.Evaluation;

public sealed class GoSortTests
{
    readonly struct ByKey : IGoLess<(int Key, int Id)>
    {
        public bool Less((int Key, int Id) a, (int Key, int Id) b) => a.Key < b.Key;
    }

    [Fact]
    public void Sorts_any_input_into_non_decreasing_order()
    {
        var random = new Random(1234);
        for (var round = 0; round < 500; round++)
        {
            var n = random.Next(0, 300);
            var items = new (int, int)[n];
            for (var i = 0; i < n; i++) items[i] = (random.Next(0, random.Next(1, 40)), i);
            GoSort.Slice(items.AsSpan(), default(ByKey));
            for (var i = 1; i < n; i++) Assert.True(items[i - 1].Item1 <= items[i].Item1, $"round {round} index {i}");
            var ids = items.Select(x => x.Item2).Order().ToArray();
            Assert.Equal(Enumerable.Range(0, n), ids);
        }
    }

    [Fact]
    public void Short_lists_keep_equal_keys_in_input_order()
    {
        var items = new (int, int)[] { (100, 0), (5, 1), (100, 2), (5, 3), (100, 4), (-1, 5), (100, 6), (5, 7), (100, 8), (100, 9), (5, 10), (100, 11) };
        GoSort.Slice(items.AsSpan(), default(ByKey));
        Assert.Equal([5, 1, 3, 7, 10, 0, 2, 4, 6, 8, 9, 11], items.Select(x => x.Item2));
    }

    [Fact]
    public void Long_lists_with_equal_keys_are_not_a_stable_sort()
    {
        // POL-034: upstream's pdqsort permutes equal priorities once the list exceeds 12 entries
        // and is not already ordered; a stable sort would be wrong here.
        var items = new (int, int)[16];
        for (var i = 0; i < items.Length; i++) items[i] = (i % 2 == 0 ? 100 : 10, i);
        var stable = items.OrderBy(x => x.Item1).Select(x => x.Item2).ToArray();
        GoSort.Slice(items.AsSpan(), default(ByKey));
        Assert.NotEqual(stable, items.Select(x => x.Item2).ToArray());
    }
}
