using System.Net;
using System.Text.Json;
using Rampart.Hosting;
using YamlDotNet.RepresentationModel;

namespace Rampart.Agents;

/// <summary>Where the server lives and the bearer a client sends there (CLI-006, CLI-007): the hook's and the approval commands'.</summary>
/// <param name="BaseUrl">Server base URL without a trailing slash.</param>
/// <param name="Token">Bearer token, "" when none was found.</param>
/// <param name="IsTokenFromFile">The token came from <c>~/.rampart/token</c> (never sent off-host, CLI-007).</param>
internal sealed record ServiceEndpoint(Uri BaseUrl, string Token, bool IsTokenFromFile)
{
    /// <summary>
    /// The server's Unix socket (<c>serve --unix-socket</c>), or null for TCP. Over the socket the
    /// server identifies the caller by its uid, so no token is sent (<see cref="Token"/> is "").
    /// </summary>
    public string? SocketPath { get; init; }

    /// <summary>The base URL of requests sent over a socket: only its Host header reaches the server.</summary>
    static readonly Uri SocketBaseUrl = new("http://localhost");

    /// <summary>
    /// The default server. CLI-006 names <c>http://localhost:9090</c>; the literal loopback address is
    /// the same server without a name lookup (the service listens on 127.0.0.1, SEC-011), and keeps the
    /// per-call hook from stalling on a resolver that prefers ::1.
    /// </summary>
    public const string DefaultUrl = "http://127.0.0.1:9090";

    const long MaxStateBytes = 1024 * 1024;

    /// <summary>
    /// Resolves URL and token (CLI-006, CLI-007): <c>--serve-url</c> → RAMPART_URL → config <c>url</c> →
    /// RAMPART_SERVE_URL → config <c>serve_url</c> → <c>serve.state</c> → default; bearer
    /// <paramref name="flagToken"/> → RAMPART_TOKEN → <c>~/.rampart/token</c>. Approval commands
    /// (<see cref="EndpointClient.ApprovalCommand"/>) check <c>--api</c> → RAMPART_API → config
    /// <c>api</c> first. Throws <see cref="EndpointException"/> with the CLI-079 category on any problem.
    /// </summary>
    /// <remarks>
    /// Project addition (issue 7): a Unix socket — <paramref name="flagSocket"/>, else (unless
    /// <paramref name="flagUrl"/> is given) RAMPART_SOCKET → config <c>socket</c> — beats the other URL
    /// sources, and then no token is read or sent. It must be
    /// an absolute path: a relative one would depend on the agent's working directory. Only clients
    /// that can talk over a socket (<paramref name="acceptsSocket"/>: the hook and wrap) look for one.
    /// </remarks>
    public static ServiceEndpoint Discover(string? flagUrl, Func<string, string?> env, string home,
        EndpointClient client = EndpointClient.Agent, string? flagToken = null, string? flagSocket = null, bool acceptsSocket = false)
    {
        var stateDir = home.Length > 0 ? Path.Combine(home, ".rampart") : "";
        var config = stateDir.Length > 0 ? ReadConfig(Path.Combine(stateDir, "config.yaml")) : default;
        var socket = !acceptsSocket ? ""
            : (flagSocket ?? "").Trim() is { Length: > 0 } fs ? fs
            : Clean(flagUrl).Length > 0 ? "" // an explicit --serve-url beats a socket from the environment or config
            : (env("RAMPART_SOCKET") ?? "").Trim() is { Length: > 0 } es ? es
            : (config.Socket ?? "").Trim();
        if (socket.Length > 0)
        {
            if (!Path.IsPathFullyQualified(socket))
                throw new EndpointException(EndpointProblem.Config, $"Rampart socket path must be absolute, got \"{socket}\"");
            return new ServiceEndpoint(SocketBaseUrl, "", false) { SocketPath = socket };
        }
        var isApproval = client == EndpointClient.ApprovalCommand;
        var url = First(flagUrl, isApproval ? env("RAMPART_API") : null, isApproval ? config.Api : null,
            env("RAMPART_URL"), config.Url, env("RAMPART_SERVE_URL"), config.ServeUrl);
        if (url.Length == 0 && stateDir.Length > 0) url = ReadStateUrl(Path.Combine(stateDir, "serve.state"));
        if (url.Length == 0) url = DefaultUrl;

        // Tokens are only trimmed: a trailing '/' is part of a base64 token, not a URL separator.
        var token = string.IsNullOrWhiteSpace(flagToken) ? (env("RAMPART_TOKEN") ?? "").Trim() : flagToken.Trim();
        var fromFile = false;
        if (token.Length == 0 && stateDir.Length > 0)
        {
            token = ReadTokenFile(new StateDirectory(stateDir));
            fromFile = token.Length > 0;
        }
        var baseUrl = CheckUrl(url, token.Length > 0, fromFile,
            isApproval ? "pass --token or set RAMPART_TOKEN" : "set RAMPART_TOKEN explicitly");
        return new ServiceEndpoint(baseUrl, token, fromFile);
    }

