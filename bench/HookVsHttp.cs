using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

/// <summary>
/// Issue 7, "no process per tool call": the cost of one Claude Code tool call through the command
/// hook (spawn <c>rampart hook --remote</c>, event on stdin, decision on stdout, exit) versus the HTTP
/// hook (<c>POST /v1/hooks/claude-code</c> on a kept-alive connection), both against the same
/// published server started here. Sequential calls, per-call wall time, nearest-rank percentiles.
/// </summary>
/// <remarks>
/// Run (no other builds or benchmarks on the machine):
/// <c>dotnet run -c Release --project bench -- hook-vs-http --bin /tmp/pub/rampart [--command-calls 300] [--http-calls 3000]</c>.
/// The command hook gets <c>RAMPART_SESSION</c> so it skips its git lookup: that favours the command
/// form, so the reported ratio is a lower bound.
/// </remarks>
internal static partial class HookVsHttp
{
    const string BashEvent = """{"session_id":"bench","transcript_path":"/tmp/bench.jsonl","cwd":"/tmp","permission_mode":"default","hook_event_name":"PreToolUse","tool_use_id":"toolu_bench","tool_name":"Bash","tool_input":{"command":"git status","description":"Show working tree status"}}""";
    const string ExpectedAllow = "\"permissionDecision\":\"allow\"";

