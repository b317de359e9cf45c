using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Rampart.Cli;
using Rampart.Core.Audit;
using Rampart.Core.Audit.Export;
using Rampart.Core.Policies;
using Rampart.Hosting;

namespace Rampart.Server;

/// <summary>A start-up failure of <c>rampart serve</c>; the message is printed as is and the process exits 1 (CLI-013).</summary>
public sealed class ServeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One running <c>rampart serve</c>: the HTTP decision API on Kestrel (slim builder, minimal
/// endpoints), the live policy set with its watcher, credentials, audit recorder, metrics and
/// event stream. <see cref="StartAsync"/> returns once the listener accepts requests.
/// </summary>
public sealed class RampartServer : IAsyncDisposable
{
    readonly WebApplication? _app;
    readonly PolicyWatcher _watcher;
    readonly RunningService _service;
    readonly FileLock? _instanceLock;
    readonly string? _serveStatePath;
    bool _stopped;

    RampartServer(WebApplication? app, RunningService service, PolicyWatcher watcher, FileLock? instanceLock, string adminToken, int port, string? serveStatePath)
    {
        _app = app;
        _service = service;
        _watcher = watcher;
        _instanceLock = instanceLock;
        AdminToken = adminToken;
        Port = port;
        _serveStatePath = serveStatePath;
    }

    /// <summary>The port the listener is bound to (the chosen one when <see cref="ServeOptions.Port"/> is 0); 0 without HTTP.</summary>
    public int Port { get; }

    /// <summary>The admin token in effect (tests and the ready line need it; never logged in full).</summary>
    public string AdminToken { get; }

    /// <summary>Runs the start-up sequence of CLI-013 and starts serving.</summary>
    public static Task<RampartServer> StartAsync(ServeOptions options, TimeProvider? time = null) => StartAsync(options, null, time);

    /// <summary>
    /// As <see cref="StartAsync(ServeOptions, TimeProvider?)"/>, with the policy load already begun
    /// by the CLI (<paramref name="coldStart"/>, for the same <paramref name="options"/>); null begins it here.
    /// </summary>
    internal static async Task<RampartServer> StartAsync(ServeOptions options, ColdStart? coldStart, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var timeline = new StartupTimeline();
        var stderr = options.Log ?? Console.Error;
        var state = new StateDirectory(options.StateDir);
        FileLock? instanceLock = null;
        if (options.ServesHttp)
        {
            try
            {
                state.EnsureOwnerOnly();
                instanceLock = FileLock.TryAcquire(Path.Combine(state.Path, "serve"))
                    ?? throw new ServeException($"serve: another Rampart serve process already owns approval state in {state.Path}");
            }
            catch (IOException e)
            {
                throw new ServeException("serve: prepare state directory: " + e.Message, e);
            }
        }
        // Issue 3: token, crypto init and a first start's key and token files, beside the host build
        // and the policy compile (see EarlyStart for why this keeps CLI-013's outcome).
        var early = EarlyStart.Begin(options, state);
        try
        {
            return await StartLockedAsync(options, time, stderr, state, instanceLock, timeline, coldStart, early);
        }
        catch
        {
            await early.AbandonAsync();
            instanceLock?.Dispose();
            throw;
        }
    }

    static async Task<RampartServer> StartLockedAsync(ServeOptions options, TimeProvider time, TextWriter stderr, StateDirectory state, FileLock? instanceLock, StartupTimeline timeline, ColdStart? coldStart, EarlyStart early)
    {
        timeline.Mark("state-lock");
        if (options.ServesHttp && !IPAddress.IsLoopback(options.Address))
            stderr.WriteLine($"serve: WARNING: listening on non-loopback address {options.Address} without TLS; tokens travel in clear text");
        var warmUp = coldStart ?? ColdStart.Begin(options);

        var socket = options.ServesHttp && options.UnixSocket is { } socketOptions ? UnixSocketListener.Prepare(socketOptions) : null;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // The slim builder adds appsettings.json sources before we clear them; with reloading
            // on (its default) they leave a file watcher (an inotify watch on the binary's directory
            // and a thread) running for the life of the process. This switch is read first.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Nothing from appsettings files or ASPNETCORE_* variables may reconfigure the listener.
        builder.Configuration.Sources.Clear();
        ConfigureLogging(builder.Logging, options);
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5)); // API-002
        // The socket transport keeps Kestrel's defaults on purpose (issues 3 and 4, session 5; numbers in
        // bench/README.md, "Transport settings"). No change was a win on all four series (/healthz, allowed
        // and denied decisions, durable decisions):
        // - SocketTransportOptions.UnsafePreferInlineScheduling alone: /healthz −11 % CPU and durable
        //   −7 %, audit-off decisions +4–6 %, so the issue-3 ratio gets worse (all within the noise).
        // - With DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 as well (an environment variable only,
        //   there is no runtimeconfig switch): −35 % CPU on /healthz, −10 to −14 % on audit-off
        //   decisions, none on durable ones. But a request that arrives on a kept-alive connection then
        //   runs on one of the socket engine's epoll threads, and handlers here block: audit events and
        //   stats read log files synchronously, an approval fsyncs its journal under a file lock (up to
        //   5 s), consuming a once rule reloads the policy. While a /v1/audit/stats scan ran, the
        //   /healthz requests on the other connections of that epoll thread waited for it (p99 0.88 s).
        //   Do not set it for serve. (Inline scheduling alone is safe: without inline completions the
        //   request still runs on a thread-pool worker, as it does by default.)
        // - IOQueueCount 0 or 1: no difference. WaitForDataBeforeAllocatingBuffer = false costs more and
        //   would give each idle keep-alive connection its own buffer.
        // The Kestrel ones are code-only (SocketTransportOptions); none has an AppContext switch.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            var limits = kestrel.Limits;
            // API-002: header read 5 s, idle keep-alive 120 s, headers ≤ 64 KiB; the whole-body
            // deadline (30 s) is enforced while reading (RequestBody) and slow senders/readers are
            // cut off by the minimum data rates.
            limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            limits.KeepAliveTimeout = options.KeepAliveTimeout;
            limits.MaxRequestHeadersTotalSize = 64 * 1024;
            limits.MaxRequestBodySize = RequestBody.Limit;
            limits.MinRequestBodyDataRate = new MinDataRate(240, options.MinDataRateGracePeriod);
            limits.MinResponseDataRate = new MinDataRate(240, options.MinDataRateGracePeriod);
            // (Measured in session 5: without the two data rates no series got measurably cheaper, so
            // the slow-client protection costs nothing worth trading.)
            if (options.ServesHttp && options.ListensOnTcp) kestrel.Listen(options.Address, options.Port, l => l.Protocols = HttpProtocols.Http1);
            socket?.Listen(kestrel);
        });

        var app = builder.Build();
        try
        {
            socket?.Attach(app);
        }
        catch (ServeException)
        {
            await app.DisposeAsync();
            throw;
        }
        ResolveStartupServices(app);
        timeline.Mark("host");
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var log = loggers.CreateLogger("rampart");

        LivePolicy policy;
        Task<TimeSpan> indexes;
        try
        {
            var prepared = await warmUp.Policy;
            timeline.Note("policy-load", prepared.LoadTime);
            timeline.Note("policy-compile", prepared.CompileTime);
            indexes = prepared.Indexes;
            policy = new LivePolicy(prepared, time, loggers.CreateLogger("rampart.policy"));
        }
        catch (Exception e) when (e is PolicyLoadException or IOException or UnauthorizedAccessException)
        {
            await app.DisposeAsync();
            throw new ServeException("serve: create engine: " + e.Message + (e is PolicyLoadException load ? Cli.PolicyErrors.Location(load) : ""), e);
        }
        timeline.Mark("policy");
        if (policy.Sources.IsEmbedded)
            stderr.WriteLine("serve: using embedded standard policy (no config file found — create one with 'rampart init')");

        var events = new EventBroadcaster();
        IAuditSink audit;
        try
        {
            audit = options.DiscardAuditForBenchmark
                ? DiscardingAuditSink.ForBenchmark(options.AuditDir ?? state.AuditDirectory, stderr)
                : new DurableAuditSink(AuditWriter.Open(new AuditWriterOptions { Directory = options.AuditDir ?? state.AuditDirectory, Clock = time }));
        }
        catch (Exception e) when (e is AuditUnavailableException or IOException or UnauthorizedAccessException)
        {
            await app.DisposeAsync();
            throw new ServeException("serve: create audit sink: " + e.Message + TornTailHint(e), e);
        }
        IAuditExport? export;
        try
        {
            // AUD-095..AUD-097: the SIEM copy of every durable record. A malformed endpoint or an
            // unopenable cef.log stops start-up; an unreachable collector does not.
            export = AuditExport.Create(new AuditExportOptions
            {
                AuditDirectory = audit.DirectoryPath,
                Syslog = options.Syslog ?? "",
                Cef = options.Cef,
                SyslogProtocol = AuditExportOptions.ParseProtocol(options.SyslogProtocol ?? "udp"),
                SyslogFormat = AuditExportOptions.ParseFormat(options.SyslogFormat ?? "bsd"),
                Version = VersionCommand.Version,
                Clock = time,
                Warn = m => log.LogWarning("{Msg}", m),
            });
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            await audit.DisposeAsync();
            await app.DisposeAsync();
            throw new ServeException("serve: create audit sink: " + e.Message, e);
        }
        timeline.Mark("audit");
        var recorder = new DecisionRecorder(audit, events, time, export);
        var watcher = new PolicyWatcher(policy, options.ReloadInterval, time, loggers.CreateLogger("rampart.reload"));
        string adminToken;
        await early.Completion;
        timeline.Mark("early");
        try
        {
            adminToken = early.AdminToken();
        }
        catch (IOException e)
        {
            watcher.Dispose();
            await app.DisposeAsync();
            throw new ServeException("serve: read token: " + e.Message, e);
        }
        timeline.Mark("token");
        var authenticator = new Authenticator(adminToken, new AgentTokenStore(state.AgentTokenStore), time, loggers.CreateLogger("rampart.auth"));
        var service = new RunningService(options, policy, authenticator, recorder, new DecisionMetrics(time.GetUtcNow()), events,
            new WebhookAction(loggers.CreateLogger("rampart.webhook")), time, log);
        if (options.ServesHttp)
        {
            try
            {
                service.Approvals = Approvals.ApprovalService.Start(service, state, loggers.CreateLogger("rampart.approvals"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                watcher.Dispose();
                await app.DisposeAsync();
                throw new ServeException("serve: signing key: " + e.Message, e);
            }
            early.SigningKeyAdopted();
        }

        timeline.Mark("approvals");
        MapRoutes(app, service, options);
        timeline.Mark("routes");

        if (!options.ServesHttp)
        {
            await app.DisposeAsync();
            return new RampartServer(null, service, watcher, instanceLock, adminToken, 0, null);
        }

        try
        {
            await app.StartAsync();
            socket?.Secure();
        }
        catch (IOException e)
        {
            watcher.Dispose();
            await app.DisposeAsync();
            throw new ServeException("serve: proxy listen failed: " + e.Message, e);
        }
        timeline.Mark("listen");
        var port = options.ListensOnTcp ? BoundPort(app, options.Port) : 0;
        service.Approvals.ResolveBaseUrl = options.ResolveBaseUrl?.TrimEnd('/') ?? $"http://localhost:{port}";
        try
        {
            await early.TokenFileCompletion;
            ServiceToken.Persist(adminToken, state);
            early.TokenAdopted();
            timeline.Mark("persist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            watcher.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
            throw new ServeException("serve: persist token: " + e.Message, e);
        }

        if (options.ListensOnTcp) stderr.WriteLine($"Rampart ready — :{port} (token={ServiceToken.Masked(adminToken)})");
        if (socket is not null) stderr.WriteLine($"Rampart ready — {socket.Describe()}");
        // CLI-012: the full token only on a terminal; otherwise just where it is.
        stderr.WriteLine(options.IsStderrTerminal ? $"Token: {adminToken}" : $"Token saved to {state.AdminTokenFile}");
        var serveState = options.ListensOnTcp ? WriteServeState(state, port, time, log) : null;
        timeline.Mark("ready");
        // The rule indexes are built beside the steps above (LivePolicy.Prepare); a first call that
        // comes before its bucket's index waits for that build if it has begun, or builds it itself. Listed: the build's duration, or
        // that it was still running at ready. (Measured in session 5: holding early requests until
        // every index was built made the first decision ~2 ms later, since it then waited for the
        // buckets it did not need too.)
        if (indexes.IsCompletedSuccessfully) timeline.Note("policy-index", indexes.Result);
        else timeline.Note("policy-index", "pending");
        log.LogDebug("start-up: {Timeline} allocated={Allocated}", timeline, GC.GetTotalAllocatedBytes());
        return new RampartServer(app, service, watcher, instanceLock, adminToken, port, serveState);
    }

    /// <summary>
    /// Resolves now what <c>app.StartAsync</c> and the ready step would otherwise resolve later, one
    /// after the other: the hosted web service with its server, options and loggers (singletons, only
    /// constructed: nothing listens or starts) and the serve.state JSON metadata. On an idle machine
    /// the host is built before the policy compile that runs beside it ends, so this fills that wait
    /// instead of lengthening the path to the first decision (issue 3: cold start).
    /// </summary>
    static void ResolveStartupServices(WebApplication app)
    {
        _ = app.Services.GetServices<IHostedService>();
        _ = ApiJsonContext.Default.ServeStateBody;
    }

    static void MapRoutes(WebApplication app, RunningService service, ServeOptions options)
    {
        // No stack trace or exception text ever reaches a client. Not an async lambda: a request that
        // completes synchronously (e.g. /healthz) then costs no state machine (issue 3).
        app.Use(next => context =>
        {
            Task pending;
            try
            {
                pending = next(context);
            }
            catch (Exception e)
            {
                pending = Task.FromException(e);
            }
            return pending.IsCompletedSuccessfully ? pending : GuardAsync(pending, context, service);
        });
        new StatusEndpoints(service).Map(app);
        new ToolEndpoints(service).Map(app);
        new ClaudeHookEndpoint(service).Map(app);
        new AuditEndpoints(service).Map(app);
        new RuleEndpoints(service).Map(app);
        new PolicyEndpoints(service).Map(app);
        new Approvals.ApprovalEndpoints(service).Map(app);
        new EventStreamEndpoint(service, app.Lifetime).Map(app);
        if (options.Metrics) new MetricsEndpoint(service).Map(app);
        // API-006: unknown paths and known paths with the wrong method are the same JSON 404, unauthenticated.
        app.MapFallback((RequestDelegate)(context => ApiResponse.ErrorAsync(context, 404, "not found")));
    }

    static async Task GuardAsync(Task pending, HttpContext context, RunningService service)
    {
        try
        {
            await pending;
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            service.Log.LogError(e, "request failed: method={Method} path={Path}", context.Request.Method, context.Request.Path.Value);
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await ApiResponse.ErrorAsync(context, 500, "internal server error");
            }
        }
    }

    static int BoundPort(WebApplication app, int requested)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is not null)
        {
            foreach (var a in addresses)
            {
                if (Uri.TryCreate(a, UriKind.Absolute, out var uri)) return uri.Port;
            }
        }
        return requested;
    }

    /// <summary>CLI-017: discovery file for clients; failure only warns.</summary>
    static string? WriteServeState(StateDirectory state, int port, TimeProvider time, ILogger log)
    {
        try
        {
            var body = new ServeStateBody($"http://localhost:{port}", port, Environment.ProcessId,
                time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                Environment.ProcessPath ?? "");
            OwnerOnlyFile.Replace(state.ServeState, JsonSerializer.SerializeToUtf8Bytes(body, ApiJsonContext.Default.ServeStateBody), durable: false);
            return state.ServeState;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning("could not write serve.state: error={Error}", e.Message);
            return null;
        }
    }

    static void ConfigureLogging(ILoggingBuilder logging, ServeOptions options)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(options.Verbose ? LogLevel.Debug : LogLevel.Information);
        // ASP.NET's own chatter only when it matters; request logs would carry paths, never tokens.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        // Hosting's per-request diagnostics only log request start/finish (Information/Debug), yet any
        // enabled level makes it start an Activity and a logging scope for every request: a few % of
        // a decision's CPU (issue 3). Unhandled exceptions are still logged by Kestrel's category.
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        if (options.JsonLogs)
        {
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffK";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffK ";
                o.UseUtcTimestamp = true;
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    /// <summary>Graceful stop (CLI-016): remove serve.state, end event streams, drain requests (≤ 5 s), flush the audit.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        if (_serveStatePath is not null)
        {
            try { File.Delete(_serveStatePath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        _watcher.Dispose();
        _service.Events.CompleteAll();
        _service.Approvals?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await _service.Recorder.DisposeAsync();
        _service.Webhooks.Dispose();
        _instanceLock?.Dispose();
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>The host's lifetime without console signal handling: the CLI owns SIGINT/SIGTERM, tests own their servers.</summary>
    sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// AUD-072: a torn final line (a crash cut the last write) keeps serve from starting, with
    /// upstream's message. The message alone leaves the operator guessing, so it is followed by the
    /// one command that handles exactly that case; any other damage gets no hint (repair would not
    /// touch it).
    /// </summary>
    static string TornTailHint(Exception e) =>
        e.InnerException is AuditChainException chain && chain.Message.EndsWith("unterminated audit record", StringComparison.Ordinal)
            ? " (if the service was killed or lost power mid-write, `rampart audit repair` moves the torn final record of the newest file aside; complete records are never touched)"
            : "";
}
