using System.Net;
using System.Text;
using System.Text.Json;
using Rampart.Hosting;
using YamlDotNet.RepresentationModel;

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
/// The approval API as the CLI reaches it (CLI-006, CLI-007): base URL <c>--api</c> → RAMPART_API →
/// config <c>api</c> → RAMPART_URL → config <c>url</c> → RAMPART_SERVE_URL → config <c>serve_url</c> →
/// <c>serve.state</c> → <c>http://localhost:9090</c>; bearer <c>--token</c> → RAMPART_TOKEN →
/// <c>~/.rampart/token</c>. No redirects, 10 s timeout, and the token is only sent where CLI-007 allows.
/// </summary>
internal sealed class ApprovalApi
{
    const string DefaultUrl = "http://localhost:9090";
    readonly string _token;

    ApprovalApi(string baseUrl, string token)
    {
        BaseUrl = baseUrl;
        _token = token;
    }

    public string BaseUrl { get; }

    public static ApprovalApi Discover(string? flagApi, string? flagToken)
    {
        var state = StateDirectory.ForCurrentUser();
        var config = ReadConfig(Path.Combine(state.Path, "config.yaml"));
        var url = First(flagApi, Env("RAMPART_API"), config.GetValueOrDefault("api"), Env("RAMPART_URL"), config.GetValueOrDefault("url"));
        if (url.Length == 0 && config.GetValueOrDefault("url") is not { Length: > 0 }) url = First(Env("RAMPART_SERVE_URL"), config.GetValueOrDefault("serve_url"));
        if (url.Length == 0) url = StateUrl(state.ServeState);
        if (url.Length == 0) url = DefaultUrl;

        var token = First(flagToken, Env("RAMPART_TOKEN"));
        var fromFile = false;
        if (token.Length == 0)
        {
            token = ServiceToken.Read(state)?.Trim() ?? "";
            fromFile = token.Length > 0;
        }
        if (token.Length == 0) throw new ApprovalApiException("proxy auth token required (--token or RAMPART_TOKEN)");
        CheckEndpoint(url, fromFile);
        return new ApprovalApi(url, token);
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

    static string? Env(string name) => Environment.GetEnvironmentVariable(name);

    static string First(params string?[] values)
    {
        foreach (var v in values)
        {
            var t = (v ?? "").Trim().TrimEnd('/');
            if (t.Length > 0) return t;
        }
        return "";
    }

    /// <summary>CLI-007: http(s) with a host, no user-info/query/fragment; plain http and file tokens only to loopback.</summary>
    static void CheckEndpoint(string url, bool tokenFromFile)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0
            || uri.UserInfo.Length > 0 || url.Contains('?') || url.Contains('#'))
            throw new ApprovalApiException($"unsafe Rampart endpoint {url}: expected an http(s) URL with a host and no user-info, query or fragment");
        var loopback = string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
        if (!loopback && uri.Scheme != "https")
            throw new ApprovalApiException($"unsafe Rampart endpoint {url}: a token is only sent over https to a non-loopback host");
        if (!loopback && tokenFromFile)
            throw new ApprovalApiException($"refusing to send the auto-discovered token to remote endpoint {url}; pass --token or set RAMPART_TOKEN");
    }

    /// <summary><c>~/.rampart/config.yaml</c>: only <c>url</c>, <c>serve_url</c>, <c>api</c> strings; anything else is an error (CLI-006).</summary>
    static Dictionary<string, string> ReadConfig(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path)) return values;
        try
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(path)) yaml.Load(reader);
            if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is YamlScalarNode { Value: null or "" }) return values;
            if (yaml.Documents[0].RootNode is not YamlMappingNode map)
                throw new ApprovalApiException($"{path}: expected a mapping with url, serve_url or api");
            foreach (var (k, v) in map.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (v is not YamlScalarNode scalar || key is not ("url" or "serve_url" or "api"))
                    throw new ApprovalApiException($"{path}: unknown or non-string key \"{key}\" (allowed: url, serve_url, api)");
                values[key] = scalar.Value ?? "";
            }
            return values;
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ApprovalApiException($"{path}: {e.Message}");
        }
    }

    static string StateUrl(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null || info.Length > 64 * 1024) return "";
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String
                ? First(u.GetString())
                : "";
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return ""; // a discovery hint only
        }
    }
}
