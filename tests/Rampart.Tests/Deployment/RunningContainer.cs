using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Rampart.Testing;

namespace Rampart.Tests.Deployment;

/// <summary>
/// The repository's Dockerfile built with podman from the published static binary, running with a
/// read-only root filesystem, its state on a named volume and port 9090 published to the host's
/// loopback. Image, container and volume are removed afterwards.
/// </summary>
public sealed class RunningContainer : IAsyncLifetime
{
    readonly string _id = Guid.NewGuid().ToString("N")[..10];
    readonly DirectoryInfo _context = Directory.CreateTempSubdirectory("rampart-image-");
    string _containersConf = "";

    public string Image => $"localhost/rampart-test:{_id}";
    public string Name => $"rampart-test-{_id}";
    string Volume => $"rampart-test-{_id}";
    public int Port { get; private set; }
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}");
    public long ImageSizeBytes { get; private set; }
    public TimeSpan BuildTime { get; private set; }
    public TimeSpan StartupTime { get; private set; }
    public string AdminToken { get; private set; } = "";

    /// <summary>podman with the flags this machine needs (DEVELOPERS.md): runc, cgroupfs, no default ulimits.</summary>
    public Task<HostProcess.Result> PodmanAsync(IEnumerable<string> args, string? stdin = null) =>
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
        // The build context holds exactly what the Dockerfile copies: the published binary and dist/container.
        var binary = await PublishedBinary.GetAsync();
        Directory.CreateDirectory(Path.Combine(_context.FullName, "build", "publish"));
        File.Copy(binary.FilePath, Path.Combine(_context.FullName, "build", "publish", "rampart"));
        CopyTree(Path.Combine(SharedFiles.RepoRoot, "dist", "container"), Path.Combine(_context.FullName, "build", "dist", "container"));
        var profile = Path.Combine("src", "Rampart.Core", "Policies", "Profiles", "standard.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_context.FullName, "build", profile))!);
        File.Copy(Path.Combine(SharedFiles.RepoRoot, profile), Path.Combine(_context.FullName, "build", profile));

        var watch = Stopwatch.StartNew();
        // docker format: OCI images drop HEALTHCHECK.
        await RequirePodmanAsync("build", "--format", "docker", "-f", Path.Combine(SharedFiles.RepoRoot, "Dockerfile"), "-t", Image,
            Path.Combine(_context.FullName, "build"));
        BuildTime = watch.Elapsed;
        ImageSizeBytes = long.Parse(await RequirePodmanAsync("image", "inspect", "--format", "{{.Size}}", Image));

        Port = FreePort();
        watch.Restart();
        await RequirePodmanAsync("run", "-d", "--name", Name, "--read-only", "-v", $"{Volume}:/var/lib/rampart",
            "-p", $"127.0.0.1:{Port}:9090", Image);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync(new Uri(BaseUrl, "/healthz"))).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline)
                Assert.Fail("the container never answered /healthz:\n" + (await PodmanAsync(["logs", Name])).Output);
            await Task.Delay(20);
        }
        StartupTime = watch.Elapsed;
        AdminToken = await RequirePodmanAsync("exec", Name, "/usr/local/bin/rampart", "token", "show");
    }

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

    static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
