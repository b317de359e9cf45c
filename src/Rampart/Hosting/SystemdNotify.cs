using System.Net.Sockets;
using System.Text;

namespace Rampart.Hosting;

/// <summary>
/// The <c>sd_notify</c> protocol for <c>Type=notify</c> units (CLI-013: readiness only once the
/// listener accepts requests): one datagram to the unix socket named by <c>NOTIFY_SOCKET</c>.
/// Written here rather than linking libsystemd so the static binary stays dependency-free.
/// Without <c>NOTIFY_SOCKET</c> (not under systemd) every call is a no-op.
/// </summary>
internal sealed class SystemdNotify(string? socketPath)
{
    /// <summary>The notifier for this process: <c>NOTIFY_SOCKET</c> from the environment.</summary>
    public static SystemdNotify FromEnvironment() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    public bool IsEnabled => !string.IsNullOrEmpty(socketPath);

    /// <summary>Tells the manager the service is up; <paramref name="status"/> shows in <c>systemctl status</c>.</summary>
    public bool Ready(string status) => Send($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}\n");

    /// <summary>Tells the manager a graceful shutdown has begun (CLI-016).</summary>
    public bool Stopping() => Send("STOPPING=1\n");

    /// <summary>Sends one notification; returns whether it was delivered. Failures never stop the service.</summary>
    public bool Send(string state)
    {
        if (!IsEnabled) return false;
        // A leading '@' names a socket in the abstract namespace (sd_notify(3)).
        var path = socketPath![0] == '@' ? "\0" + socketPath[1..] : socketPath;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
