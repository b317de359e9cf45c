namespace Rampart.Core.Tests.Properties;

/// <summary>
/// Go's <c>sort.Slice</c> written the way Go writes it (zsortfunc.go over a <c>lessSwap</c>: index-based
/// <c>Less(i, j)</c> and <c>Swap(i, j)</c> on the caller's slice), as the reference for
/// <see cref="Evaluation.GoSort"/>, which works on a span with a struct comparer. Two independent
/// transcriptions that agree on every generated list make a slip in either unlikely. It also records
/// which of pdqsort's paths a run took, so a test can prove it reached them.
/// </summary>
internal sealed class GoSortReference(Func<int, int, bool> less, Action<int, int> swap)
{
    public HashSet<string> Reached { get; } = [];

    public static void Slice<T>(IList<T> data, Func<T, T, bool> less, HashSet<string>? reached = null)
    {
        var sorter = new GoSortReference((i, j) => less(data[i], data[j]), (i, j) => (data[i], data[j]) = (data[j], data[i]));
        // sort.Slice: limit := bits.Len(uint(length)).
        var length = data.Count;
        var limit = 0;
        for (var x = (uint)length; x != 0; x >>= 1) limit++;
        sorter.Pdqsort(0, length, limit);
        reached?.UnionWith(sorter.Reached);
    }

    void InsertionSort(int a, int b)
    {
        for (var i = a + 1; i < b; i++)
        {
            for (var j = i; j > a && less(j, j - 1); j--) swap(j, j - 1);
        }
    }

    void SiftDown(int lo, int hi, int first)
    {
        var root = lo;
        while (true)
        {
            var child = 2 * root + 1;
            if (child >= hi) break;
            if (child + 1 < hi && less(first + child, first + child + 1)) child++;
            if (!less(first + root, first + child)) return;
            swap(first + root, first + child);
            root = child;
        }
    }

    void HeapSort(int a, int b)
    {
        Reached.Add("heapSort");
        var first = a;
        var lo = 0;
        var hi = b - a;
        for (var i = (hi - 1) / 2; i >= 0; i--) SiftDown(i, hi, first);
        for (var i = hi - 1; i >= 0; i--)
        {
            swap(first, first + i);
            SiftDown(lo, i, first);
        }
    }

    void Pdqsort(int a, int b, int limit)
    {
        const int maxInsertion = 12;
        bool wasBalanced = true, wasPartitioned = true;
        while (true)
        {
            var length = b - a;
            if (length <= maxInsertion)
            {
                InsertionSort(a, b);
                return;
            }
            if (limit == 0)
            {
                HeapSort(a, b);
                return;
            }
            if (!wasBalanced)
            {
                BreakPatterns(a, b);
                limit--;
            }
            var (pivot, hint) = ChoosePivot(a, b);
            if (hint == 2)
            {
                Reached.Add("reverseRange");
                ReverseRange(a, b);
                pivot = (b - 1) - (pivot - a);
                hint = 1;
            }
            if (wasBalanced && wasPartitioned && hint == 1)
            {
                if (PartialInsertionSort(a, b))
                {
                    Reached.Add("partialInsertionSort done");
                    return;
                }
            }
            if (a > 0 && !less(a - 1, pivot))
            {
                Reached.Add("partitionEqual");
                a = PartitionEqual(a, b, pivot);
                continue;
            }
            var (mid, alreadyPartitioned) = Partition(a, b, pivot);
            wasPartitioned = alreadyPartitioned;
            int leftLen = mid - a, rightLen = b - mid;
            var balanceThreshold = length / 8;
            if (leftLen < rightLen)
            {
                wasBalanced = leftLen >= balanceThreshold;
                Pdqsort(a, mid, limit);
                a = mid + 1;
            }
            else
            {
                wasBalanced = rightLen >= balanceThreshold;
                Pdqsort(mid + 1, b, limit);
                b = mid;
            }
        }
    }

