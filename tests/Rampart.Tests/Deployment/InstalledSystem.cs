using Rampart.Testing;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Rampart.Hosting;

namespace Rampart.Tests.Deployment;

/// <summary>
/// The real user-separated deployment on this machine (run as root, as CI does): a fresh agent user
/// made with useradd, <c>rampart serve install --system --agent-user</c> into the real paths, and
/// the service started as rampart-svc with the exact command the install printed (no systemd here).
/// Everything is removed again afterwards, so the test can be rerun; a real install that this test
/// did not make is never touched.
/// </summary>
public class InstalledSystem : IAsyncLifetime
{
    public const string Agent = "rampart-e2e";
    const string Marker = "/var/lib/rampart.e2e-test";
    static readonly SystemLayout Layout = SystemLayout.Default;

    Process? _server;

    public string Binary { get; private set; } = "";
    public ChildProcess.Result DryRun { get; private set; } = null!;
    public bool DryRunLeftNoTrace { get; private set; }
    public ChildProcess.Result FirstInstall { get; private set; } = null!;
    public ChildProcess.Result SecondInstall { get; private set; } = null!;
    public string StartCommand { get; private set; } = "";
    public int Port { get; private set; }
    public int ServerPid { get; private set; }
    public TimeSpan StartupTime { get; private set; }
    public string AgentHome => $"/home/{Agent}";
    public string AdminToken { get; private set; } = "";
    public string AgentToken { get; private set; } = "";
    public Process Server => _server!;

    public virtual async Task InitializeAsync()
    {
        Assert.True(HostProcess.IsRoot, "the deployment end-to-end test creates system users and must run as root (as CI does)");
        Binary = (await PublishedBinary.GetAsync()).FilePath;
        await RemoveLeftoversAsync();
        await File.WriteAllTextAsync(Marker, "made by Rampart's deployment tests; removed by them\n");
        await HostProcess.RequireAsync("useradd", "--create-home", "--shell", "/bin/bash", Agent);
        var policies = Path.Combine(AgentHome, ".rampart", "policies");
        Directory.CreateDirectory(policies);
        await File.WriteAllTextAsync(Path.Combine(policies, "team.yaml"), RunningContainer.TeamPolicy);
        await HostProcess.RequireAsync("chown", "-R", $"{Agent}:{Agent}", Path.Combine(AgentHome, ".rampart"));

        DryRun = await InstallAsync("--dry-run");
        DryRunLeftNoTrace = !Directory.Exists(Layout.ConfigDir) && ServiceAccount.Find() is null && !File.Exists(Layout.Binary);
        FirstInstall = await InstallAsync();
        Assert.True(FirstInstall.ExitCode == 0, "install failed:\n" + FirstInstall.Output);
        SecondInstall = await InstallAsync();

        var lines = FirstInstall.Stdout.Split('\n');
        var at = Array.FindIndex(lines, l => l.StartsWith("Start Rampart as rampart-svc with:", StringComparison.Ordinal));
        Assert.True(at >= 0 && at + 1 < lines.Length, "install printed no start command:\n" + FirstInstall.Stdout);
        StartCommand = lines[at + 1].Trim();
        await StartServerAsync();
        AdminToken = (await File.ReadAllTextAsync(Layout.ServiceState.AdminTokenFile)).Trim();
        AgentToken = (await File.ReadAllTextAsync(Path.Combine(AgentHome, ".rampart", "token"))).Trim();
        // One decision, so the audit trail has a file the agent then fails to read.
        var first = await AgentHttpAsync("POST", "/v1/tool/exec", """{"agent":"e2e","session":"setup","params":{"command":"git status"}}""");
        Assert.True(first.Status == 200, "first decision failed: " + first.Raw);
    }

    Task<ChildProcess.Result> InstallAsync(params string[] extra) =>
        HostProcess.RunAsync(Binary, ["serve", "install", "--system", "--agent-user", Agent, .. extra], timeout: TimeSpan.FromMinutes(2));

    public Task<ChildProcess.Result> UninstallAsync() =>
        HostProcess.RunAsync(Binary, ["serve", "uninstall", "--system"], timeout: TimeSpan.FromMinutes(2));

