using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rampart.Hosting;

namespace Rampart.Server;

/// <summary>
/// <c>serve --unix-socket PATH</c> (project addition, issue 7): where the socket goes and who may open it.
/// </summary>
/// <param name="Path">Absolute path of the socket file.</param>
/// <param name="Mode">Permission bits of the socket file (default 0660: connecting needs write permission).</param>
/// <param name="Group">Group to give the socket (and a directory created for it), so agent users in it can connect; null keeps the service's group.</param>
/// <param name="IdentitiesPath">The uid → agent identity map (<see cref="SocketIdentities"/>).</param>
public sealed record UnixSocketOptions(string Path, UnixFileMode Mode, string? Group, string IdentitiesPath)
{
    /// <summary>0660: owner and group may connect; the identity map still decides who is served.</summary>
    public const UnixFileMode DefaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>0750 for a directory <c>serve</c> creates: the group may reach the socket, others may not even look.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
}

/// <summary>
/// The Unix socket listener: prepares the path (directory, stale socket), binds it through Kestrel,
/// stamps each connection with its kernel peer credentials (<see cref="SocketPeer"/>), sets the
/// socket's mode and group once bound, and removes the file when the server stops.
/// </summary>
internal sealed class UnixSocketListener
{
    readonly UnixSocketOptions _options;
    readonly uint? _gid;
    SocketIdentities? _identities;
    ILogger? _log;

    UnixSocketListener(UnixSocketOptions options, uint? gid)
    {
        _options = options;
        _gid = gid;
    }

    public string Path => _options.Path;

    /// <summary>Checks the options and clears the way for binding: creates a missing directory, removes a stale socket.</summary>
    /// <exception cref="ServeException">The path cannot be used.</exception>
    public static UnixSocketListener Prepare(UnixSocketOptions options)
    {
        var path = options.Path;
        if (!System.IO.Path.IsPathFullyQualified(path)) throw new ServeException($"serve: --unix-socket must be an absolute path, got \"{path}\"");
        // sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
        if (System.Text.Encoding.UTF8.GetByteCount(path) > 107) throw new ServeException($"serve: --unix-socket path is longer than 107 bytes: {path}");
        uint? gid = null;
        if (options.Group is { Length: > 0 } group)
        {
            gid = UnixAccounts.Read().Group(group)?.Gid
                ?? (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric) ? numeric : throw new ServeException($"serve: --unix-socket-group: no group \"{group}\" in /etc/group"));
        }
        try
        {
            var dir = System.IO.Path.GetDirectoryName(path)!;
            if (!Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir, UnixSocketOptions.DirectoryMode);
                if (gid is { } g) Posix.Chown(dir, uint.MaxValue, g);
            }
            RemoveStale(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServeException("serve: unix socket: " + e.Message, e);
        }
        return new UnixSocketListener(options, gid);
    }

    /// <summary>
    /// A socket file left by a crashed server is removed; a live one (something answers) or any
    /// other kind of file is left alone and refused: start-up must never delete what is not ours.
    /// </summary>
    static void RemoveStale(string path)
    {
        if (Posix.Lstat(path) is not { } existing) return;
        if (existing.Kind != PathKind.Other) throw new IOException($"{path} exists and is not a socket; remove it or choose another --unix-socket path");
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused)
        {
            File.Delete(path);
            return;
        }
        catch (SocketException e)
        {
            throw new IOException($"{path} exists and cannot be probed ({e.Message}); remove it if no server uses it", e);
        }
        throw new IOException($"another process is already listening on {path}");
    }

    /// <summary>Adds the socket endpoint to Kestrel, with the connection step that records the peer.</summary>
    public void Listen(KestrelServerOptions kestrel) =>
        kestrel.ListenUnixSocket(_options.Path, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                // SO_PEERCRED describes the process that called connect(); read it once per connection.
                var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
                var peer = socket is null ? null : PeerCredentials.Of(socket);
                connection.Features.Set(new SocketPeer(peer, _identities!, _log!));
                return next(connection);
            });
        });

    /// <summary>Loads the identity map (a broken map stops start-up) and arranges for the socket file to go when the server stops.</summary>
    /// <exception cref="ServeException">The identity map is unsafe or invalid.</exception>
    public void Attach(WebApplication app)
    {
        _log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("rampart.socket");
        try
        {
            _identities = SocketIdentities.Open(_options.IdentitiesPath, _log);
        }
        catch (IOException e)
        {
            throw new ServeException("serve: unix socket identities: " + e.Message, e);
        }
        app.Lifetime.ApplicationStopped.Register(Remove);
    }

    /// <summary>Once bound: the configured mode and group. Until then the directory (0750 when created here) keeps others out.</summary>
    public void Secure()
    {
        File.SetUnixFileMode(_options.Path, _options.Mode);
        if (_gid is { } gid) Posix.Chown(_options.Path, uint.MaxValue, gid);
    }

    void Remove()
    {
        try
        {
            if (Posix.Lstat(_options.Path) is { Kind: PathKind.Other }) File.Delete(_options.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.LogWarning("could not remove unix socket {Path}: {Error}", _options.Path, e.Message);
        }
    }

    /// <summary>The ready line's description of the listener.</summary>
    public string Describe() => $"unix:{_options.Path} (mode {Convert.ToString((int)_options.Mode, 8).PadLeft(4, '0')}, identities {_options.IdentitiesPath})";
}
