using System.Security.Cryptography;
using System.Text;

namespace Rampart.Hosting;

/// <summary>The service token — the admin credential (CLI-012): <c>RAMPART_TOKEN</c>, else <c>~/.rampart/token</c>, else a new random one.</summary>
internal static class ServiceToken
{
    const long MaxFileBytes = 1 << 20; // SEC-023

    /// <summary>Picks the token to serve with. Never logs it.</summary>
    public static string Resolve(string? fromEnvironment, StateDirectory state)
    {
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return fromEnvironment.Trim();
        var existing = Read(state);
        return existing ?? Generate();
    }

    /// <summary>The token stored in <c>~/.rampart/token</c>, or null when there is none.</summary>
    public static string? Read(StateDirectory state)
    {
        var bytes = OwnerOnlyFile.ReadAllBytes(state.AdminTokenFile, MaxFileBytes);
        if (bytes is null) return null;
        var text = Encoding.UTF8.GetString(bytes).Trim();
        return text.Length == 0 ? null : text;
    }

    /// <summary>32 random bytes as 64 lower-case hex characters.</summary>
    public static string Generate() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Writes the token to <c>~/.rampart/token</c> (0600, atomic, durable) unless it already holds it.</summary>
    public static void Persist(string token, StateDirectory state)
    {
        state.EnsureOwnerOnly();
        string? current;
        try { current = Read(state); }
        catch (IOException) { current = null; }
        if (current is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(current), Encoding.UTF8.GetBytes(token))) return;
        OwnerOnlyFile.Replace(state.AdminTokenFile, Encoding.UTF8.GetBytes(token));
    }

    /// <summary>What logs may show of a token: at most its first 4 characters (CLI-012).</summary>
    public static string Masked(string token) => (token.Length > 4 ? token[..4] : "") + "...";
}
