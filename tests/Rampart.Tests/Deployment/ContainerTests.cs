using System.Text.Json;
using Xunit.Abstractions;

namespace Rampart.Tests.Deployment;

/// <summary>
/// The FROM scratch sidecar image (issue 5): with nothing but the static binary, SHA-256, random
/// token generation and the HTTP server all work; it runs as 65532 on a read-only root filesystem
/// and listens on the pod's loopback, where another container of the pod, as another uid, gets
/// decisions with an eval token.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class ContainerTests(RunningContainer container, ITestOutputHelper output) : IClassFixture<RunningContainer>
{
    static JsonElement Json(RawHttp.Answer answer) => JsonDocument.Parse(answer.Body.Length > 0 ? answer.Body : "null").RootElement.Clone();

    [Fact]
    public async Task A_process_in_the_pod_reaches_the_health_probe()
    {
        output.WriteLine($"image size: {container.ImageSizeBytes:N0} bytes ({container.ImageSizeBytes / 1048576.0:F1} MiB)");
        output.WriteLine($"image build: {container.BuildTime.TotalSeconds:F1} s; container start → first /healthz 200: {container.StartupTime.TotalMilliseconds:F0} ms");
        var answer = await container.PodHttpAsync("GET", "/healthz");
        Assert.True(answer.Status == 200, answer.Raw);
        Assert.Equal("rampart", Json(answer).GetProperty("service").GetString());
        Assert.Equal("ok", Json(answer).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Serve_listens_on_the_pods_loopback_only()
    {
        // /proc/PID/net/tcp{,6} are the sockets of the container's network namespace.
        var listening = new List<string>();
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            foreach (var line in (await File.ReadAllLinesAsync($"/proc/{container.ServerPid}/net/{table}")).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields[3] == "0A") listening.Add(fields[1]); // 0A = LISTEN
            }
        }
        Assert.Equal(["0100007F:2382"], listening); // 127.0.0.1:9090, and nothing else
    }

    [Theory]
    [InlineData("ls -la", "allow", 200)]
    [InlineData("rm -rf /", "deny", 403)] // a deny is answered 403 with the decision body
    public async Task Admin_token_generated_in_the_image_gets_decisions(string command, string decision, int expected)
    {
        Assert.Equal(64, container.AdminToken.Length);
        var answer = await container.PodHttpAsync("POST", "/v1/tool/exec",
            """{"agent":"sidecar","session":"s","params":{"command":""" + JsonSerializer.Serialize(command) + "}}", container.AdminToken);
        Assert.True(answer.Status == expected, answer.Raw);
        Assert.Equal(decision, Json(answer).GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Policies_mounted_read_only_at_etc_rampart_are_enforced()
    {
        var token = await container.CreateEvalTokenAsync("policy-agent");
        var answer = await container.PodHttpAsync("POST", "/v1/tool/exec", """{"session":"s","params":{"command":"make deploy-prod"}}""", token);
        Assert.True(answer.Status == 403, answer.Raw);
        Assert.Equal("deny", Json(answer).GetProperty("decision").GetString());
        Assert.Contains("deploys go through CI", answer.Body);

        var mount = (await File.ReadAllLinesAsync($"/proc/{container.ServerPid}/mountinfo")).Select(l => l.Split(' ')).Single(f => f[4] == "/etc/rampart");
        Assert.Contains("ro", mount[5].Split(','));
    }

    [Theory]
    [InlineData("POST", "/v1/policy/reload")]
    [InlineData("GET", "/v1/status")]
    [InlineData("GET", "/v1/audit/events")]
    [InlineData("GET", "/v1/approvals")]
    public async Task Eval_token_created_in_the_image_evaluates_as_another_uid_and_is_refused_admin_routes(string method, string path)
    {
        // The store keeps only the SHA-256 of the token; the server hashes what it is shown.
        var token = await container.CreateEvalTokenAsync("sidecar-agent");
        var decision = await container.PodHttpAsync("POST", "/v1/tool/exec", """{"session":"s","params":{"command":"git status"}}""", token);
        Assert.True(decision.Status == 200, decision.Raw);
        Assert.Equal("allow", Json(decision).GetProperty("decision").GetString());

        var admin = await container.PodHttpAsync(method, path, method == "POST" ? "{}" : "", token);
        Assert.True(admin.Status == 403, $"{method} {path}: {admin.Raw}");
    }

    [Fact]
    public async Task A_second_container_in_the_pod_as_another_uid_gets_hook_decisions()
    {
        var token = await container.CreateEvalTokenAsync("hook-agent");
        const string payload = """{"session_id":"c","cwd":"/","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}""";
        // The sidecar model: the agent's container joins the Rampart container's network namespace.
        var result = await container.PodmanAsync(["run", "--rm", "-i", "--network", "container:" + container.Name, "--read-only",
            "--user", $"{RunningContainer.AgentUid}:{RunningContainer.AgentUid}", "-e", "HOME=/", "-e", "RAMPART_TOKEN=" + token,
            "--entrypoint", "/usr/local/bin/rampart", container.Image,
            "hook", "--format", "claude-code", "--remote", "--serve-url", "http://127.0.0.1:9090"], stdin: payload);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("\"permissionDecision\":\"deny\"", result.Stdout);
    }

    [Fact]
    public async Task Service_runs_as_uid_65532()
    {
        var status = await File.ReadAllLinesAsync($"/proc/{container.ServerPid}/status");
        foreach (var key in new[] { "Uid:", "Gid:" })
        {
            var ids = status.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1..];
            Assert.All(ids, id => Assert.Equal("65532", id));
        }
        Assert.EndsWith("/rampart", new FileInfo($"/proc/{container.ServerPid}/exe").LinkTarget);
    }

    [Fact]
    public async Task Service_root_filesystem_is_mounted_read_only()
    {
        // mountinfo fields: id parent major:minor root mount-point options …
        var root = (await File.ReadAllLinesAsync($"/proc/{container.ServerPid}/mountinfo"))
            .Select(l => l.Split(' ')).Last(f => f[4] == "/");
        Assert.Contains("ro", root[5].Split(','));
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
