using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Rampart.Hosting;

namespace Rampart.Tests.Deployment;

/// <summary>Type=notify readiness over a real unix datagram socket (sd_notify protocol, CLI-013).</summary>
public sealed class SystemdNotifyTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rampart-notify-");
    readonly string _socketPath;
    readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public SystemdNotifyTests()
    {
        _socketPath = Path.Combine(_dir.FullName, "notify.sock");
        _socket.Bind(new UnixDomainSocketEndPoint(_socketPath));
    }

    public void Dispose()
    {
        _socket.Dispose();
        _dir.Delete(recursive: true);
    }

    async Task<string> ReceiveAsync(TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public async Task Ready_sends_READY_1_with_status_and_main_pid()
    {
        Assert.True(new SystemdNotify(_socketPath).Ready("serving on 127.0.0.1:9090"));

        var message = await ReceiveAsync(TimeSpan.FromSeconds(5));
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("READY=1", lines);
        Assert.Contains("STATUS=serving on 127.0.0.1:9090", lines);
        Assert.Contains($"MAINPID={Environment.ProcessId}", lines);
    }

    [Fact]
    public async Task Stopping_sends_STOPPING_1()
    {
        Assert.True(new SystemdNotify(_socketPath).Stopping());
        Assert.Equal("STOPPING=1\n", await ReceiveAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_at_sign_names_an_abstract_socket()
    {
        var name = "rampart-test-" + Guid.NewGuid().ToString("N");
        using var abstractSocket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        abstractSocket.Bind(new UnixDomainSocketEndPoint("\0" + name));

        Assert.True(new SystemdNotify("@" + name).Ready("x"));
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var n = await abstractSocket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        Assert.StartsWith("READY=1\n", Encoding.UTF8.GetString(buffer, 0, n));
    }

    [Fact]
    public void Without_a_notify_socket_nothing_is_sent()
    {
        var notify = new SystemdNotify(null);
        Assert.False(notify.IsEnabled);
        Assert.False(notify.Ready("x"));
    }

    [Fact]
    public void A_missing_socket_is_not_an_error()
    {
        Assert.False(new SystemdNotify(Path.Combine(_dir.FullName, "absent.sock")).Ready("x"));
    }

    [Fact]
    public async Task Serve_reports_ready_only_once_it_answers_and_stopping_on_sigterm()
    {
        var home = Directory.CreateTempSubdirectory("rampart-notify-home-").FullName;
        var port = FreePort();
        var psi = new ProcessStartInfo(RampartProcess.BinaryPath, ["serve", "--port", port.ToString(), "--allow-root"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.Environment["HOME"] = home;
        psi.Environment["NOTIFY_SOCKET"] = _socketPath;
        psi.Environment.Remove("RAMPART_TOKEN");
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var ready = await ReceiveAsync(TimeSpan.FromSeconds(60));
            Assert.Contains("READY=1\n", ready);
            Assert.Contains($"MAINPID={process.Id}\n", ready);
            // READY=1 promises a listener: the very first request must succeed, no retry.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var health = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
            Assert.Equal(200, (int)health.StatusCode);

            Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
            Assert.Equal("STOPPING=1\n", await ReceiveAsync(TimeSpan.FromSeconds(15)));
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(exit.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await stderr;
            Directory.Delete(home, recursive: true);
        }
    }

    static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
