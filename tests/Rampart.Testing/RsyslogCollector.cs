using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Rampart.Testing;

/// <summary>
/// A real <c>rsyslogd</c> (Debian package <c>rsyslog</c>) on 127.0.0.1 as a child process: imudp and
/// imtcp on free ports, every received message written by an omfile action as one JSON object of
/// the fields rsyslog parsed (protocol version, PRI, hostname, app-name, procid, msgid, structured
/// data, timestamp, input, msg). Needs no privileges, no journal and no system config.
/// </summary>
public sealed class RsyslogCollector : IDisposable
{
    const string Binary = "/usr/sbin/rsyslogd";

    readonly string _root;
    readonly Process _process;

    RsyslogCollector(string root, int udpPort, int tcpPort, Process process)
    {
        _root = root;
        UdpPort = udpPort;
        TcpPort = tcpPort;
        _process = process;
    }

    public int UdpPort { get; }
    public int TcpPort { get; }
    public string OutputFile => Path.Combine(_root, "received.jsonl");

    /// <summary>Starts rsyslogd and waits (with a deadline) until its TCP input accepts connections.</summary>
    public static async Task<RsyslogCollector> StartAsync(int? udpPort = null, int? tcpPort = null, string? root = null)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} not found: install the Debian package rsyslog (see .ci/run)");
        root ??= Directory.CreateTempSubdirectory("rampart-rsyslog-").FullName;
        var work = Directory.CreateDirectory(Path.Combine(root, "work")).FullName;
        var udp = udpPort ?? ChildProcess.FreePort(SocketType.Dgram, ProtocolType.Udp);
        var tcp = tcpPort ?? ChildProcess.FreePort(SocketType.Stream, ProtocolType.Tcp);
        var output = Path.Combine(root, "received.jsonl");
        var config = Path.Combine(root, "rsyslog.conf");
        File.WriteAllText(config, $$"""
            global(workDirectory="{{work}}" maxMessageSize="64k")
            module(load="imudp")
            module(load="imtcp")
            input(type="imudp" address="127.0.0.1" port="{{udp}}")
            input(type="imtcp" address="127.0.0.1" port="{{tcp}}")
            template(name="fields" type="string" string="{\"version\":\"%protocol-version%\",\"pri\":\"%pri%\",\"hostname\":\"%hostname:::json%\",\"app\":\"%app-name:::json%\",\"procid\":\"%procid:::json%\",\"msgid\":\"%msgid:::json%\",\"sd\":\"%structured-data:::json%\",\"timestamp\":\"%timereported:::date-rfc3339%\",\"input\":\"%inputname%\",\"msg\":\"%msg:::json%\"}\n")
            if $inputname == "imudp" or $inputname == "imtcp" then {
              action(type="omfile" file="{{output}}" template="fields")
            }
            """);
        var process = Process.Start(ChildProcess.StartInfo(Binary, ["-n", "-f", config, "-i", Path.Combine(root, "rsyslogd.pid")], workdir: work))!;
        var collector = new RsyslogCollector(root, udp, tcp, process);
        try
        {
            await collector.WaitUntilListeningAsync();
        }
        catch
        {
            collector.Dispose();
            throw;
        }
        return collector;
    }

    /// <summary>imudp binds while the configuration is activated, before imtcp starts listening, so a TCP accept means both are up.</summary>
    async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"rsyslogd exited with {_process.ExitCode}: {await _process.StandardError.ReadToEndAsync()}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, TcpPort);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Polls the output file until <paramref name="count"/> messages satisfying <paramref name="match"/> arrived, or fails at the deadline.</summary>
    public async Task<List<JsonElement>> WaitForAsync(Func<JsonElement, bool> match, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var found = Received().Where(match).ToList();
            if (found.Count >= count) return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"rsyslogd received {found.Count} of {count} expected messages; all received: " +
                                           (File.Exists(OutputFile) ? File.ReadAllText(OutputFile) : "(nothing)"));
            await Task.Delay(50);
        }
    }

    public List<JsonElement> Received()
    {
        if (!File.Exists(OutputFile)) return [];
        using var stream = new FileStream(OutputFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var text = new StreamReader(stream).ReadToEnd();
        var result = new List<JsonElement>();
        foreach (var line in text.Split('\n'))
        {
            // omfile may be mid-line; only complete lines count.
            if (line.Length == 0) continue;
            try
            {
                result.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException)
            {
            }
        }
        return result;
    }

    /// <summary>Stops rsyslogd (the test's own child, by its process id) and waits for it.</summary>
    public void Stop()
    {
        if (_process.HasExited) return;
        _process.Kill();
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
