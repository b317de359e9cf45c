using System.Buffers.Binary;
using System.Net.Sockets;

namespace Rampart.Server;

/// <summary>
/// Who is on the other end of a Unix socket, as the kernel recorded it when the peer called
/// <c>connect()</c> (<c>SO_PEERCRED</c>, <c>struct ucred</c>). The peer cannot choose these values,
/// which is why a socket caller needs no bearer token (issue 7, "identity the agent cannot forge").
/// </summary>
internal readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    const int SolSocket = 1;   // SOL_SOCKET on Linux
    const int SoPeerCred = 17; // SO_PEERCRED on Linux (x86-64, arm64)
    const int UcredSize = 12;  // struct ucred { pid_t pid; uid_t uid; gid_t gid; }

    /// <summary>
    /// Reads the peer of a connected Unix socket. <see cref="Socket.GetRawSocketOption"/> is
    /// <c>getsockopt(2)</c> itself: no P/Invoke of our own, nothing for Native AOT to marshal.
    /// Null when the kernel gives no answer (not a Unix socket, or the peer is already gone).
    /// </summary>
    public static PeerCredentials? Of(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[UcredSize];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != UcredSize) return null;
        }
        catch (SocketException)
        {
            return null;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
        // ucred is in host byte order; every Linux target .NET supports is little-endian.
        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]));
    }
}
