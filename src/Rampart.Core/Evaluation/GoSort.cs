using System.Numerics;

namespace Rampart.Core.Evaluation;

/// <summary>Strict "a before b" relation for <see cref="GoSort"/>; a struct so calls are not virtual and nothing is captured.</summary>
internal interface IGoLess<T>
{
    bool Less(T a, T b);
}

/// <summary>
/// An exact port of Go's <c>sort.Slice</c> (pattern-defeating quicksort, Go 1.19–1.25), POL-034 and
/// Appendix A. It is unstable, and upstream's decision (which message wins, the order of
/// <c>matched_policies</c>) depends on exactly how it permutes equal priorities, so every step —
/// pivot choice, partitioning, the pattern breaker — must be reproduced, not just "a sort".
/// </summary>
internal static class GoSort
{
    const int MaxInsertion = 12;

    public static void Slice<T, TLess>(Span<T> data, TLess less) where TLess : struct, IGoLess<T>
    {
        var n = data.Length;
        var limit = BitLength((uint)n);
        Pdq(data, less, 0, n, limit);
    }

    static int BitLength(uint x) => 32 - BitOperations.LeadingZeroCount(x);

    static bool L<T, TLess>(Span<T> d, TLess less, int i, int j) where TLess : struct, IGoLess<T> => less.Less(d[i], d[j]);

    static void Swap<T>(Span<T> d, int i, int j) => (d[i], d[j]) = (d[j], d[i]);

    enum Hint { Unknown, Increasing, Decreasing }

    static void Pdq<T, TLess>(Span<T> d, TLess less, int a, int b, int limit) where TLess : struct, IGoLess<T>
    {
        var wasBalanced = true;
        var wasPartitioned = true;
        while (true)
        {
            var length = b - a;
            if (length <= MaxInsertion)
            {
                InsertionSort(d, less, a, b);
                return;
            }
            if (limit == 0)
            {
                HeapSort(d, less, a, b);
                return;
            }
            if (!wasBalanced)
            {
                BreakPatterns(d, a, b);
                limit--;
            }
            var (pivot, hint) = ChoosePivot(d, less, a, b);
            if (hint == Hint.Decreasing)
            {
                ReverseRange(d, a, b);
                pivot = (b - 1) - (pivot - a);
                hint = Hint.Increasing;
            }
            if (wasBalanced && wasPartitioned && hint == Hint.Increasing && PartialInsertionSort(d, less, a, b)) return;
            if (a > 0 && !L(d, less, a - 1, pivot))
            {
                a = PartitionEqual(d, less, a, b, pivot);
                continue;
            }
            var (mid, already) = Partition(d, less, a, b, pivot);
            wasPartitioned = already;
            int left = mid - a, right = b - mid;
            var threshold = length / 8;
            if (left < right)
            {
                wasBalanced = left >= threshold;
                Pdq(d, less, a, mid, limit);
                a = mid + 1;
            }
            else
            {
                wasBalanced = right >= threshold;
                Pdq(d, less, mid + 1, b, limit);
                b = mid;
            }
        }
    }

    static void InsertionSort<T, TLess>(Span<T> d, TLess less, int a, int b) where TLess : struct, IGoLess<T>
    {
        for (var i = a + 1; i < b; i++)
        {
            for (var j = i; j > a && L(d, less, j, j - 1); j--) Swap(d, j, j - 1);
        }
    }

    static void SiftDown<T, TLess>(Span<T> d, TLess less, int lo, int hi, int first) where TLess : struct, IGoLess<T>
    {
        var root = lo;
        while (true)
        {
            var child = 2 * root + 1;
            if (child >= hi) return;
            if (child + 1 < hi && L(d, less, first + child, first + child + 1)) child++;
            if (!L(d, less, first + root, first + child)) return;
            Swap(d, first + root, first + child);
            root = child;
        }
    }

    static void HeapSort<T, TLess>(Span<T> d, TLess less, int a, int b) where TLess : struct, IGoLess<T>
    {
        var first = a;
        var hi = b - a;
        for (var i = (hi - 1) / 2; i >= 0; i--) SiftDown(d, less, i, hi, first);
        for (var i = hi - 1; i >= 0; i--)
        {
            Swap(d, first, first + i);
            SiftDown(d, less, 0, i, first);
        }
    }

