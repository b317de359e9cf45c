using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Rampart.Tests.Faults;

/// <summary>
/// The real <c>rampart serve</c> binary (<see cref="RampartProcess.BinaryPath"/>) on 127.0.0.1 with a
/// fixed admin token, a given policy file and audit directory; ready once <c>/healthz</c> answers.
/// Disposing kills it if it is still running.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    /// <summary>The admin token handed to serve through <c>RAMPART_TOKEN</c> (CLI-012).</summary>
    public const string Token = "fault-test-admin-token-0123456789abcdef";

    readonly Process _process;
    readonly Task<string> _stderr;

    ServeProcess(Process process, int port, HttpClient http)
    {
        _process = process;
        Port = port;
        Http = http;
        _stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
    }

    public int Port { get; }
    public int Pid => _process.Id;
    /// <summary>A client with the admin token; connections are not limited per server.</summary>
    public HttpClient Http { get; }
    public bool HasExited => _process.HasExited;

    public static async Task<ServeProcess> StartAsync(string home, string policyFile, string auditDir)
    {
        var port = FreePort();
        var psi = new ProcessStartInfo(RampartProcess.BinaryPath,
            ["serve", "--config", policyFile, "--audit-dir", auditDir, "--addr", "127.0.0.1", "--port", port.ToString(), "--allow-root"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.Environment["HOME"] = home;
        psi.Environment["RAMPART_TOKEN"] = Token;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + RampartProcess.BinaryPath);
        var http = FaultHttp.Client(port);
        var serve = new ServeProcess(process, port, http);
        await serve.WaitUntilReadyAsync();
        return serve;
    }

    /// <summary>Polls <c>/healthz</c> until it answers, with a deadline; fails with serve's stderr if it exits or never answers.</summary>
    async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await Http.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(10);
        }
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        throw new InvalidOperationException($"rampart serve on port {Port} never became ready: {await _stderr}");
    }

    /// <summary>Sends a JSON body and returns the status and parsed body.</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json) => FaultHttp.PostJsonAsync(Http, path, json);

    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path) => FaultHttp.GetJsonAsync(Http, path);

    /// <summary><c>kill -9</c>: no shutdown hook, no flush.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait for the graceful exit (CLI-016).</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])!) await kill.WaitForExitAsync();
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(exit.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        Http.Dispose();
        _process.Dispose();
    }

    /// <summary>The ids of request records in the trail (lines with a non-empty <c>id</c>), in file order.</summary>
    public static List<string> RecordIds(string auditDir)
    {
        var ids = new List<string>();
        foreach (var file in Directory.GetFiles(auditDir, "*.jsonl").Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                if (line.Length == 0) continue;
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 } text) ids.Add(text);
            }
        }
        return ids;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
