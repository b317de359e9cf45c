using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Rampart.Server;

/// <summary>The outcome of checking a request's credential: a caller, or the status and message to refuse with.</summary>
internal readonly record struct AuthResult(Caller? Caller, int Status, string Error)
{
    public static AuthResult Refuse(int status, string error) => new(null, status, error);
}

/// <summary>
/// Resolves bearer credentials to callers (API-010..API-015). Comparisons are constant-time; the
/// per-agent store is re-read whenever its file changes and fails closed when it cannot be read.
/// </summary>
internal sealed class Authenticator
{
    readonly byte[] _adminToken;
    readonly AgentTokenStore _store;
    readonly TimeProvider _time;
    readonly ILogger _log;
    readonly Lock _gate = new();
    (bool Exists, long Length, DateTime Modified, UnixFileMode Mode) _loadedStamp;
    ImmutableArray<AgentToken> _tokens = [];
    bool _loadedOnce;

    public Authenticator(string adminToken, AgentTokenStore store, TimeProvider time, ILogger log)
    {
        _adminToken = Encoding.UTF8.GetBytes(adminToken);
        _store = store;
        _time = time;
        _log = log;
    }

    /// <summary>The bearer token of a request: <c>Authorization: Bearer …</c> (exact prefix after trimming), or null.</summary>
    public static string? BearerOf(string? header) => TryBearer(header, out var token) ? token.ToString() : null;

    /// <summary>
    /// <see cref="BearerOf"/> without the copy: the token as a slice of the header (issue 3: every
    /// authenticated request pays this; the string is only needed for per-agent tokens).
    /// </summary>
    public static bool TryBearer(string? header, out ReadOnlySpan<char> token)
    {
        token = default;
        if (header is null) return false;
        var trimmed = header.AsSpan().Trim();
        if (!trimmed.StartsWith("Bearer ", StringComparison.Ordinal)) return false;
        token = trimmed["Bearer ".Length..].Trim();
        return true;
    }

    /// <summary>Checks <paramref name="token"/> for <paramref name="scope"/>: 401 when unknown/revoked/expired, 403 when the scope is missing.</summary>
    public AuthResult Authenticate(string? token, string scope) => Authenticate(token.AsSpan(), scope);

    /// <inheritdoc cref="Authenticate(string?, string)"/>
    public AuthResult Authenticate(ReadOnlySpan<char> token, string scope)
    {
        if (token.IsEmpty) return AuthResult.Refuse(401, "missing authorization token");
        // On the stack for ordinary token lengths: this runs on every authenticated request (issue 3).
        var presented = token.Length <= 256 ? stackalloc byte[token.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(token.Length)];
        presented = presented[..Encoding.UTF8.GetBytes(token, presented)];
        Caller? caller = null;
        if (CryptographicOperations.FixedTimeEquals(presented, _adminToken))
        {
            caller = Caller.Admin;
        }
        else
        {
            var hash = Encoding.ASCII.GetBytes(AgentTokenStore.HashOf(token.ToString()));
            AgentToken? found = null;
            // Compare against every record (no early exit) so timing does not reveal the position.
            foreach (var t in CurrentTokens())
            {
                if (CryptographicOperations.FixedTimeEquals(hash, Encoding.ASCII.GetBytes(t.Hash)) && found is null) found = t;
            }
            if (found is null) return AuthResult.Refuse(401, "invalid authorization token");
            if (found.Revoked) return AuthResult.Refuse(401, "token has been revoked");
            if (found.HasExpired(_time.GetUtcNow()))
                return AuthResult.Refuse(401, "token expired — create a new one with: rampart token create --agent <agent>");
            caller = new Caller(found);
        }
        return caller.HasScope(scope) ? new AuthResult(caller, 200, "") : AuthResult.Refuse(403, $"this endpoint requires {scope} scope");
    }

    /// <summary>API-015: reload on any change of the file's size, mtime or mode; forget everything when it vanished or broke.</summary>
    ImmutableArray<AgentToken> CurrentTokens()
    {
        lock (_gate)
        {
            var info = new FileInfo(_store.FilePath);
            var stamp = info.Exists ? (true, info.Length, info.LastWriteTimeUtc, File.GetUnixFileMode(info.FullName)) : (false, 0L, default(DateTime), default(UnixFileMode));
            if (_loadedOnce && stamp == _loadedStamp) return _tokens;
            _loadedOnce = true;
            _loadedStamp = stamp;
            if (!stamp.Item1)
            {
                _tokens = [];
                return _tokens;
            }
            try
            {
                _tokens = _store.Load();
                // Reading forces 0600, which changes the mode we just stamped.
                if (info.Exists) _loadedStamp = (true, new FileInfo(_store.FilePath).Length, new FileInfo(_store.FilePath).LastWriteTimeUtc, File.GetUnixFileMode(_store.FilePath));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.LogWarning("token store unreadable; per-agent tokens disabled until it is fixed: error={Error}", e.Message);
                _tokens = [];
            }
            return _tokens;
        }
    }
}