    (int, bool) Partition(int a, int b, int pivot)
    {
        swap(a, pivot);
        int i = a + 1, j = b - 1;
        while (i <= j && less(i, a)) i++;
        while (i <= j && !less(j, a)) j--;
        if (i > j)
        {
            swap(j, a);
            return (j, true);
        }
        swap(i, j);
        i++;
        j--;
        while (true)
        {
            while (i <= j && less(i, a)) i++;
            while (i <= j && !less(j, a)) j--;
            if (i > j) break;
            swap(i, j);
            i++;
            j--;
        }
        swap(j, a);
        return (j, false);
    }

    int PartitionEqual(int a, int b, int pivot)
    {
        swap(a, pivot);
        int i = a + 1, j = b - 1;
        while (true)
        {
            while (i <= j && !less(a, i)) i++;
            while (i <= j && less(a, j)) j--;
            if (i > j) break;
            swap(i, j);
            i++;
            j--;
        }
        return i;
    }

    bool PartialInsertionSort(int a, int b)
    {
        const int maxSteps = 5, shortestShifting = 50;
        var i = a + 1;
        for (var step = 0; step < maxSteps; step++)
        {
            while (i < b && !less(i, i - 1)) i++;
            if (i == b) return true;
            if (b - a < shortestShifting) return false;
            Reached.Add("partialInsertionSort shift");
            swap(i, i - 1);
            if (i - a >= 2)
            {
                for (var j = i - 1; j >= 1; j--)
                {
                    if (!less(j, j - 1)) break;
                    swap(j, j - 1);
                }
            }
            if (b - i >= 2)
            {
                for (var j = i + 1; j < b; j++)
                {
                    if (!less(j, j - 1)) break;
                    swap(j, j - 1);
                }
            }
        }
        return false;
    }

    void BreakPatterns(int a, int b)
    {
        var length = b - a;
        if (length < 8) return;
        Reached.Add("breakPatterns");
        var random = (ulong)length; // xorshift(length)
        var bits = 0;
        for (var x = (uint)length; x != 0; x >>= 1) bits++;
        var modulus = 1u << bits; // nextPowerOfTwo
        var idx = a + (length / 4) * 2 - 1;
        for (var i = 0; i < 3; i++)
        {
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            var other = (int)((uint)random & (modulus - 1));
            if (other >= length) other -= length;
            swap(idx - 1 + i, a + other);
        }
    }

    /// <summary>Hints: 0 unknown, 1 increasing, 2 decreasing.</summary>
    (int, int) ChoosePivot(int a, int b)
    {
        const int shortestNinther = 50, maxSwaps = 4 * 3;
        var l = b - a;
        var swaps = 0;
        int i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;
        if (l >= 8)
        {
            if (l >= shortestNinther)
            {
                Reached.Add("ninther");
                i = MedianAdjacent(i, ref swaps);
                j = MedianAdjacent(j, ref swaps);
                k = MedianAdjacent(k, ref swaps);
            }
            j = Median(i, j, k, ref swaps);
        }
        return swaps switch
        {
            0 => (j, 1),
            maxSwaps => (j, 2),
            _ => (j, 0),
        };
    }

    (int, int) Order2(int a, int b, ref int swaps)
    {
        if (less(b, a))
        {
            swaps++;
            return (b, a);
        }
        return (a, b);
    }

    int Median(int a, int b, int c, ref int swaps)
    {
        (a, b) = Order2(a, b, ref swaps);
        (b, c) = Order2(b, c, ref swaps);
        (a, b) = Order2(a, b, ref swaps);
        _ = a;
        _ = c;
        return b;
    }

    int MedianAdjacent(int a, ref int swaps) => Median(a - 1, a, a + 1, ref swaps);

    void ReverseRange(int a, int b)
    {
        for (int i = a, j = b - 1; i < j; i++, j--) swap(i, j);
    }
}
