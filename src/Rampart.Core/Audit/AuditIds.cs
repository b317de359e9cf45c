using System.Security.Cryptography;

namespace Rampart.Core.Audit;

/// <summary>ULIDs for events and approvals (AUD-015): 48-bit milliseconds + 80 CSPRNG bits, Crockford base32.</summary>
public static class AuditIds
{
    const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    const int RandomBytes = 10;
    const int IdsPerRefill = 32;

    // CSPRNG output fetched for 32 ids at a time, per thread: each id still takes its own 80 fresh
    // bits from the CSPRNG (AUD-015), but one generator call serves 32 ids (a call per id was most
    // of the id's cost). Bytes are handed out once and never reused.
    [ThreadStatic] static byte[]? t_random;
    [ThreadStatic] static int t_randomUsed;

    static ReadOnlySpan<byte> NextRandom()
    {
        var buffer = t_random ??= new byte[RandomBytes * IdsPerRefill];
        if (t_randomUsed == 0 || t_randomUsed >= buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            t_randomUsed = 0;
        }
        var bytes = buffer.AsSpan(t_randomUsed, RandomBytes);
        t_randomUsed += RandomBytes;
        return bytes;
    }

    public static string NewUlid(DateTimeOffset time)
    {
        var ms = (ulong)Math.Max(0, time.ToUnixTimeMilliseconds()) & 0xFFFF_FFFF_FFFF;
        var random = NextRandom();
        Span<char> chars = stackalloc char[26];
        // 10 characters of time (50 bits, the top two zero) ...
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }
        // ... and 16 characters of randomness (80 bits).
        UInt128 r = 0;
        foreach (var b in random) r = (r << 8) | b;
        for (var i = 25; i >= 10; i--)
        {
            chars[i] = Alphabet[(int)(r & 31)];
            r >>= 5;
        }
        return new string(chars);
    }
}
