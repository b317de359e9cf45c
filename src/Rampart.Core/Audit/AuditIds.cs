using System.Security.Cryptography;

namespace Rampart.Core.Audit;

/// <summary>ULIDs for events and approvals (AUD-015): 48-bit milliseconds + 80 CSPRNG bits, Crockford base32.</summary>
public static class AuditIds
{
    const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string NewUlid(DateTimeOffset time)
    {
        var ms = (ulong)Math.Max(0, time.ToUnixTimeMilliseconds()) & 0xFFFF_FFFF_FFFF;
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
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
