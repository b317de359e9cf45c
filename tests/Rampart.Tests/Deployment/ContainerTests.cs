using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Rampart.Tests.Deployment;

/// <summary>
/// The FROM scratch image (issue 5): with nothing but the static binary, SHA-256, random token
/// generation and the HTTP server all work; it runs as 65532 on a read-only root filesystem.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class ContainerTests(RunningContainer container, ITestOutputHelper output) : IClassFixture<RunningContainer>
{
    async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string token, string json)
    {
        using var http = new HttpClient { BaseAddress = container.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length > 0 ? text : "null").RootElement.Clone());
    }

    [Fact]
    public async Task Host_reaches_the_health_probe()
    {
        output.WriteLine($"image size: {container.ImageSizeBytes:N0} bytes ({container.ImageSizeBytes / 1048576.0:F1} MiB)");
        output.WriteLine($"image build: {container.BuildTime.TotalSeconds:F1} s; container start → first /healthz 200: {container.StartupTime.TotalMilliseconds:F0} ms");
        using var http = new HttpClient { BaseAddress = container.BaseUrl };
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/healthz"));
        Assert.Equal("rampart", doc.RootElement.GetProperty("service").GetString());
        Assert.Equal("ok", doc.RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("ls -la", "allow", HttpStatusCode.OK)]
    [InlineData("rm -rf /", "deny", HttpStatusCode.Forbidden)] // a deny is answered 403 with the decision body
    public async Task Admin_token_generated_in_the_image_gets_decisions(string command, string decision, HttpStatusCode expected)
    {
        Assert.Equal(64, container.AdminToken.Length);
        var (status, body) = await PostAsync("/v1/tool/exec", container.AdminToken,
            """{"agent":"sidecar","session":"s","params":{"command":""" + JsonSerializer.Serialize(command) + "}}");
        Assert.Equal(expected, status);
        Assert.Equal(decision, body.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Eval_token_created_in_the_image_evaluates_and_is_refused_admin_routes()
    {
        // The store keeps only the SHA-256 of the token; the server hashes what it is shown.
        var token = await container.CreateEvalTokenAsync("sidecar-agent");
        var (status, body) = await PostAsync("/v1/tool/exec", token, """{"session":"s","params":{"command":"git status"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("allow", body.GetProperty("decision").GetString());

        var (reload, _) = await PostAsync("/v1/policy/reload", token, "{}");
        Assert.Equal(HttpStatusCode.Forbidden, reload);
    }

    [Fact]
    public async Task A_second_process_as_another_uid_evaluates_over_the_pods_network()
    {
        var token = await container.CreateEvalTokenAsync("hook-agent");
        const string payload = """{"session_id":"c","cwd":"/","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}""";
        var result = await container.PodmanAsync(["exec", "-i", "--user", "4242:4242", "-e", "HOME=/", "-e", "RAMPART_TOKEN=" + token, container.Name,
            "/usr/local/bin/rampart", "hook", "--format", "claude-code", "--remote", "--serve-url", "http://127.0.0.1:9090"], stdin: payload);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("\"permissionDecision\":\"deny\"", result.Stdout);
    }

    [Fact]
    public async Task Service_runs_as_uid_65532()
    {
        var pid = await container.RequirePodmanAsync("inspect", "--format", "{{.State.Pid}}", container.Name);
        var status = await File.ReadAllLinesAsync($"/proc/{pid}/status");
        foreach (var key in new[] { "Uid:", "Gid:" })
        {
            var ids = status.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1..];
            Assert.All(ids, id => Assert.Equal("65532", id));
        }
        Assert.EndsWith("/rampart", new FileInfo($"/proc/{pid}/exe").LinkTarget);
    }

    [Fact]
    public async Task Root_filesystem_is_read_only_even_for_root_in_the_container()
    {
        var result = await container.PodmanAsync(["exec", "--user", "0", "-e", "HOME=/", container.Name, "/usr/local/bin/rampart", "token", "rotate", "--force"]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Read-only file system", result.Output);
    }

    [Fact]
    public async Task Healthcheck_uses_the_binary_itself()
    {
        var check = await container.RequirePodmanAsync("inspect", "--format", "{{json .Config.Healthcheck.Test}}", container.Name);
        Assert.Contains("/usr/local/bin/rampart", check);
        Assert.Contains("health", check);
        var run = await container.PodmanAsync(["healthcheck", "run", container.Name]);
        Assert.True(run.ExitCode == 0, run.Output);
    }
}
