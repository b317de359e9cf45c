using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Rampart.Server;

namespace Rampart.Tests.Faults;

/// <summary>
/// A real <see cref="RampartServer"/> (Kestrel on 127.0.0.1, ephemeral port) inside the test process,
/// for faults that need a knob the binary does not expose: an injected wall clock, or short
/// header/keep-alive timeouts. Its own temp root holds the state directory, policy file and audit
/// directory; disposing stops it and deletes the root.
/// </summary>
public sealed class InProcessServe : IAsyncDisposable
{
    readonly RampartServer _server;

    InProcessServe(RampartServer server, string root, string policyFile, HttpClient http)
    {
        _server = server;
        Root = root;
        PolicyFile = policyFile;
        Http = http;
    }

    public string Root { get; }
    public string Home => Path.Combine(Root, "home");
    public string PolicyFile { get; }
    public string AuditDir => Path.Combine(Root, "audit");
    public int Port => _server.Port;
    /// <summary>A client with the admin token and unlimited connections.</summary>
    public HttpClient Http { get; }

    public static async Task<InProcessServe> StartAsync(string policy, Func<ServeOptions, ServeOptions>? configure = null, TimeProvider? time = null,
        Action<string>? prepareRoot = null)
    {
        var root = Directory.CreateTempSubdirectory("rampart-fault-").FullName;
        var policyFile = Path.Combine(root, "rampart.yaml");
        await File.WriteAllTextAsync(policyFile, policy);
        prepareRoot?.Invoke(root);
        var options = new ServeOptions
        {
            ConfigPath = policyFile,
            IsConfigExplicit = true,
            Port = 0,
            StateDir = Path.Combine(root, "home", ".rampart"),
            AuditDir = Path.Combine(root, "audit"),
            TokenFromEnvironment = ServeProcess.Token,
            Log = TextWriter.Null,
        };
        if (configure is not null) options = configure(options);
        RampartServer server;
        try
        {
            server = await RampartServer.StartAsync(options, time);
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
        var http = FaultHttp.Client(server.Port);
        return new InProcessServe(server, root, policyFile, http);
    }

    /// <summary>Sends a JSON body and returns the status and parsed body.</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json) => FaultHttp.PostJsonAsync(Http, path, json);

    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path) => FaultHttp.GetJsonAsync(Http, path);

    /// <summary>Stops the server gracefully (the audit is flushed and closed), leaving the root for inspection.</summary>
    public Task StopAsync() => _server.StopAsync();

    /// <summary><c>rampart audit verify</c> (the real binary) over this server's audit directory.</summary>
    public Task<RampartProcess.Result> VerifyAuditAsync() =>
        RampartProcess.RunAsync(["audit", "verify", "--audit-dir", AuditDir], env: new Dictionary<string, string?> { ["HOME"] = Home });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _server.StopAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// A wall clock that can be set or jumped while the monotonic clock (timestamps, timers) keeps
/// running: exactly what an NTP step or an operator's <c>date -s</c> does to a process, without
/// CAP_SYS_TIME or disturbing the machine.
/// </summary>
public sealed class JumpingClock : TimeProvider
{
    long _offsetTicks;

    public JumpingClock(DateTimeOffset start) => Set(start);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _offsetTicks, (now - System.GetUtcNow()).Ticks);

    public void Jump(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>Resident memory and open descriptors of a process, from <c>/proc</c> (Linux).</summary>
public readonly record struct ProcessFigures(long RssKiB, int OpenFds)
{
    public static ProcessFigures Of(int pid)
    {
        long rss = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            rss = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            break;
        }
        return new ProcessFigures(rss, Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length);
    }

    public static ProcessFigures OfSelf() => Of(Environment.ProcessId);

    public override string ToString() => $"RSS {RssKiB / 1024.0:F1} MiB, {OpenFds} fds";
}
