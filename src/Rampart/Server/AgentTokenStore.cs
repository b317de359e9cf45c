using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Rampart.Hosting;

namespace Rampart.Server;

/// <summary>One per-agent token as stored (API-014); the plaintext is never kept, only its SHA-256.</summary>
internal sealed record AgentToken
{
    public required string Hash { get; init; }
    public required string Agent { get; init; }
    public string Policy { get; init; } = "";
    public ImmutableArray<string> Scopes { get; init; } = [TokenScopes.Eval];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public string Note { get; init; } = "";
    public bool Revoked { get; init; }
    public string MaskedPrefix { get; init; } = "";

    /// <summary>Display form <c>rampart_&lt;masked_prefix&gt;...</c>.</summary>
    public string DisplayId => AgentTokenStore.Prefix + MaskedPrefix + "...";

    public bool HasExpired(DateTimeOffset now) => ExpiresAt is { } e && now > e;

    public bool HasScope(string scope) => Scopes.Contains(scope);

    public string Status(DateTimeOffset now) => Revoked ? "revoked" : HasExpired(now) ? "expired" : "active";
}

/// <summary>The two credential scopes (API-012).</summary>
internal static class TokenScopes
{
    public const string Eval = "eval";
    public const string Admin = "admin";
}

/// <summary>
/// The per-agent token file <c>~/.rampart/tokens.json</c> (API-014): read with the file-safety
/// rules (≤ 16 MiB, regular, 0600 forced, SEC-020..SEC-023), updated read-modify-write under the
/// cross-process lock with an atomic replace.
/// </summary>
internal sealed partial class AgentTokenStore(string path)
{
    public const string Prefix = "rampart_";
    const long MaxFileBytes = 16L << 20;

    public string FilePath { get; } = path;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>Lower-case hex SHA-256 of a presented token (API-011).</summary>
    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Every record; an absent file is an empty store. Malformed content throws <see cref="IOException"/>.</summary>
    public ImmutableArray<AgentToken> Load()
    {
        var bytes = OwnerOnlyFile.ReadAllBytes(FilePath, MaxFileBytes);
        if (bytes is null) return [];
        TokenFileJson? file;
        try
        {
            file = JsonSerializer.Deserialize(bytes, TokenStoreJson.Default.TokenFileJson);
        }
        catch (JsonException e)
        {
            throw new IOException($"{FilePath}: invalid token store: {e.Message}", e);
        }
        var builder = ImmutableArray.CreateBuilder<AgentToken>();
        foreach (var r in file?.Tokens ?? [])
        {
            if (string.IsNullOrEmpty(r.Hash)) continue;
            builder.Add(new AgentToken
            {
                Hash = r.Hash.ToLowerInvariant(),
                Agent = r.Agent ?? "",
                Policy = r.Policy ?? "",
                Scopes = r.Scopes is { Count: > 0 } s ? [.. s] : [TokenScopes.Eval],
                CreatedAt = ParseTime(r.CreatedAt) ?? DateTimeOffset.MinValue,
                ExpiresAt = ParseTime(r.ExpiresAt),
                Note = r.Note ?? "",
                Revoked = r.Revoked,
                MaskedPrefix = r.MaskedPrefix ?? "",
            });
        }
        return builder.ToImmutable();
    }

    /// <summary>Applies <paramref name="change"/> to the stored records under the store's lock and writes the result atomically.</summary>
    public ImmutableArray<AgentToken> Update(Func<ImmutableArray<AgentToken>, ImmutableArray<AgentToken>> change)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(FilePath))!;
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var held = FileLock.Acquire(FilePath, TimeSpan.FromSeconds(10));
        var updated = change(Load());
        var file = new TokenFileJson { Tokens = [] };
        foreach (var t in updated)
        {
            file.Tokens.Add(new TokenRecordJson
            {
                Hash = t.Hash,
                Agent = t.Agent,
                Policy = t.Policy.Length == 0 ? null : t.Policy,
                Scopes = [.. t.Scopes],
                CreatedAt = FormatTime(t.CreatedAt),
                ExpiresAt = t.ExpiresAt is { } e ? FormatTime(e) : null,
                Note = t.Note.Length == 0 ? null : t.Note,
                Revoked = t.Revoked,
                MaskedPrefix = t.MaskedPrefix,
            });
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(file, TokenStoreJson.Default.TokenFileJson);
        var content = new byte[json.Length + 1];
        json.CopyTo(content, 0);
        content[^1] = (byte)'\n';
        OwnerOnlyFile.Replace(FilePath, content);
        return updated;
    }

    /// <summary>A fresh plaintext token: <c>rampart_</c> + 48 lower-case hex characters (24 random bytes).</summary>
    public static string NewPlaintext() => Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>RFC 3339 in UTC with trailing fractional zeros trimmed, as Go's <c>time.RFC3339Nano</c> writes it.</summary>
    public static string FormatTime(DateTimeOffset t)
    {
        var text = t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        return text + "Z";
    }

    static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}

internal sealed class TokenFileJson
{
    [JsonPropertyName("tokens")] public List<TokenRecordJson>? Tokens { get; set; }
}

internal sealed class TokenRecordJson
{
    [JsonPropertyName("hash")] public string? Hash { get; set; }
    [JsonPropertyName("agent")] public string? Agent { get; set; }
    [JsonPropertyName("policy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Policy { get; set; }
    [JsonPropertyName("scopes")] public List<string>? Scopes { get; set; }
    [JsonPropertyName("created_at")] public string? CreatedAt { get; set; }
    [JsonPropertyName("expires_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ExpiresAt { get; set; }
    [JsonPropertyName("note"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Note { get; set; }
    [JsonPropertyName("revoked"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Revoked { get; set; }
    [JsonPropertyName("masked_prefix")] public string? MaskedPrefix { get; set; }
}

/// <summary>Source-generated JSON for the token store file (two-space indentation, API-014).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, IndentSize = 2)]
[JsonSerializable(typeof(TokenFileJson))]
internal sealed partial class TokenStoreJson : JsonSerializerContext;
