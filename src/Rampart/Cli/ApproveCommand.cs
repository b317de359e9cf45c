using System.Net;
using System.Text;
using System.Text.Json;
using Rampart.Agents;
using Rampart.Hosting;

namespace Rampart.Cli;

/// <summary><c>rampart approve &lt;id&gt; [--always]</c> (CLI-035): approve a pending request; <c>--always</c> also writes an exact allow rule (API-051).</summary>
internal static class ApproveCommand
{
    public static Task<int> RunAsync(string[] args) => ResolveAsync(args, approve: true);

    /// <summary>Shared by approve and deny: POST <c>{"approved","resolved_by":"cli"[,"persist"]}</c> to <c>/v1/approvals/&lt;id&gt;/resolve</c>.</summary>
    internal static async Task<int> ResolveAsync(string[] args, bool approve)
    {
        var name = approve ? "approve" : "deny";
        try
        {
            CliFlag[] flags = approve
                ? [new("api"), new("token"), new("always", IsBool: true)]
                : [new("api"), new("token")];
            var parsed = CliArgs.Parse(args, flags);
            if (parsed.Positionals.Count != 1) throw new CliUsageException($"usage: rampart {name} <approval-id>{(approve ? " [--always]" : "")}");
            var id = parsed.Positionals[0];
            var api = ApprovalApi.Discover(parsed.String("api"), parsed.String("token"));
            var body = approve && parsed.Bool("always")
                ? """{"approved":true,"resolved_by":"cli","persist":true}"""
                : approve ? """{"approved":true,"resolved_by":"cli"}""" : """{"approved":false,"resolved_by":"cli"}""";
            var (_, reply) = await api.SendAsync(HttpMethod.Post, "/v1/approvals/" + Uri.EscapeDataString(id) + "/resolve", body);
            var shortId = id.Length > 8 ? id[..8] : id;
            var line = $"✓ Approval {shortId} {(approve ? "approved" : "denied")}";
            if (approve && parsed.Bool("always"))
            {
                using var doc = JsonDocument.Parse(reply);
                var persisted = doc.RootElement.TryGetProperty("persisted", out var p) && p.ValueKind == JsonValueKind.True;
                line += persisted ? " (always-allow rule written)" : " (once; the always-allow rule could not be written — see the server log)";
            }
            Console.Out.WriteLine(line);
            return 0;
        }
        catch (Exception e) when (e is CliUsageException or ApprovalApiException or IOException or JsonException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}

/// <summary>A client-side failure of an approval command; the message is printed as is (CLI-003).</summary>
internal sealed class ApprovalApiException(string message) : Exception(message);

/// <summary>
/// The approval API as the CLI reaches it: URL and bearer from <see cref="ServiceEndpoint"/> (CLI-006:
/// <c>--api</c> → RAMPART_API → config <c>api</c> → the clients' chain; CLI-007: <c>--token</c> →
/// RAMPART_TOKEN → <c>~/.rampart/token</c>, sent only where allowed). No redirects, 10 s timeout.
/// </summary>
internal sealed class ApprovalApi
{
    readonly string _token;

    ApprovalApi(string baseUrl, string token)
    {
        BaseUrl = baseUrl;
        _token = token;
    }

    public string BaseUrl { get; }

    public static ApprovalApi Discover(string? flagApi, string? flagToken)
    {
        var home = System.IO.Path.GetDirectoryName(StateDirectory.ForCurrentUser().Path)!;
        ServiceEndpoint endpoint;
        try
        {
            endpoint = ServiceEndpoint.Discover(flagApi, Environment.GetEnvironmentVariable, home, EndpointClient.ApprovalCommand, flagToken);
        }
        catch (EndpointException e)
        {
            throw new ApprovalApiException(e.Message);
        }
        if (endpoint.Token.Length == 0) throw new ApprovalApiException("proxy auth token required (--token or RAMPART_TOKEN)");
        return new ApprovalApi(endpoint.BaseUrl.ToString().TrimEnd('/'), endpoint.Token);
    }

    /// <summary>Sends one request; a transport failure or a non-200 answer becomes the CLI-035 error text.</summary>
    public async Task<(int Status, string Body)> SendAsync(HttpMethod method, string path, string? body = null)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(method, BaseUrl + path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _token);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new ApprovalApiException($"failed to connect to proxy at {BaseUrl}: {e.Message}");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK) throw new ApprovalApiException($"proxy returned {(int)response.StatusCode}: {text.TrimEnd()}");
            return ((int)response.StatusCode, text);
        }
    }
}
