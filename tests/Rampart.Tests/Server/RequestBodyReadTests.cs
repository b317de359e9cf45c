using System.Net.Sockets;
using System.Text;

namespace Rampart.Tests.Server;

/// <summary>
/// Request bodies that are not yet buffered when the route starts reading take the guarded read
/// loop (API-002/API-003); bodies that arrived with the headers take the fast path. Both decode
/// the same way.
/// </summary>
public sealed class RequestBodyReadTests : IAsyncLifetime
{
    ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>
    /// <c>Expect: 100-continue</c> makes the client wait for the server's first body read before
    /// sending anything, so the route is guaranteed to find no body buffered; the body then comes in
    /// two writes.
    /// </summary>
    [Theory]
    [InlineData("""{"command":"git status"}""", "HTTP/1.1 200")]
    [InlineData("""{"command":"rm -rf /srv"}""", "HTTP/1.1 403")]
    [InlineData("""{"command":""", "HTTP/1.1 400")]
    public async Task Body_sent_after_the_headers_is_read_in_full(string body, string statusLine)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _server.Port);
        var stream = client.GetStream();
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"POST /v1/tool/exec HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {_server.AdminToken}\r\n" +
                   $"Content-Type: application/json\r\nContent-Length: {bytes.Length}\r\nExpect: 100-continue\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var reader = new StreamReader(stream, Encoding.ASCII);
        Assert.Equal("HTTP/1.1 100 Continue", await reader.ReadLineAsync());
        Assert.Equal("", await reader.ReadLineAsync());
        await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
        await stream.FlushAsync();
        await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        var status = await reader.ReadLineAsync();
        Assert.StartsWith(statusLine, status);
    }

    [Fact]
    public async Task Body_buffered_with_the_headers_answers_with_one_json_line()
    {
        var (status, body) = await _server.PostAsync("/v1/tool/exec", """{"params":{"command":"git status"}}""");
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Equal("allow", body.GetProperty("decision").GetString());
    }
}