    static (int, Hint) ChoosePivot<T, TLess>(Span<T> d, TLess less, int a, int b) where TLess : struct, IGoLess<T>
    {
        const int shortestNinther = 50;
        const int maxSwaps = 4 * 3;
        var l = b - a;
        var swaps = 0;
        var i = a + l / 4 * 1;
        var j = a + l / 4 * 2;
        var k = a + l / 4 * 3;
        if (l >= 8)
        {
            if (l >= shortestNinther)
            {
                i = Median(d, less, i - 1, i, i + 1, ref swaps);
                j = Median(d, less, j - 1, j, j + 1, ref swaps);
                k = Median(d, less, k - 1, k, k + 1, ref swaps);
            }
            j = Median(d, less, i, j, k, ref swaps);
        }
        return swaps switch
        {
            0 => (j, Hint.Increasing),
            maxSwaps => (j, Hint.Decreasing),
            _ => (j, Hint.Unknown),
        };
    }

    static int Median<T, TLess>(Span<T> d, TLess less, int a, int b, int c, ref int swaps) where TLess : struct, IGoLess<T>
    {
        Order2(d, less, ref a, ref b, ref swaps);
        Order2(d, less, ref b, ref c, ref swaps);
        Order2(d, less, ref a, ref b, ref swaps);
        return b;
    }

    static void Order2<T, TLess>(Span<T> d, TLess less, ref int a, ref int b, ref int swaps) where TLess : struct, IGoLess<T>
    {
        if (L(d, less, b, a))
        {
            swaps++;
            (a, b) = (b, a);
        }
    }

    static void ReverseRange<T>(Span<T> d, int a, int b)
    {
        for (int i = a, j = b - 1; i < j; i++, j--) Swap(d, i, j);
    }

    static bool PartialInsertionSort<T, TLess>(Span<T> d, TLess less, int a, int b) where TLess : struct, IGoLess<T>
    {
        const int maxSteps = 5;
        const int shortestShifting = 50;
        var i = a + 1;
        for (var step = 0; step < maxSteps; step++)
        {
            while (i < b && !L(d, less, i, i - 1)) i++;
            if (i == b) return true;
            if (b - a < shortestShifting) return false;
            Swap(d, i, i - 1);
            if (i - a >= 2)
            {
                // Go shifts down to index 1, not a+1 (Appendix A).
                for (var j = i - 1; j >= 1; j--)
                {
                    if (!L(d, less, j, j - 1)) break;
                    Swap(d, j, j - 1);
                }
            }
            if (b - i >= 2)
            {
                for (var j = i + 1; j < b; j++)
                {
                    if (!L(d, less, j, j - 1)) break;
                    Swap(d, j, j - 1);
                }
            }
        }
        return false;
    }

    static (int, bool) Partition<T, TLess>(Span<T> d, TLess less, int a, int b, int pivot) where TLess : struct, IGoLess<T>
    {
        Swap(d, a, pivot);
        int i = a + 1, j = b - 1;
        while (i <= j && L(d, less, i, a)) i++;
        while (i <= j && !L(d, less, j, a)) j--;
        if (i > j)
        {
            Swap(d, j, a);
            return (j, true);
        }
        Swap(d, i, j);
        i++;
        j--;
        while (true)
        {
            while (i <= j && L(d, less, i, a)) i++;
            while (i <= j && !L(d, less, j, a)) j--;
            if (i > j) break;
            Swap(d, i, j);
            i++;
            j--;
        }
        Swap(d, j, a);
        return (j, false);
    }

    static int PartitionEqual<T, TLess>(Span<T> d, TLess less, int a, int b, int pivot) where TLess : struct, IGoLess<T>
    {
        Swap(d, a, pivot);
        int i = a + 1, j = b - 1;
        while (true)
        {
            while (i <= j && !L(d, less, a, i)) i++;
            while (i <= j && L(d, less, a, j)) j--;
            if (i > j) break;
            Swap(d, i, j);
            i++;
            j--;
        }
        return i;
    }

    static void BreakPatterns<T>(Span<T> d, int a, int b)
    {
        var length = b - a;
        if (length < 8) return;
        // Go's sort.go: xorshift64 (13, 7, 17) seeded with the length, modulus = next power of two,
        // and the three swapped slots are idx-1, idx, idx+1 with idx = a + (length/4)*2 - 1.
        // Appendix A of POLICY.md states (13, 17, 5) and idx..idx+2; this follows Go's source
        // (reported to the lead as a spec discrepancy; no conformance vector reaches this path).
        var random = (ulong)length;
        var modulus = 1u << BitLength((uint)length);
        var idx = a + (length / 4) * 2 - 1;
        for (var i = 0; i < 3; i++)
        {
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            var other = (int)((uint)random & (modulus - 1));
            if (other >= length) other -= length;
            Swap(d, idx - 1 + i, a + other);
        }
    }
}
