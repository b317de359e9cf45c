using System.Net;
using System.Text.Json;

namespace Rampart.Tests.Server;

public sealed class EventStreamEndpointTests : IAsyncLifetime
{
    ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>An open SSE connection that has already received its <c>connected</c> frame.</summary>
    public sealed class Stream(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public HttpResponseMessage Response { get; } = response;

        public async Task<JsonElement> NextFrameAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("event stream ended");
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                using var doc = JsonDocument.Parse(line["data: ".Length..]);
                return doc.RootElement.Clone();
            }
        }

        public async Task<JsonElement> NextAuditAsync()
        {
            while (true)
            {
                var frame = await NextFrameAsync();
                if (frame.GetProperty("type").GetString() == "audit") return frame;
            }
        }

        public void Dispose()
        {
            reader.Dispose();
            Response.Dispose();
        }
    }

    public static async Task<Stream> OpenAsync(ServerHarness server, string? path = null, bool header = true)
    {
        var request = server.Request(HttpMethod.Get, path ?? "/v1/events/stream", header ? server.AdminToken : null);
        var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var stream = new Stream(response, reader);
        var first = await stream.NextFrameAsync();
        Assert.Equal("connected", first.GetProperty("type").GetString());
        return stream;
    }

    [Fact]
    public async Task Stream_starts_with_connected_and_carries_sse_headers()
    {
        using var stream = await OpenAsync(_server);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", stream.Response.Headers.CacheControl?.ToString());
        Assert.Equal("no", stream.Response.Headers.GetValues("X-Accel-Buffering").Single());
    }

    [Fact]
    public async Task Every_decision_is_broadcast_as_an_audit_frame()
    {
        using var stream = await OpenAsync(_server);
        var (_, body) = await _server.PostAsync("/v1/tool/exec", """{"agent":"a","session":"s","command":"rm -rf /x"}""");
        var frame = await stream.NextAuditAsync();
        var evt = frame.GetProperty("event");
        Assert.Equal(body.GetProperty("audit_id").GetString(), evt.GetProperty("id").GetString());
        Assert.Equal("exec", evt.GetProperty("tool").GetString());
        Assert.Equal("deny", evt.GetProperty("decision").GetProperty("action").GetString());
        Assert.Equal("rm -rf /x", evt.GetProperty("request").GetProperty("command").GetString());
        Assert.Equal("", evt.GetProperty("hash").GetString());
    }

    [Fact]
    public async Task Query_token_is_accepted_for_the_stream_only()
    {
        using var stream = await OpenAsync(_server, "/v1/events/stream?token=" + _server.AdminToken, header: false);
        var (status, _) = await _server.SendAsync(HttpMethod.Get, "/v1/status?token=" + _server.AdminToken, null);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }
}
