using System.Buffers;
using System.Text;

namespace Rampart.Core.Matching;

/// <summary>Bounds and text preparation shared by the glob matchers (POL-056 steps 1–2).</summary>
internal static class GlobInput
{
    /// <summary>Longest pattern or name, in UTF-8 bytes, that any matcher accepts (POL-056 step 1).</summary>
    public const int MaxBytes = 8192;

    /// <summary>Longest pattern containing <c>**</c>, in UTF-8 bytes (POL-056 step 1).</summary>
    public const int MaxDoubleStarBytes = 256;

    /// <summary>Buffers up to this many elements live on the stack; longer ones come from the shared pool.</summary>
    public const int StackLimit = 512;

    /// <summary>True when <paramref name="text"/> is at most <paramref name="max"/> UTF-8 bytes, without encoding it.</summary>
    public static bool FitsUtf8(ReadOnlySpan<char> text, int max)
    {
        // Each UTF-16 unit encodes to 1..3 bytes, so the length alone usually decides.
        if (text.Length > max) return false;
        if (text.Length * 3 <= max) return true;
        return Encoding.UTF8.GetByteCount(text) <= max;
    }

    /// <summary>Non-overlapping occurrences of <c>**</c>, counted left to right like Go's strings.Count.</summary>
    public static int CountDoubleStars(ReadOnlySpan<char> pattern)
    {
        var count = 0;
        for (var i = 0; i + 1 < pattern.Length; i++)
        {
            if (pattern[i] == '*' && pattern[i + 1] == '*')
            {
                count++;
                i++;
            }
        }
        return count;
    }

    /// <summary>Reads the code point at <paramref name="index"/> (a lone surrogate counts as one code point).</summary>
    public static int CodePointAt(ReadOnlySpan<char> text, int index, out int width)
    {
        var c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(c, text[index + 1]);
        }
        width = 1;
        return c;
    }

    /// <summary>Copies <paramref name="text"/> as UTF-8 into a stack or pooled buffer.</summary>
    public static ReadOnlySpan<byte> ToUtf8(ReadOnlySpan<char> text, Span<byte> stackBuffer, ref byte[]? rented)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var buffer = stackBuffer;
        if (max > stackBuffer.Length)
        {
            rented = ArrayPool<byte>.Shared.Rent(max);
            buffer = rented;
        }
        var written = Encoding.UTF8.GetBytes(text, buffer);
        return buffer[..written];
    }

    public static void Return(byte[]? rented)
    {
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    public static void Return(char[]? rented)
    {
        if (rented is not null) ArrayPool<char>.Shared.Return(rented);
    }
}