    const string Policy = """
        version: "1"
        default_action: deny
        policies:
          - name: allow-git-read
            match:
              tool: exec
            rules:
              - action: allow
                when:
                  command_matches: ["git status", "git diff *", "git log *"]
                message: read-only git
          - name: block-rm
            match:
              tool: exec
            rules:
              - action: deny
                when:
                  command_matches: ["rm -rf *"]
                message: destructive command blocked
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        string? bin = null;
        int commandCalls = 300, httpCalls = 3000;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--bin": bin = args[++i]; break;
                case "--command-calls": commandCalls = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--http-calls": httpCalls = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"hook-vs-http: unknown argument {args[i]}\nusage: hook-vs-http --bin PATH [--command-calls N] [--http-calls N]");
                    return 2;
            }
        }
        bin ??= Environment.GetEnvironmentVariable("RAMPART_BIN");
        if (bin is null || !File.Exists(bin))
        {
            Console.Error.WriteLine("hook-vs-http: pass --bin with the published rampart binary (or set RAMPART_BIN)");
            return 2;
        }
        bin = Path.GetFullPath(bin);

        var root = Directory.CreateTempSubdirectory("rampart-hook-bench-").FullName;
        Process? server = null;
        try
        {
            var serviceHome = Path.Combine(root, "service-home");
            var agentHome = Path.Combine(root, "agent-home");
            Directory.CreateDirectory(serviceHome);
            Directory.CreateDirectory(agentHome);
            var policyFile = Path.Combine(root, "rampart.yaml");
            await File.WriteAllTextAsync(policyFile, Policy);

            var token = await CreateEvalTokenAsync(bin, serviceHome);
            var port = FreePort();
            var url = $"http://127.0.0.1:{port}";
            server = StartServer(bin, serviceHome, policyFile, Path.Combine(root, "audit"), port);
            await WaitUntilHealthyAsync(url, server);

            var hookEnv = new Dictionary<string, string>
            {
                ["HOME"] = agentHome,
                ["RAMPART_URL"] = url,
                ["RAMPART_TOKEN"] = token,
                ["RAMPART_SESSION"] = "bench/main",
            };
            using var http = new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                MaxConnectionsPerServer = 1,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                UseProxy = false,
            });

            // Warm-up: page cache for the binary, JIT of this harness, the server's first requests.
            for (var i = 0; i < Math.Min(10, commandCalls); i++) await CommandHookAsync(bin, hookEnv);
            for (var i = 0; i < Math.Min(200, httpCalls); i++) await HttpHookAsync(http, url, token);

            var command = new double[commandCalls];
            for (var i = 0; i < commandCalls; i++) command[i] = await CommandHookAsync(bin, hookEnv);
            var viaHttp = new double[httpCalls];
            for (var i = 0; i < httpCalls; i++) viaHttp[i] = await HttpHookAsync(http, url, token);

            Report(bin, command, viaHttp);
            return 0;
        }
        catch (BenchFailure e)
        {
            Console.Error.WriteLine("hook-vs-http: " + e.Message);
            return 1;
        }
        finally
        {
            if (server is not null) await StopAsync(server);
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>One command-hook call: spawn → event on stdin → decision on stdout → exit. Milliseconds.</summary>
    static async Task<double> CommandHookAsync(string bin, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(bin)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["hook", "--format", "claude-code", "--remote"]) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var start = Stopwatch.GetTimestamp();
        using var process = Process.Start(psi) ?? throw new BenchFailure("could not start " + bin);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(BashEvent);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        var output = await stdout;
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (process.ExitCode != 0 || !output.Contains(ExpectedAllow, StringComparison.Ordinal))
            throw new BenchFailure($"command hook did not allow (exit {process.ExitCode}): {output.Trim()} {(await stderr).Trim()}");
        return elapsed;
    }

    /// <summary>One HTTP-hook call on the kept-alive connection. Milliseconds.</summary>
    static async Task<double> HttpHookAsync(HttpClient http, string url, string token)
    {
        var start = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, url + "/v1/hooks/claude-code")
        {
            Content = new StringContent(BashEvent, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK || !body.Contains(ExpectedAllow, StringComparison.Ordinal))
            throw new BenchFailure($"http hook did not allow ({(int)response.StatusCode}): {body.Trim()}");
        return elapsed;
    }

    static void Report(string bin, double[] command, double[] viaHttp)
    {
        Array.Sort(command);
        Array.Sort(viaHttp);
        var c = Summary.Of(command);
        var h = Summary.Of(viaHttp);
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"# hook-vs-http — {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}");
        Console.WriteLine($"# binary: {bin} ({new FileInfo(bin).Length / (1024.0 * 1024.0):0.0} MiB)");
        Console.WriteLine();
        Console.WriteLine("| Form (Bash PreToolUse, sequential) | calls | p50 ms | p90 ms | p99 ms | mean ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Format(inv, "| command hook (`rampart hook --remote`, process per call) | {0} | {1:0.000} | {2:0.000} | {3:0.000} | {4:0.000} | {5:0.000} |", c.Count, c.P50, c.P90, c.P99, c.Mean, c.Max));
        Console.WriteLine(string.Format(inv, "| HTTP hook (`POST /v1/hooks/claude-code`, kept-alive) | {0} | {1:0.000} | {2:0.000} | {3:0.000} | {4:0.000} | {5:0.000} |", h.Count, h.P50, h.P90, h.P99, h.Mean, h.Max));
        Console.WriteLine(string.Format(inv, "| **ratio command / HTTP** | | **{0:0.0}×** | {1:0.0}× | **{2:0.0}×** | {3:0.0}× | |", c.P50 / h.P50, c.P90 / h.P90, c.P99 / h.P99, c.Mean / h.Mean));
    }

    sealed record Summary(int Count, double P50, double P90, double P99, double Mean, double Max)
    {
        public static Summary Of(double[] sorted) =>
            new(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.90), Percentile(sorted, 0.99), sorted.Average(), sorted[^1]);

        /// <summary>Nearest rank: the smallest value with at least <paramref name="q"/> of the samples at or below it.</summary>
        static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    static async Task<string> CreateEvalTokenAsync(string bin, string home)
    {
        var psi = new ProcessStartInfo(bin) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["token", "create", "--agent", "claude-code", "--scope", "eval", "--note", "hook-vs-http bench"]) psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = home;
        using var process = Process.Start(psi) ?? throw new BenchFailure("could not start " + bin);
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var match = TokenPattern().Match(stdout);
        if (process.ExitCode != 0 || !match.Success) throw new BenchFailure($"token create failed (exit {process.ExitCode}): {stdout.Trim()} {stderr.Trim()}");
        return match.Value;
    }

    static Process StartServer(string bin, string home, string policyFile, string auditDir, int port)
    {
        var psi = new ProcessStartInfo(bin) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in (string[])["serve", "--config", policyFile, "--audit-dir", auditDir, "--port", port.ToString(CultureInfo.InvariantCulture)]) psi.ArgumentList.Add(a);
        // The service refuses root unless told otherwise; a bench box often runs everything as root.
        if (Geteuid() == 0) psi.ArgumentList.Add("--allow-root");
        psi.Environment["HOME"] = home;
        var process = Process.Start(psi) ?? throw new BenchFailure("could not start " + bin);
        // Drain the logs so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    static async Task WaitUntilHealthyAsync(string url, Process server)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited) throw new BenchFailure($"rampart serve exited with {server.ExitCode} before it was ready");
            try
            {
                using var response = await http.GetAsync(url + "/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(20);
        }
        throw new BenchFailure("rampart serve did not become healthy within 30 s");
    }

    /// <summary>SIGTERM for a graceful stop (audit flushed), SIGKILL if it does not exit in time.</summary>
    static async Task StopAsync(Process server)
    {
        if (!server.HasExited)
        {
            _ = Kill(server.Id, 15);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await server.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { server.Kill(entireProcessTree: true); }
        }
        server.Dispose();
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    static extern uint Geteuid();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    [GeneratedRegex("rampart_[0-9a-f]{48}")]
    private static partial Regex TokenPattern();

    sealed class BenchFailure(string message) : Exception(message);
}
