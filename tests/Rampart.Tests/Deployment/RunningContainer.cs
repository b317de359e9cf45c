using System.Diagnostics;
using System.Text.Json;
using Rampart.Testing;

namespace Rampart.Tests.Deployment;

/// <summary>
/// The repository's Dockerfile, final stage, built with podman from the published static binary
/// (<c>--build-context binary=DIR --target final</c>: the SDK stage is skipped, nothing is pulled),
/// running with a read-only root filesystem and its state on a named volume. It listens on its own
/// loopback, so the tests reach it from inside its network namespace — as a second container of the
/// "pod" (<c>--network container:NAME</c>) or a process that joined it (nsenter) — never from the host.
/// Image, container and volume are removed afterwards.
/// </summary>
public sealed class RunningContainer : IAsyncLifetime
{
    readonly string _id = Guid.NewGuid().ToString("N")[..10];
    readonly DirectoryInfo _context = Directory.CreateTempSubdirectory("rampart-image-");
    string _containersConf = "";

    public string Image => $"localhost/rampart-test:{_id}";
    public string Name => $"rampart-test-{_id}";
    string Volume => $"rampart-test-{_id}";
    /// <summary>The port serve listens on inside the pod (the image's default).</summary>
    public const int Port = 9090;
    /// <summary>The uid of the sidecar processes that act as the agent: not the service's 65532, not root.</summary>
    public const string AgentUid = "4242";
    /// <summary>Host pid of the container's serve process.</summary>
    public int ServerPid { get; private set; }
    public long ImageSizeBytes { get; private set; }
    public TimeSpan BuildTime { get; private set; }
    public TimeSpan StartupTime { get; private set; }
    public string AdminToken { get; private set; } = "";

    /// <summary>podman with the flags this machine needs (DEVELOPERS.md): runc, cgroupfs, no default ulimits.</summary>
    public Task<ChildProcess.Result> PodmanAsync(IEnumerable<string> args, string? stdin = null) =>
        HostProcess.RunAsync("podman", ["--runtime", "runc", "--cgroup-manager", "cgroupfs", .. args],
            env: new Dictionary<string, string?> { ["CONTAINERS_CONF"] = _containersConf }, stdin: stdin, timeout: TimeSpan.FromMinutes(5));

    public async Task<string> RequirePodmanAsync(params string[] args)
    {
        var result = await PodmanAsync(args);
        Assert.True(result.ExitCode == 0, $"podman {string.Join(' ', args)} exited {result.ExitCode}:\n{result.Output}");
        return result.Stdout.Trim();
    }

    public async Task InitializeAsync()
    {
        Assert.True(HostProcess.IsRoot, "the container test runs rootful podman and must run as root (as CI does)");
        _containersConf = Path.Combine(_context.FullName, "containers.conf");
        await File.WriteAllTextAsync(_containersConf, "[containers]\ndefault_ulimits = []\n");
        // The build context holds what the final stage copies besides the binary; the binary comes in
        // as the "binary" build context, which replaces the stage of that name.
        var binary = await PublishedBinary.GetAsync();
        var binaryContext = Path.Combine(_context.FullName, "binary");
        Directory.CreateDirectory(binaryContext);
        File.Copy(binary.FilePath, Path.Combine(binaryContext, "rampart"));
        CopyTree(Path.Combine(SharedFiles.RepoRoot, "dist", "container"), Path.Combine(_context.FullName, "build", "dist", "container"));
        var profile = Path.Combine("src", "Rampart.Core", "Policies", "Profiles", "standard.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_context.FullName, "build", profile))!);
        File.Copy(Path.Combine(SharedFiles.RepoRoot, profile), Path.Combine(_context.FullName, "build", profile));

        var watch = Stopwatch.StartNew();
        // docker format: OCI images drop HEALTHCHECK. --pull=never: the test must not need a registry.
        await RequirePodmanAsync("build", "--format", "docker", "--pull=never", "--build-context", "binary=" + binaryContext, "--target", "final",
            "-f", Path.Combine(SharedFiles.RepoRoot, "Dockerfile"), "-t", Image, Path.Combine(_context.FullName, "build"));
        BuildTime = watch.Elapsed;
        ImageSizeBytes = long.Parse(await RequirePodmanAsync("image", "inspect", "--format", "{{.Size}}", Image));

        // The operator's policies, mounted read-only over the image's /etc/rampart (SEC-011 modes,
        // the service's group 65532 may read).
        var policies = Path.Combine(_context.FullName, "policies");
        Directory.CreateDirectory(policies);
        File.Copy(Path.Combine(SharedFiles.RepoRoot, profile), Path.Combine(policies, "standard.yaml"));
        await File.WriteAllTextAsync(Path.Combine(policies, "team.yaml"), TeamPolicy);
        foreach (var path in new[] { policies, Path.Combine(policies, "standard.yaml"), Path.Combine(policies, "team.yaml") })
        {
            Rampart.Hosting.Posix.Chown(path, 0, 65532);
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(path == policies ? "750" : "640", 8));
        }

        watch.Restart();
        // The image's own command: no --addr, no -p.
        await RequirePodmanAsync("run", "-d", "--name", Name, "--read-only", "-v", $"{Volume}:/var/lib/rampart", "-v", $"{policies}:/etc/rampart:ro", Image);
        ServerPid = int.Parse(await RequirePodmanAsync("inspect", "--format", "{{.State.Pid}}", Name));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await PodHttpAsync("GET", "/healthz")).Status != 200)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("the container never answered /healthz:\n" + (await PodmanAsync(["logs", Name])).Output);
            await Task.Delay(20);
        }
        StartupTime = watch.Elapsed;
        AdminToken = await RequirePodmanAsync("exec", Name, "/usr/local/bin/rampart", "token", "show");
    }

    /// <summary>
    /// One HTTP request to 127.0.0.1:9090 from a host process that joined the container's network
    /// namespace as <paramref name="uid"/> (nsenter --net --setuid): what a sidecar of the pod sees.
    /// </summary>
    public Task<RawHttp.Answer> PodHttpAsync(string method, string path, string body = "", string token = "-", string uid = AgentUid) =>
        RawHttp.SendAsync(["nsenter", "--target", ServerPid.ToString(), "--net", "--setuid", uid, "--setgid", uid, "--"], Port, method, path, body, token);

    /// <summary>The team policy (mounted here, installed by <see cref="InstalledSystem"/>): denies deploys, which the standard profile alone allows.</summary>
    internal const string TeamPolicy = """
        version: "1"
        policies:
          - name: team-no-deploy
            match:
              tool: exec
            rules:
              - action: deny
                when:
                  command_matches: ["make deploy*"]
                message: "deploys go through CI"
        """;

    /// <summary>Creates an eval-scoped agent token inside the container (SHA-256 hash stored in its token store).</summary>
    public async Task<string> CreateEvalTokenAsync(string agent)
    {
        var json = await RequirePodmanAsync("exec", Name, "/usr/local/bin/rampart", "token", "create", "--agent", agent, "--scope", "eval", "--json");
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("token").GetString()!;
    }

    public async Task DisposeAsync()
    {
        await PodmanAsync(["rm", "-f", "-t", "5", Name]);
        await PodmanAsync(["volume", "rm", "-f", Volume]);
        await PodmanAsync(["rmi", "-f", Image]);
        _context.Delete(recursive: true);
    }

    static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
