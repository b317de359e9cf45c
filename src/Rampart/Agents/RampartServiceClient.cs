using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Rampart.Agents;

/// <summary>
/// The hook's and wrap's HTTP client for <c>rampart serve</c> (CLI-082): one POST, a hard deadline
/// covering connect, send and read, no redirects (CLI-007), no host builder or DI in the way of
/// start-up. Over TCP, or HTTP over the server's Unix socket when the endpoint names one.
/// </summary>
internal sealed class RampartServiceClient : IDisposable
{
    /// <summary>CLI-082: 2 s for the whole exchange.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(2);

    const int MaxResponseBytes = 1024 * 1024;

    readonly ServiceEndpoint endpoint;
    readonly TimeSpan deadline;
    readonly HttpClient http;

    public RampartServiceClient(ServiceEndpoint endpoint, TimeSpan deadline)
    {
        this.endpoint = endpoint;
        this.deadline = deadline;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = deadline,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        if (endpoint.SocketPath is { } path) handler.ConnectCallback = (_, ct) => ConnectUnixAsync(path, ct);
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }; // the linked deadline below governs
    }

    /// <summary>Where requests go, for messages: the socket path or the base URL.</summary>
    public string Target => endpoint.SocketPath is { } path ? "unix:" + path : endpoint.BaseUrl.ToString().TrimEnd('/');

    /// <summary>Evaluates <paramref name="e"/> in the service; transport problems become a failed verdict, never an exception.</summary>
    public async Task<RemoteVerdict> EvaluateAsync(HookEvent e, string session, bool enforce)
    {
        var reply = await PostAsync(RemoteEvaluation.PathFor(e), RemoteEvaluation.Body(e, session, enforce)).ConfigureAwait(false);
        return reply.Failure is { } failure ? RemoteVerdict.Failed(failure) : RemoteEvaluation.Interpret(e, reply.Status, reply.Body);
    }

    /// <summary>POSTs JSON to <paramref name="path"/>; a transport problem or an oversized answer is a <see cref="ServiceReply.Failure"/>, never an exception.</summary>
    public async Task<ServiceReply> PostAsync(string path, byte[] json)
    {
        using var cts = new CancellationTokenSource(deadline);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint.BaseUrl.ToString().TrimEnd('/') + path));
            request.Content = new ByteArrayContent(json);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (endpoint.Token.Length > 0) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.Token);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response.Content, cts.Token).ConfigureAwait(false);
            return body is null ? ServiceReply.Failed("response body exceeds 1 MiB") : new ServiceReply((int)response.StatusCode, body, null);
        }
        catch (OperationCanceledException)
        {
            return ServiceReply.Failed($"no answer from {Target} within {deadline.TotalMilliseconds:0} ms");
        }
        catch (HttpRequestException ex)
        {
            // A socket connect failure arrives wrapped, with the placeholder host appended; say what happened to the socket.
            return ServiceReply.Failed(ex.InnerException is UnixConnectException unix ? unix.Message : $"{Target}: {ex.Message}");
        }
    }

    static async ValueTask<Stream> ConnectUnixAsync(string path, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var why = e.SocketErrorCode switch
            {
                SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported when !Path.Exists(path) => "no such socket (is `rampart serve --unix-socket` running?)",
                SocketError.ConnectionRefused => "connection refused (stale socket: the server is not running)",
                SocketError.AccessDenied => "permission denied (the socket's mode and directory decide who may connect)",
                _ => e.Message,
            };
            throw new UnixConnectException($"unix:{path}: {why}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A failed connect to the server's Unix socket, with a message fit for the user.</summary>
    sealed class UnixConnectException(string message, Exception inner) : IOException(message, inner);

    static async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var ms = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            if (ms.Length + n > MaxResponseBytes) return null;
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    public void Dispose() => http.Dispose();
}

/// <summary>The service's HTTP answer, or why there is none (<see cref="Failure"/> non-null).</summary>
internal sealed record ServiceReply(int Status, byte[] Body, string? Failure)
{
    public static ServiceReply Failed(string why) => new(0, [], why);
}
