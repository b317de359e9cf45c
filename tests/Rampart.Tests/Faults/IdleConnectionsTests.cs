using System.Diagnostics;
using System.Globalization;
using System.Net;
using Xunit.Abstractions;

namespace Rampart.Tests.Faults;

/// <summary>
/// 10 000 idle TCP connections to the real server (issue 8): a normal decision is still answered,
/// and the keep-alive timeout (shortened to 15 s here; API-002's 120 s otherwise) closes every idle
/// one. The server runs in this process (for the short timeout); the idle clients are held by a
/// child <c>bash</c> (<c>/dev/tcp</c>), so neither process needs more than ~10 000 descriptors —
/// raising the hard RLIMIT_NOFILE needs CAP_SYS_RESOURCE, which containers often lack. Closing is
/// observed in <c>/proc/net/tcp</c>: no server-side socket of the port left ESTABLISHED.
/// </summary>
public sealed class IdleConnectionsTests(ITestOutputHelper output)
{
    const int Connections = 10_000;
    static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    const string Policy = """
        version: "1"
        default_action: allow
        policies: []
        """;

    [Fact]
    public async Task Ten_thousand_idle_connections_do_not_block_a_decision_and_are_closed_by_keep_alive()
    {
        await using var serve = await InProcessServe.StartAsync(Policy, o => o with { KeepAliveTimeout = KeepAlive });
        Assert.Equal(HttpStatusCode.OK, (await serve.PostAsync("/v1/tool/exec", """{"command":"git status"}""")).Status);
        var baseline = ProcessFigures.OfSelf();

        // The holder opens the connections one after another, says how many, then waits for stdin to close.
        var script = $"n=0; for ((i = 0; i < {Connections}; i++)); do exec {{fd}}<>/dev/tcp/127.0.0.1/{serve.Port} || break; n=$((n + 1)); done; echo \"opened $n\"; read -r _";
        var psi = new ProcessStartInfo("bash", ["-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var opening = Stopwatch.StartNew();
        using var holder = Process.Start(psi)!;
        try
        {
            var line = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var opened = opening.Elapsed;
            if (line != $"opened {Connections}") Assert.Fail($"the holder could not open {Connections} connections: {line} {await ReadErrorAsync(holder)}");
            var atPeak = ServerSideEstablished(serve.Port);
            var loaded = ProcessFigures.OfSelf();

            // A normal client still gets its decision (HttpClient's 30 s is the generous deadline).
            var (status, body) = await serve.PostAsync("/v1/tool/exec", """{"agent":"normal","command":"git status"}""");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(body.GetProperty("allowed").GetBoolean());
            output.WriteLine($"{Connections} connections opened in {opened.TotalSeconds:F1} s; {atPeak} established on the server when the decision was asked");
            output.WriteLine($"server (test process): before {baseline}; with the idle connections {loaded}");
            Assert.True(atPeak > Connections / 2, $"only {atPeak} connections were open at once: the test did not test much");

            // The keep-alive timeout closes them all (deadline: timeout + 60 s of slack).
            var deadline = DateTime.UtcNow + KeepAlive + TimeSpan.FromSeconds(60);
            int open;
            while ((open = ServerSideEstablished(serve.Port)) > 0 && DateTime.UtcNow < deadline) await Task.Delay(500);
            var closed = ProcessFigures.OfSelf();
            output.WriteLine($"idle connections closed by the server {opening.Elapsed.TotalSeconds:F1} s after the first was opened ({open} left); server now {closed}");
            Assert.Equal(0, open);
            Assert.True(closed.OpenFds < baseline.OpenFds + 500, $"the server kept descriptors: {baseline.OpenFds} before, {closed.OpenFds} after");
        }
        finally
        {
            holder.StandardInput.Close();
            if (!holder.WaitForExit(10_000)) holder.Kill();
        }
        Assert.Equal(HttpStatusCode.OK, (await serve.PostAsync("/v1/tool/exec", """{"command":"ls"}""")).Status);
    }

    static async Task<string> ReadErrorAsync(Process p)
    {
        p.StandardInput.Close();
        return await p.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Sockets whose local port is <paramref name="port"/> in state ESTABLISHED (01), from /proc/net/tcp.</summary>
    static int ServerSideEstablished(int port)
    {
        var local = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        var count = 0;
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 3 && fields[1].EndsWith(local, StringComparison.Ordinal) && fields[3] == "01") count++;
        }
        return count;
    }
}