    async Task StartServerAsync()
    {
        Port = FreePort();
        var watch = Stopwatch.StartNew();
        var psi = new ProcessStartInfo("/bin/sh", ["-c", $"exec {StartCommand} --port {Port}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        psi.Environment.Remove("RAMPART_TOKEN");
        _server = Process.Start(psi)!;
        _ = _server.StandardOutput.ReadToEndAsync();
        ServerLog = _server.StandardError.ReadToEndAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Assert.False(_server.HasExited, "the service exited during start-up:\n" + (_server.HasExited ? await ServerLog : ""));
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{Port}/healthz")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            Assert.True(DateTime.UtcNow < deadline, "the service never answered /healthz");
            await Task.Delay(10);
        }
        StartupTime = watch.Elapsed;
        using var state = JsonDocument.Parse(await File.ReadAllBytesAsync(Layout.ServiceState.ServeState));
        ServerPid = state.RootElement.GetProperty("pid").GetInt32();
    }

    public Task<string> ServerLog { get; private set; } = Task.FromResult("");

    /// <summary>Runs <paramref name="command"/> as the agent user.</summary>
    public static Task<ChildProcess.Result> AsAgentAsync(params string[] command) => HostProcess.RunAsUserAsync(Agent, command);

    /// <summary>
    /// One HTTP request sent by the agent user itself, with the token from its own ~/.rampart/token
    /// (bash's /dev/tcp: no HTTP client is needed on the machine).
    /// </summary>
    public Task<RawHttp.Answer> AgentHttpAsync(string method, string path, string body = "") =>
        RawHttp.SendAsync(["runuser", "-u", Agent, "--"], Port, method, path, body);

    /// <summary><c>rampart doctor --json</c>'s result: exit status, output and the parsed report.</summary>
    public sealed record DoctorReport(int ExitCode, string Output, JsonElement Json)
    {
        public IEnumerable<JsonElement> Checks(string name) =>
            Json.GetProperty("checks").EnumerateArray().Where(c => c.GetProperty("name").GetString() == name);

        /// <summary>The worst status of the checks called <paramref name="name"/> ("missing" when there is none).</summary>
        public string Status(string name)
        {
            var statuses = Checks(name).Select(c => c.GetProperty("status").GetString()!).ToList();
            foreach (var worst in new[] { "fail", "warn", "info", "ok" })
                if (statuses.Contains(worst)) return worst;
            return "missing";
        }

        public string Messages(string name) => string.Join("\n", Checks(name).Select(c => c.GetProperty("message").GetString()));
    }

    /// <summary>
    /// The installed binary's <c>doctor --json</c> as <paramref name="user"/> against the running
    /// service: the agent (runuser, its own HOME and token) or root, the operator's <c>sudo rampart
    /// doctor</c> (with an empty HOME of its own).
    /// </summary>
    public async Task<DoctorReport> DoctorAsync(string user)
    {
        var env = new Dictionary<string, string?> { ["RAMPART_TOKEN"] = null, ["RAMPART_URL"] = $"http://127.0.0.1:{Port}" };
        ChildProcess.Result result;
        if (user == "root")
        {
            var home = Directory.CreateTempSubdirectory("rampart-doctor-root-");
            env["HOME"] = home.FullName;
            try { result = await HostProcess.RunAsync(Layout.Binary, ["doctor", "--json"], env: env, workdir: home.FullName); }
            finally { home.Delete(recursive: true); }
        }
        else
        {
            result = await HostProcess.RunAsync("runuser", ["-u", user, "--", Layout.Binary, "doctor", "--json"], env: env, workdir: "/");
        }
        JsonElement json;
        try
        {
            using var doc = JsonDocument.Parse(result.Stdout);
            json = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"doctor as {user} printed no JSON (exit {result.ExitCode}):\n{result.Output}");
        }
        return new DoctorReport(result.ExitCode, result.Output, json);
    }

    /// <summary>
    /// Runs the real service command as rampart-svc beside the running one (no HTTP: --port 0, its
    /// own audit directory) until its start-up checks print a line containing <paramref name="expected"/>;
    /// returns that line.
    /// </summary>
    public async Task<string> ServeStartupWarningAsync(string expected)
    {
        var checkAudit = Path.Combine(Layout.ServiceHome, "audit-startup-check");
        var psi = new ProcessStartInfo("runuser",
            ["-u", SystemLayout.ServiceAccount, "--", Layout.Binary, "serve", "--config", Layout.StandardPolicy, "--config-dir", Layout.ConfigDir,
             "--audit-dir", checkAudit, "--port", "0"])
        { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = "/" };
        using var process = Process.Start(psi)!;
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var seen = new List<string>();
            while (await process.StandardError.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.Contains(expected, StringComparison.Ordinal)) return line;
                seen.Add(line);
            }
            throw new Xunit.Sdk.XunitException($"serve did not report \"{expected}\":\n{string.Join('\n', seen)}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            if (Directory.Exists(checkAudit)) Directory.Delete(checkAudit, recursive: true);
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            await HostProcess.RunAsync("kill", "-TERM", ServerPid.ToString());
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await _server.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { _server.Kill(entireProcessTree: true); }
        }
        _server?.Dispose();
        await CleanAsync();
    }

    static async Task RemoveLeftoversAsync()
    {
        var leftovers = ServiceAccount.Find() is not null || Directory.Exists(Layout.ConfigDir) || Directory.Exists(Layout.ServiceHome)
            || File.Exists(Layout.Binary) || File.Exists(Layout.UnitFile);
        if (!leftovers) return;
        Assert.True(File.Exists(Marker),
            "a Rampart system install that these tests did not make exists on this machine (rampart-svc, /etc/rampart, /var/lib/rampart or /usr/local/bin/rampart); the end-to-end test will not touch it");
        await CleanAsync();
    }

    static async Task CleanAsync()
    {
        await HostProcess.RunAsync("userdel", "--remove", Agent);
        await HostProcess.RunAsync("userdel", SystemLayout.ServiceAccount);
        await HostProcess.RunAsync("groupdel", SystemLayout.ServiceAccount);
        await HostProcess.RunAsync("rm", "-rf", Layout.ConfigDir, Layout.ServiceHome, Layout.Binary, Layout.UnitFile, $"/home/{Agent}");
        File.Delete(Marker);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
