using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace Rampart.Tests.Faults;

/// <summary>
/// 10 000 idle TCP connections to the real server (issue 8): a normal decision is still answered,
/// and the keep-alive timeout (shortened to 10 s here, API-002's 120 s otherwise) closes every idle
/// one. Both ends live in this process, so it needs ~20 000 descriptors: the soft limit is raised
/// to the hard one (and, as root, the hard one too).
/// </summary>
public sealed class IdleConnectionsTests(ITestOutputHelper output)
{
    const int Connections = 10_000;
    static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(10);

    const string Policy = """
        version: "1"
        default_action: allow
        policies: []
        """;

    [Fact]
    public async Task Ten_thousand_idle_connections_do_not_block_a_decision_and_are_closed_by_keep_alive()
    {
        var limit = RaiseFileLimit(2 * Connections + 2_048);
        Assert.True(limit >= 2 * Connections + 1_024, $"RLIMIT_NOFILE is {limit}; {2 * Connections + 1_024} descriptors are needed (run as root, or raise ulimit -Hn)");
        await using var serve = await InProcessServe.StartAsync(Policy, o => o with { KeepAliveTimeout = KeepAlive });
        Assert.Equal(HttpStatusCode.OK, (await serve.PostAsync("/v1/tool/exec", """{"command":"git status"}""")).Status);
        var baseline = ProcessFigures.OfSelf();

        var sockets = new Socket[Connections];
        var opening = Stopwatch.StartNew();
        try
        {
            // In waves, so the listen backlog never overflows.
            for (var start = 0; start < Connections; start += 500)
            {
                var wave = new Task[Math.Min(500, Connections - start)];
                for (var i = 0; i < wave.Length; i++)
                {
                    var s = sockets[start + i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    wave[i] = s.ConnectAsync(IPAddress.Loopback, serve.Port);
                }
                await Task.WhenAll(wave);
            }
            var opened = opening.Elapsed;
            var loaded = ProcessFigures.OfSelf();

            // A normal client still gets its decision (generous deadline through HttpClient's 30 s).
            var (status, body) = await serve.PostAsync("/v1/tool/exec", """{"agent":"normal","command":"git status"}""");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(body.GetProperty("allowed").GetBoolean());
            var stillOpen = sockets.Count(IsOpen);
            output.WriteLine($"{Connections} connections opened in {opened.TotalSeconds:F1} s; {stillOpen} still open after the decision");
            output.WriteLine($"test process (client and server ends): before {baseline}; with {Connections} idle connections {loaded}");

            // The keep-alive timeout closes them all (deadline: timeout + 60 s of slack).
            var deadline = DateTime.UtcNow + KeepAlive + TimeSpan.FromSeconds(60);
            int open;
            while ((open = sockets.Count(IsOpen)) > 0 && DateTime.UtcNow < deadline) await Task.Delay(250);
            output.WriteLine($"all idle connections closed by the server after {opening.Elapsed.TotalSeconds:F1} s; {open} left");
            Assert.Equal(0, open);
        }
        finally
        {
            foreach (var s in sockets) s?.Dispose();
        }
        var after = ProcessFigures.OfSelf();
        output.WriteLine($"after closing: {after}");
        // The server released its ends: within a few hundred of the baseline (thread pool, GC noise).
        Assert.True(after.OpenFds < baseline.OpenFds + 500, $"descriptors leaked: {baseline.OpenFds} before, {after.OpenFds} after");
        Assert.Equal(HttpStatusCode.OK, (await serve.PostAsync("/v1/tool/exec", """{"command":"ls"}""")).Status);
    }

    /// <summary>Closed by the peer: readable with nothing to read (EOF), or reset.</summary>
    static bool IsOpen(Socket s)
    {
        try
        {
            return !(s.Poll(0, SelectMode.SelectRead) && s.Available == 0);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [DllImport("libc", SetLastError = true)]
    static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    static extern int setrlimit(int resource, ref RLimit limit);

    const int RlimitNofile = 7;

    /// <summary>Raises RLIMIT_NOFILE to at least <paramref name="wanted"/> if allowed; returns the soft limit in effect.</summary>
    static ulong RaiseFileLimit(int wanted)
    {
        if (getrlimit(RlimitNofile, out var l) != 0) return 0;
        if (l.Current >= (ulong)wanted) return l.Current;
        var raised = new RLimit { Current = Math.Max((ulong)wanted, l.Current), Max = Math.Max((ulong)wanted, l.Max) };
        if (setrlimit(RlimitNofile, ref raised) != 0)
        {
            // Not root: the soft limit up to the hard one is all we may do.
            raised = new RLimit { Current = l.Max, Max = l.Max };
            setrlimit(RlimitNofile, ref raised);
        }
        getrlimit(RlimitNofile, out l);
        return l.Current;
    }
}
