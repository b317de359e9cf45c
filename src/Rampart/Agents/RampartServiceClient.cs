using System.Net.Http.Headers;

namespace Rampart.Agents;

/// <summary>
/// The hook's HTTP client for <c>rampart serve</c> (CLI-082): one POST, a hard deadline covering
/// connect, send and read, no redirects (CLI-007), no host builder or DI in the way of start-up.
/// </summary>
internal sealed class RampartServiceClient(ServiceEndpoint endpoint, TimeSpan deadline) : IDisposable
{
    /// <summary>CLI-082: 2 s for the whole exchange.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(2);

    const int MaxResponseBytes = 1024 * 1024;

    readonly HttpClient http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectTimeout = deadline,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // the linked deadline below governs
    };

    /// <summary>Evaluates <paramref name="e"/> in the service; transport problems become a failed verdict, never an exception.</summary>
    public async Task<RemoteVerdict> EvaluateAsync(HookEvent e, string session, bool enforce)
    {
        using var cts = new CancellationTokenSource(deadline);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint.BaseUrl.ToString().TrimEnd('/') + RemoteEvaluation.PathFor(e)));
            request.Content = new ByteArrayContent(RemoteEvaluation.Body(e, session, enforce));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (endpoint.Token.Length > 0) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.Token);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response.Content, cts.Token).ConfigureAwait(false);
            if (body is null) return RemoteVerdict.Failed("response body exceeds 1 MiB");
            return RemoteEvaluation.Interpret(e, (int)response.StatusCode, body);
        }
        catch (OperationCanceledException)
        {
            return RemoteVerdict.Failed($"no answer from {endpoint.BaseUrl} within {deadline.TotalMilliseconds:0} ms");
        }
        catch (HttpRequestException ex)
        {
            return RemoteVerdict.Failed($"{endpoint.BaseUrl}: {ex.Message}");
        }
    }

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
