using System.Net;
using System.Runtime.InteropServices;
using Rampart.Core.Policies;
using Rampart.Hosting;
using Rampart.Server;

namespace Rampart.Cli;

/// <summary><c>rampart serve</c>: flags and environment (CLI-010, CLI-004) → <see cref="ServeOptions"/> → <see cref="RampartServer"/>.</summary>
internal static class ServeCommand
{
    internal static readonly CliFlag[] Flags =
    [
        new("config"), new("config-dir"), new("audit-dir"), new("mode"), new("addr"), new("port"),
        new("approval-timeout"), new("reload-interval"), new("metrics", IsBool: true), new("syslog"), new("syslog-protocol"), new("syslog-format"),
        new("cef", IsBool: true), new("resolve-base-url"), new("signing-key"), new("tls-cert"), new("tls-key"),
        new("tls-auto", IsBool: true), new("background", IsBool: true, Short: 'b'), new("no-openclaw-bridge", IsBool: true),
        new("verbose", IsBool: true), new("log-format"), new("help", IsBool: true, Short: 'h'),
        new("allow-root", IsBool: true),
        new("unix-socket"), new("unix-socket-mode"), new("unix-socket-group"), new("identities"),
#if RAMPART_BENCHMARK_BUILD
        // bench/load.sh only: see DiscardingAuditSink for why this is a build-time switch.
        new("benchmark-discard-audit", IsBool: true),
#endif
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] is "install" or "uninstall") return await ServeInstallCommand.RunAsync(args);
        ServeOptions options;
        bool allowRoot;
        try
        {
            var parsed = CliArgs.Parse(args, Flags);
            if (parsed.Bool("help"))
            {
                PrintHelp(Console.Out);
                return 0;
            }
            options = ToOptions(parsed);
            allowRoot = parsed.Bool("allow-root");
        }
        catch (CliUsageException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        // Issue 3 (cold start): the policy load + compile is the longest step before the first
        // decision, and it needs nothing but the options, so it starts now, beside the deployment
        // checks, the state lock and the host build. Nothing is reported from it, and nothing is
        // written, until RampartServer awaits it at CLI-013 step 5: a refused start (SEC-061, the
        // instance lock) just leaves it unused.
        // The load goes first: starting the hold runs a blocking collection and commits the hold's
        // memory, about a millisecond the load does not need to wait for.
        var coldStart = ColdStart.Begin(options);
        var holding = ColdStart.HoldCollections();

        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        // SEC-061: deployment checks before anything is loaded; only running as root is fatal.
        var refused = false;
        foreach (var finding in StartupChecks.ForCurrentProcess().Inspect(options, allowRoot))
        {
            Console.Error.WriteLine(finding.Message);
            refused |= finding.IsFatal;
        }
        if (refused)
        {
            if (holding) ColdStart.EndHold();
            return 1;
        }

        RampartServer server;
        try
        {
            server = await RampartServer.StartAsync(options, coldStart);
        }
        catch (ServeException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        // Type=notify: ready only now that the listener accepts requests (CLI-013).
        var systemd = SystemdNotify.FromEnvironment();
        systemd.Ready(server.Port > 0 ? $"serving on {options.Address}:{server.Port}" : "watching policies");
        ColdStart.TrimStartupGarbageSoon();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGINT/SIGTERM: graceful shutdown (CLI-016).
        }
        systemd.Stopping();
        await server.StopAsync();
        return 0;
    }

    /// <summary>Validates flags in the order of CLI-013 step 1 and resolves defaults.</summary>
    internal static ServeOptions ToOptions(CliArgs args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? Env(string name) => environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name);

        if (args.Positionals.Count > 0) throw new CliUsageException($"serve: unexpected argument \"{args.Positionals[0]}\"");
        var modeText = args.String("mode", "enforce");
        if (!ServiceModes.TryParse(modeText, out var mode))
            throw new CliUsageException($"serve: invalid mode \"{modeText}\" (must be enforce, monitor, or disabled)");
        var addrText = args.String("addr", "127.0.0.1");
        if (!IPAddress.TryParse(addrText, out var address) || addrText.Contains('/'))
            throw new CliUsageException($"serve: invalid --addr \"{addrText}\" (must be a valid IP address, e.g. 127.0.0.1 or ::1)");
        if (args.IsSet("tls-cert") || args.IsSet("tls-key") || args.Bool("tls-auto"))
            throw new CliUsageException("serve: TLS (--tls-cert, --tls-key, --tls-auto) is not supported by this build yet; terminate TLS in front of Rampart or listen on loopback");
        if (args.Bool("background"))
            throw new CliUsageException("serve: --background is not supported; run serve under systemd or another supervisor");
        var port = args.Int("port", 9090);
        if (port is < 0 or > 65535) throw new CliUsageException($"serve: invalid --port {port} (must be 0..65535)");
        var logFormat = args.String("log-format", "text");
        if (logFormat is not ("text" or "json")) throw new CliUsageException($"serve: invalid --log-format \"{logFormat}\" (must be text or json)");

        var approvalTimeout = Duration(args, "approval-timeout");
        var home = Env("HOME");
        if (string.IsNullOrEmpty(home)) throw new CliUsageException("serve: cannot locate the home directory: HOME is empty");
        var state = Path.Combine(home, ".rampart");
        var unixSocket = ServeSocketFlags.ToOptions(args, state);
        return new ServeOptions
        {
            ConfigPath = args.String("config", "rampart.yaml"),
            IsConfigExplicit = args.IsSet("config"),
            ConfigDir = args.String("config-dir") is { Length: > 0 } d ? d : null,
            AuditDir = args.String("audit-dir") is { Length: > 0 } a ? a : Path.Combine(state, "audit"),
            Mode = mode,
            Address = address,
            Port = port,
            ServesHttp = port > 0 || unixSocket is not null,
            ListensOnTcp = port > 0,
            UnixSocket = unixSocket,
            ApprovalTimeout = approvalTimeout > TimeSpan.Zero ? approvalTimeout : TimeSpan.FromMinutes(2),
            ReloadInterval = Duration(args, "reload-interval"),
            SigningKeyPath = args.String("signing-key") is { Length: > 0 } k ? k : null,
            ResolveBaseUrl = args.String("resolve-base-url") is { Length: > 0 } u ? u : null,
            Metrics = args.Bool("metrics"),
            Syslog = args.String("syslog") is { Length: > 0 } syslog ? syslog : null,
            SyslogProtocol = args.String("syslog-protocol"),
            SyslogFormat = args.String("syslog-format"),
            Cef = args.Bool("cef"),
            JsonLogs = logFormat == "json",
            Verbose = args.Bool("verbose"),
            StateDir = state,
            TokenFromEnvironment = Env("RAMPART_TOKEN"),
            IsStderrTerminal = !Console.IsErrorRedirected,
#if RAMPART_BENCHMARK_BUILD
            DiscardAuditForBenchmark = args.Bool("benchmark-discard-audit"),
#endif
        };
    }

    static TimeSpan Duration(CliArgs args, string flag)
    {
        var text = args.String(flag);
        if (text is null || text == "0") return TimeSpan.Zero;
        if (!GoDuration.TryParse(text, out var value, out var error))
            throw new CliUsageException($"invalid argument \"{text}\" for \"--{flag}\" flag: {error}");
        if (value < TimeSpan.Zero) throw new CliUsageException($"invalid argument \"{text}\" for \"--{flag}\" flag: must not be negative");
        return value;
    }

    static void PrintHelp(TextWriter w)
    {
        w.WriteLine("Usage: rampart serve [flags]");
        w.WriteLine();
        w.WriteLine("Run the policy decision service (HTTP on 127.0.0.1:9090 by default).");
        w.WriteLine();
        w.WriteLine("Flags:");
        w.WriteLine("  --config <path>            primary policy file (default rampart.yaml; embedded standard policy if absent)");
        w.WriteLine("  --config-dir <dir>         extra policy directory (default ~/.rampart/policies if it exists)");
        w.WriteLine("  --audit-dir <dir>          audit trail directory (default ~/.rampart/audit)");
        w.WriteLine("  --mode <m>                 enforce | monitor | disabled (default enforce)");
        w.WriteLine("  --addr <ip>                listen address (default 127.0.0.1)");
        w.WriteLine("  --port <n>                 listen port (default 9090; 0 = no HTTP server)");
        w.WriteLine("  --approval-timeout <d>     how long an ask waits for a human (default 2m)");
        w.WriteLine("  --reload-interval <d>      periodic policy reload in addition to file watching (default off)");
        w.WriteLine("  --metrics                  serve Prometheus metrics on /metrics (admin token)");
        w.WriteLine("  --syslog <host:port>       also send every audit record to a syslog collector");
        w.WriteLine("  --syslog-protocol <p>      udp | tcp (default udp)");
        w.WriteLine("  --syslog-format <f>        bsd | rfc5424 (default bsd)");
        w.WriteLine("  --cef                      CEF bodies over syslog, or <audit-dir>/cef.log without --syslog");
        w.WriteLine("  --log-format <f>           text | json (default text; json suits journald)");
        w.WriteLine("  --verbose                  debug logging");
        w.WriteLine("  --allow-root               run even as root (refused by default: run it as rampart-svc)");
        ServeSocketFlags.PrintHelp(w);
        w.WriteLine();
        w.WriteLine("  rampart serve install --system [--agent-user USER] [--dry-run]   user-separated system service");
        w.WriteLine("  rampart serve uninstall --system                                 remove the service (keeps audit data)");
    }
}
