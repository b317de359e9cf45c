using System.Security.Cryptography;
using System.Text;
using Rampart.Hosting;

namespace Rampart.Server.Approvals;

/// <summary>
/// Signed approval links (API-050, SEC-015): HMAC-SHA256 with a 32-byte key over
/// <c>approve:&lt;id&gt;:&lt;exp&gt;</c>, base64url without padding. A link authorises one
/// approve/deny of one approval until its expiry and never a persisted rule.
/// </summary>
internal sealed class ResolveLinks
{
    public const int KeyBytes = 32;
    readonly byte[] _key;

    ResolveLinks(byte[] key) => _key = key;

    public string KeyPath { get; private init; } = "";

    /// <summary>Loads the key, creating it on first start (CSPRNG, 0600, atomic); any other length or an unsafe file throws <see cref="IOException"/>.</summary>
    public static ResolveLinks Load(string keyPath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(keyPath))!;
        Directory.CreateDirectory(dir);
        using (FileLock.Acquire(keyPath, TimeSpan.FromSeconds(5)))
        {
            var bytes = OwnerOnlyFile.ReadAllBytes(keyPath, 4096);
            if (bytes is null)
            {
                bytes = RandomNumberGenerator.GetBytes(KeyBytes);
                OwnerOnlyFile.Replace(keyPath, bytes);
            }
            if (bytes.Length != KeyBytes)
                throw new IOException($"signing key {keyPath} must be exactly {KeyBytes} bytes, found {bytes.Length}; remove it to generate a new one");
            return new ResolveLinks(bytes) { KeyPath = keyPath };
        }
    }

    /// <summary>The signature of a link for approval <paramref name="id"/> valid until Unix second <paramref name="exp"/>.</summary>
    public string Sign(string id, long exp) =>
        Base64Url(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"approve:{id}:{exp}")));

    /// <summary>API-050 validation: an integer <paramref name="exp"/> not yet passed and a matching signature (constant time).</summary>
    public bool Verify(string id, string sig, string exp, DateTimeOffset now)
    {
        if (!long.TryParse(exp, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seconds)) return false;
        if (now.ToUnixTimeSeconds() > seconds) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(id, seconds));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(sig));
    }

    /// <summary><c>&lt;base&gt;/v1/approvals/&lt;id&gt;/resolve?sig=…&amp;exp=…</c> for an approval expiring at <paramref name="expiresAt"/>.</summary>
    public string UrlFor(string baseUrl, string id, DateTimeOffset expiresAt)
    {
        var exp = expiresAt.ToUnixTimeSeconds();
        return $"{baseUrl.TrimEnd('/')}/v1/approvals/{Uri.EscapeDataString(id)}/resolve?sig={Uri.EscapeDataString(Sign(id, exp))}&exp={exp}";
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
