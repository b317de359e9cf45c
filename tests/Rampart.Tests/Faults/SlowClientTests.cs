using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Rampart.Server;
using Xunit.Abstractions;

namespace Rampart.Tests.Faults;

/// <summary>
/// Slowloris (issue 8, API-002): a client that sends one byte per second — of its headers, or of
/// its body — is disconnected by the server's header timeout or minimum body data rate, while a
/// normal client is answered meanwhile, and the slow request leaves no audit record. The timeouts
/// are shortened (2 s instead of 5 s) so the test runs in seconds; the deadlines are generous.
/// </summary>
public sealed class SlowClientTests(ITestOutputHelper output)
{
    const string Policy = """
        version: "1"
        default_action: allow
        policies: []
        """;

    static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(2);
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    static ServeOptions Short(ServeOptions o) => o with { RequestHeadersTimeout = HeaderTimeout, MinDataRateGracePeriod = Grace };

    public static TheoryData<string> Phases => ["headers", "body"];

    [Theory]
    [MemberData(nameof(Phases))]
    public async Task One_byte_per_second_client_is_dropped_while_others_are_served(string phase)
    {
        await using var serve = await InProcessServe.StartAsync(Policy, Short);
        var body = """{"agent":"slowloris","command":"git status"}""";
        var head = $"POST /v1/tool/exec HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ServeProcess.Token}\r\n" +
                   $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await slow.ConnectAsync(IPAddress.Loopback, serve.Port);
        if (phase == "body") await slow.SendAsync(Encoding.ASCII.GetBytes(head)); // headers at once, then the body trickles
        var trickle = Encoding.ASCII.GetBytes(phase == "headers" ? head + body : body);

        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var dribbler = DribbleAsync(slow, trickle, stop.Token);
        var reader = ReadUntilClosedAsync(slow);

        // Meanwhile a normal client is served (generous deadline: the point is "not blocked").
        var (status, normal) = await serve.PostAsync("/v1/tool/exec", """{"agent":"normal","command":"git status"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var normalId = normal.GetProperty("audit_id").GetString()!;

        var finished = await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == reader, $"the {phase} slowloris connection was still open after 30 s");
        var closedAfter = clock.Elapsed;
        var bytesSent = await StopAsync(stop, dribbler);
        var reply = await reader;
        output.WriteLine($"{phase}: closed by the server after {closedAfter.TotalSeconds:F1} s ({bytesSent} of {trickle.Length} bytes sent); reply: {reply.Split("\r\n")[0]}");
        Assert.True(bytesSent < trickle.Length, "the whole request got through: the server never cut it off");
        // Answered 408 (or just disconnected) — never accepted, never a server error.
        Assert.True(reply.Length == 0 || reply.StartsWith("HTTP/1.1 408 ", StringComparison.Ordinal), "unexpected answer: " + reply);
        // "Within the configured window": the timeout plus Kestrel's 1 s heartbeat, with slack for a loaded machine.
        Assert.True(closedAfter < HeaderTimeout + Grace + TimeSpan.FromSeconds(20), $"closed only after {closedAfter}");

        // The server still works, and the cut request left no record.
        Assert.Equal(HttpStatusCode.OK, (await serve.PostAsync("/v1/tool/exec", """{"agent":"normal","command":"ls"}""")).Status);
        await serve.StopAsync();
        var ids = ServeProcess.RecordIds(serve.AuditDir);
        Assert.Equal(2, ids.Count);
        Assert.Contains(normalId, ids);
    }

    /// <summary>Sends one byte per second until stopped or the server resets the connection; returns bytes sent.</summary>
    static async Task<int> DribbleAsync(Socket socket, byte[] bytes, CancellationToken stop)
    {
        var sent = 0;
        try
        {
            for (; sent < bytes.Length && !stop.IsCancellationRequested; sent++)
            {
                await socket.SendAsync(bytes.AsMemory(sent, 1), SocketFlags.None, stop);
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Reset by the server, or stopped.
        }
        return sent;
    }

    static async Task<int> StopAsync(CancellationTokenSource stop, Task<int> dribbler)
    {
        stop.Cancel();
        return await dribbler;
    }

    /// <summary>Reads until the server closes (EOF or reset); returns what it answered, if anything.</summary>
    static async Task<string> ReadUntilClosedAsync(Socket socket)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0) break;
                text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (SocketException)
        {
            // Reset: closed too.
        }
        return text.ToString();
    }
}
