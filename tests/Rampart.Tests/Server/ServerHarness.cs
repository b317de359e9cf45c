using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Rampart.Server;

namespace Rampart.Tests.Server;

/// <summary>
/// A real <see cref="RampartServer"/> on 127.0.0.1 with an ephemeral port, its own temp state
/// directory and policy file; disposing stops it and deletes the directory.
/// </summary>
public sealed class ServerHarness : IAsyncDisposable
{
    public const string DefaultPolicy = """
        version: "1"
        default_action: allow
        policies:
          - name: block-rm
            match:
              tool: exec
            rules:
              - action: deny
                when:
                  command_matches: ["rm -rf *"]
                message: destructive command blocked
          - name: watch-curl
            match:
              tool: exec
            rules:
              - action: watch
                when:
                  command_matches: ["curl *"]
                message: network access observed
          - name: ask-deploy
            match:
              tool: exec
            rules:
              - action: ask
                when:
                  command_matches: ["deploy *"]
                message: deploys need a human
          - name: scan-output
            match:
              tool: exec
            rules:
              - action: deny
                when:
                  response_matches: ["AKIA[0-9A-Z]{16}"]
                message: secret in output
        """;

    readonly RampartServer _server;

    ServerHarness(RampartServer server, string root, string policyFile, HttpClient http)
    {
        _server = server;
        Root = root;
        PolicyFile = policyFile;
        Http = http;
    }

    public string Root { get; }
    public string StateDir => Path.Combine(Root, "home", ".rampart");
    public string PolicyFile { get; }
    public HttpClient Http { get; }
    public string AdminToken => _server.AdminToken;
    public int Port => _server.Port;

    public static async Task<ServerHarness> StartAsync(string? policy = DefaultPolicy, ServiceMode mode = ServiceMode.Enforce,
        bool metrics = false, Func<ServeOptions, ServeOptions>? configure = null)
    {
        var root = Directory.CreateTempSubdirectory("rampart-server-test-").FullName;
        var policyFile = Path.Combine(root, "rampart.yaml");
        if (policy is not null) await File.WriteAllTextAsync(policyFile, policy);
        var options = new ServeOptions
        {
            ConfigPath = policyFile,
            IsConfigExplicit = policy is not null,
            Mode = mode,
            Port = 0,
            Metrics = metrics,
            StateDir = Path.Combine(root, "home", ".rampart"),
            AuditDir = Path.Combine(root, "audit"),
            Log = TextWriter.Null,
        };
        if (configure is not null) options = configure(options);
        RampartServer server;
        try
        {
            server = await RampartServer.StartAsync(options);
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        return new ServerHarness(server, root, policyFile, http);
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string? token, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return request;
    }

    /// <summary>Sends a request and returns the status and the parsed JSON body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? token, string? body = null)
    {
        using var response = await Http.SendAsync(Request(method, path, token, body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text); // API-004: one JSON document plus a newline
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        return (response.StatusCode, doc.RootElement.Clone());
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string body, string? token = "") =>
        SendAsync(HttpMethod.Post, path, token == "" ? AdminToken : token, body);

    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, string? token = "") =>
        SendAsync(HttpMethod.Get, path, token == "" ? AdminToken : token);

    /// <summary>Creates a per-agent token directly in the store the server reads (API-014).</summary>
    public string CreateAgentToken(string agent, string policy = "", string[]? scopes = null, DateTimeOffset? expires = null, bool revoked = false)
    {
        var plaintext = AgentTokenStore.NewPlaintext();
        Directory.CreateDirectory(StateDir);
        new AgentTokenStore(Path.Combine(StateDir, "tokens.json")).Update(tokens => tokens.Add(new AgentToken
        {
            Hash = AgentTokenStore.HashOf(plaintext),
            Agent = agent,
            Policy = policy,
            Scopes = scopes is null ? ["eval"] : [.. scopes],
            CreatedAt = DateTimeOffset.UtcNow,
            ExpiresAt = expires,
            Revoked = revoked,
            MaskedPrefix = plaintext.Substring(8, 8),
        }));
        return plaintext;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes (no fixed sleeps).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return true;
            await Task.Delay(25);
        }
        return await condition();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _server.StopAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
