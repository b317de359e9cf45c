using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rampart.Tests.Agents;

/// <summary>
/// A minimal real HTTP/1.1 server on 127.0.0.1:0 that stands in for <c>rampart serve</c> in hook tests.
/// Raw sockets, so a test can answer anything — including garbage, or nothing at all for a while.
/// </summary>
public sealed class FakeRampartServer : IAsyncDisposable
{
    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

    /// <summary>A canned answer; <see cref="Delay"/> holds it back (slow server), <see cref="Raw"/> replaces the whole response.</summary>
    public sealed record Reply(int Status, string Body, TimeSpan Delay = default, string? Raw = null);

    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource stop = new();
    readonly Func<Request, Reply> handler;
    readonly Task loop;

    public ConcurrentQueue<Request> Requests { get; } = new();

    public FakeRampartServer(Func<Request, Reply> handler)
    {
        this.handler = handler;
        listener.Start();
        loop = AcceptLoopAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    /// <summary>A preflight-style JSON answer.</summary>
    public static Reply Json(string body, int status = 200) => new(status, body);

    async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception) { return; }
            _ = ServeAsync(client);
        }
    }

    async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream);
                if (request is null) return;
                Requests.Enqueue(request);
                var reply = handler(request);
                if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay, stop.Token);
                var raw = reply.Raw ?? $"HTTP/1.1 {reply.Status} X\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(reply.Body)}\r\nConnection: close\r\n\r\n{reply.Body}";
                await stream.WriteAsync(Encoding.UTF8.GetBytes(raw), stop.Token);
            }
            catch (Exception)
            {
                // The client gave up (deadline) or the test ended: nothing to answer.
            }
        }
    }

    static async Task<Request?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(buffer))
        {
            if (await stream.ReadAsync(one) == 0) return null;
            buffer.Add(one[0]);
        }
        var head = Encoding.ASCII.GetString(buffer.ToArray()).Split("\r\n");
        var requestLine = head[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head[1..])
        {
            var colon = line.IndexOf(':');
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var length = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl) : 0;
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await stream.ReadAsync(body.AsMemory(read));
            if (n == 0) break;
            read += n;
        }
        return new Request(requestLine[0], requestLine[1], headers, Encoding.UTF8.GetString(body, 0, read));
    }

    static bool EndsWithBlankLine(List<byte> b) =>
        b.Count >= 4 && b[^4] == '\r' && b[^3] == '\n' && b[^2] == '\r' && b[^1] == '\n';

    /// <summary>A loopback port nobody listens on (bound, then released).</summary>
    public static string ClosedPortUrl()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return $"http://127.0.0.1:{port}";
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        try { await loop; } catch (Exception) { }
        stop.Dispose();
    }
}
