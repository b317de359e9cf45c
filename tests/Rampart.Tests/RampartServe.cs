using System.Diagnostics;
using System.Text.Json;
using Rampart.Testing;

namespace Rampart.Tests;

/// <summary>
/// The real <c>rampart serve</c> binary (<see cref="RampartProcess.BinaryPath"/>) as a child process
/// on 127.0.0.1 and a free port: started, polled until <c>/healthz</c> answers (with a deadline, no
/// fixed sleeps), stopped with SIGTERM or killed. Disposing kills it if it is still running.
/// </summary>
public sealed class RampartServe : IAsyncDisposable
{
    readonly Process _process;

    RampartServe(Process process, int port)
    {
        _process = process;
        Port = port;
        Stdout = process.StandardOutput.ReadToEndAsync();
        Stderr = process.StandardError.ReadToEndAsync();
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    /// <summary>All of serve's stdout / stderr, complete once it has exited.</summary>
    public Task<string> Stdout { get; }
    public Task<string> Stderr { get; }
    /// <summary>A client for the server, without credentials; connections are not limited per server.</summary>
    public HttpClient Http { get; }

    /// <summary>Starts <c>rampart &lt;args&gt; --port &lt;free port&gt;</c>; <paramref name="args"/> start with <c>serve</c>.</summary>
    public static RampartServe Start(IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var port = ChildProcess.FreePort();
        var psi = ChildProcess.StartInfo(RampartProcess.BinaryPath, [.. args, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], env);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + RampartProcess.BinaryPath);
        return new RampartServe(process, port);
    }

    /// <summary>Polls <c>/healthz</c> until it answers 200 and returns its body; fails with serve's stderr if it exits or never answers.</summary>
    public async Task<JsonElement> WaitUntilHealthyAsync(TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await Http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    return doc.RootElement.Clone();
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(10);
        }
        await KillAsync();
        throw new InvalidOperationException($"rampart serve on port {Port} never became healthy: {await Stderr}");
    }

    /// <summary>SIGTERM, then waits for the graceful exit (CLI-016) and returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? within = null)
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) await kill.WaitForExitAsync();
            using var exit = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(exit.Token);
        }
        return _process.ExitCode;
    }

    /// <summary><c>kill -9</c>: no shutdown, no flush.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Http.Dispose();
        _process.Dispose();
    }
}