    static string First(params string?[] values)
    {
        foreach (var v in values)
        {
            var t = Clean(v);
            if (t.Length > 0) return t;
        }
        return "";
    }

    static string Clean(string? v) => (v ?? "").Trim().TrimEnd('/');

    /// <summary>CLI-007: a bearer goes only to http(s) URLs without user-info, query or fragment; plain http only to loopback; a file token only to loopback.</summary>
    /// <param name="explicitTokenHint">How the user gives a token explicitly, for the file-token refusal.</param>
    public static Uri CheckUrl(string url, bool hasToken, bool tokenFromFile, string explicitTokenHint = "set RAMPART_TOKEN explicitly")
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || url.Contains('?') || url.Contains('#'))
            throw new EndpointException(EndpointProblem.UnsafeEndpoint, $"unsafe Rampart endpoint {url}: expected an http(s) URL with a host and no user-info, query or fragment");
        var loopback = IsLoopback(uri);
        if (hasToken && !loopback && uri.Scheme != "https")
            throw new EndpointException(EndpointProblem.UnsafeEndpoint, $"unsafe Rampart endpoint {url}: a token is only sent over https to a non-loopback host");
        if (tokenFromFile && !loopback)
            throw new EndpointException(EndpointProblem.UnsafeEndpoint, $"refusing to send the auto-discovered token to remote endpoint {url}; {explicitTokenHint}");
        return new Uri(url.TrimEnd('/'));
    }

    static bool IsLoopback(Uri uri)
    {
        if (uri.IsLoopback && uri.HostNameType != UriHostNameType.Dns) return true;
        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary><c>~/.rampart/config.yaml</c> may hold only <c>url</c>, <c>serve_url</c>, <c>api</c> (CLI-006).</summary>
    static ClientConfig ReadConfig(string path)
    {
        if (!File.Exists(path)) return default;
        try
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(path)) yaml.Load(reader);
            if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is YamlScalarNode { Value: null or "" }) return default;
            if (yaml.Documents[0].RootNode is not YamlMappingNode map)
                throw new EndpointException(EndpointProblem.Config, $"{path}: expected a mapping with url, serve_url or api");
            string url = "", serveUrl = "", api = "", socket = "";
            foreach (var (k, v) in map.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                // `socket` is a project addition to CLI-006 (issue 7: serve --unix-socket).
                if (v is not YamlScalarNode scalar || key is not ("url" or "serve_url" or "api" or "socket"))
                    throw new EndpointException(EndpointProblem.Config, $"{path}: unknown or non-string key \"{key}\" (allowed: url, serve_url, api, socket)");
                if (key == "url") url = scalar.Value ?? "";
                else if (key == "serve_url") serveUrl = scalar.Value ?? "";
                else if (key == "socket") socket = scalar.Value ?? "";
                else api = scalar.Value ?? "";
            }
            return new ClientConfig(url, serveUrl, api, socket);
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new EndpointException(EndpointProblem.Config, $"{path}: {ex.Message}");
        }
        catch (IOException ex)
        {
            throw new EndpointException(EndpointProblem.Config, $"{path}: {ex.Message}");
        }
    }

    static string ReadStateUrl(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null || info.Length > MaxStateBytes) return "";
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String
                ? Clean(u.GetString())
                : "";
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return ""; // discovery hint only: a stale or foreign state file falls through to the default
        }
    }

    /// <summary>The token file with the checks of SEC-021..SEC-023 (<see cref="ServiceToken.Read"/>); a missing file is no token.</summary>
    static string ReadTokenFile(StateDirectory state)
    {
        try
        {
            return ServiceToken.Read(state) ?? "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EndpointException(EndpointProblem.Credentials, ex.Message);
        }
    }

    /// <summary>The keys of <c>~/.rampart/config.yaml</c> (CLI-006); null members read as absent.</summary>
    readonly record struct ClientConfig(string? Url, string? ServeUrl, string? Api, string? Socket = null);
}

/// <summary>Who asks for the endpoint: approval commands look at <c>--api</c>/RAMPART_API/<c>api</c> first (CLI-006).</summary>
internal enum EndpointClient
{
    Agent,
    ApprovalCommand,
}

/// <summary>Which CLI-079 failure an endpoint problem is.</summary>
internal enum EndpointProblem
{
    Config,
    UnsafeEndpoint,
    Credentials,
}

/// <summary>A discovery failure; <see cref="Problem"/> picks the refusal text, the message is for the operator.</summary>
internal sealed class EndpointException(EndpointProblem problem, string message) : Exception(message)
{
    public EndpointProblem Problem { get; } = problem;
}
