using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Rampart.Testing;

namespace Rampart.Tests;

/// <summary>
/// The real <c>rampart serve</c> binary (<see cref="RampartProcess.BinaryPath"/>) as a child process
/// on a free loopback port (the CLI's <c>--port 0</c> means "no HTTP", CLI-010, so the port is chosen
/// here), ready once it prints its ready line (<c>Rampart ready — :PORT (token=…)</c>, CLI.md §4).
/// Stopped with SIGTERM or killed; disposing kills it if it is still running.
/// </summary>
public sealed class RampartServe : IAsyncDisposable
{
    const string ReadyPrefix = "Rampart ready — :";

    readonly Process _process;
    readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    HttpClient? _http;

    RampartServe(Process process)
    {
        _process = process;
        Stdout = process.StandardOutput.ReadToEndAsync();
        Stderr = ReadStderrAsync();
    }

    public int Port { get; private set; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    /// <summary>All of serve's stdout / stderr, complete once it has exited.</summary>
    public Task<string> Stdout { get; }
    public Task<string> Stderr { get; }
    /// <summary>A client for the server, without credentials; connections are not limited per server.</summary>
    public HttpClient Http => _http ?? throw new InvalidOperationException("serve is not ready");

    /// <summary>
    /// Starts <c>rampart &lt;args&gt; --port &lt;free port&gt;</c> (<paramref name="args"/> start with
    /// <c>serve</c>) and returns once it has said it is ready; fails with its stderr if it exits first
    /// (e.g. the port was taken in the meantime) or stays silent.
    /// </summary>
    public static async Task<RampartServe> StartAsync(IEnumerable<string> args, IDictionary<string, string?>? env = null, TimeSpan? within = null)
    {
        var port = ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        var psi = ChildProcess.StartInfo(RampartProcess.BinaryPath, [.. args, "--port", port], env);
        var serve = new RampartServe(Process.Start(psi) ?? throw new InvalidOperationException("could not start " + RampartProcess.BinaryPath));
        try
        {
            serve.Port = await serve._ready.Task.WaitAsync(within ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            await serve.DisposeAsync();
            throw new InvalidOperationException("rampart serve never said it was ready: " + await serve.Stderr);
        }
        serve._http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{serve.Port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        return serve;
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
                // Not answering yet.
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
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!) await kill.WaitForExitAsync();
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
        _http?.Dispose();
        _process.Dispose();
    }

    async Task<string> ReadStderrAsync()
    {
        var text = new StringBuilder();
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            text.Append(line).Append('\n');
            if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal) &&
                int.TryParse(line.AsSpan(ReadyPrefix.Length, IndexOrEnd(line, ' ') - ReadyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                _ready.TrySetResult(port);
        }
        _ready.TrySetException(new InvalidOperationException("rampart serve exited before it was ready:\n" + text));
        return text.ToString();

        static int IndexOrEnd(string s, char c) => s.IndexOf(c, ReadyPrefix.Length) is var i and >= 0 ? i : s.Length;
    }
}
