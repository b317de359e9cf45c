using Microsoft.Extensions.Logging;

namespace Rampart.Server;

/// <summary>
/// The connection feature of a request that arrived on the Unix socket: the kernel's peer
/// credentials and the identity map that turns them into a caller. Requests over TCP never carry
/// it, so nothing a TCP client sends can reach this path.
/// </summary>
internal sealed class SocketPeer(PeerCredentials? credentials, SocketIdentities identities, ILogger log)
{
    public PeerCredentials? Credentials { get; } = credentials;

    /// <summary>
    /// The caller for <paramref name="scope"/>. On the socket the kernel's uid is the credential and
    /// an <c>Authorization</c> header is ignored: only the uid decides, so there is nothing to leak or
    /// replay. Statuses follow API-011/API-012: a uid that maps to no identity is an unrecognised
    /// credential (401, like an unknown token); a mapped identity without the scope is 403.
    /// </summary>
    public AuthResult Authenticate(string scope)
    {
        if (Credentials is not { } peer) return AuthResult.Refuse(401, "unix socket peer credentials are unavailable");
        if (identities.Find(peer.Uid) is not { } identity)
        {
            log.LogWarning("unix socket caller refused: uid={Uid} gid={Gid} pid={Pid} is not in {Path}", peer.Uid, peer.Gid, peer.Pid, identities.FilePath);
            return AuthResult.Refuse(401, $"unix socket caller uid {peer.Uid} is not mapped to a Rampart agent identity");
        }
        var caller = identity.ToCaller();
        return caller.HasScope(scope) ? new AuthResult(caller, 200, "") : AuthResult.Refuse(403, $"this endpoint requires {scope} scope");
    }
}
