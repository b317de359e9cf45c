using Rampart.Hosting;

namespace Rampart.Server;

/// <summary>
/// Start-up work that does not need the web host, started on other cores while the deployment
/// checks run and the host is built (issue 3: cold start to the first decision; the CLI begins it
/// right after parsing the flags, in-process servers in <see cref="RampartServer.StartAsync(ServeOptions, TimeProvider?)"/>).
/// The CLI-013 order is unchanged: the policy is awaited, and a load failure reported, before the
/// audit sink opens and anything listens.
/// </summary>
internal sealed class ColdStart
{
    ColdStart(Task<PreparedPolicy> policy) => Policy = policy;

    /// <summary>Load + compile of the initial policy set (CLI-013 step 5); faults with the load error.</summary>
    public Task<PreparedPolicy> Policy { get; }

    public static ColdStart Begin(ServeOptions options)
    {
        var policy = Task.Run(() => LivePolicy.Prepare(PolicySources.Choose(options)));
        // The audit redactor (AUD-022) is deliberately not warmed here. It builds a pattern only
        // when that pattern's literal occurs in a record, so a first decision pays for the few
        // patterns it needs, if any (about 0.5 ms each). Building all 18 NonBacktracking regexes up
        // front took ~7 MB of start-up allocation and ~10 ms of CPU on the cores the host build and
        // the policy compile need, and kept ~3.7 MB alive for patterns a service may never see
        // (issue 3: cold start, idle RSS).
        return new ColdStart(policy);
    }

    /// <summary>Generous for start-up's allocations (policy compile, host, first requests: well under this).</summary>
    const long StartupAllocationBudget = 48L * 1024 * 1024;

    /// <summary>
    /// Holds garbage collections off during start-up (issue 3: cold start). With the small gen0
    /// budget that keeps a running service lean, the policy compile and host build would otherwise
    /// run a collection every couple of MB, each promoting the freshly compiled policy again: close to
    /// half of start-up's CPU. Returns whether the hold is in effect; <see cref="TrimStartupGarbageSoon"/>
    /// ends it. The CLI calls both (it owns the process); in-process servers (tests) call neither.
    /// </summary>
    public static bool HoldCollections()
    {
        try
        {
            return GC.TryStartNoGCRegion(StartupAllocationBudget);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return false; // the runtime cannot reserve that much here: start with collections, as before
        }
    }

    /// <summary>Ends the start-up hold now (a start refused before the server is built).</summary>
    public static void EndHold()
    {
        if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
        {
            try { GC.EndNoGCRegion(); } catch (InvalidOperationException) { }
        }
    }

    /// <summary>
    /// A second after the service is ready: ends the start-up hold and returns start-up's garbage to
    /// the OS (issue 3: idle RSS) with one compacting, decommitting full collection. Deferred so that
    /// it never delays the first decisions. If start-up allocated more than the hold allowed, the
    /// runtime has already ended it by collecting; the trim still runs.
    /// </summary>
    public static void TrimStartupGarbageSoon() =>
        _ = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(static _ =>
        {
            EndHold();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
}

/// <summary>
/// Start-up work that needs neither the policy nor the audit sink, begun on another thread right
/// after the state lock (CLI-013 step 2) so that it overlaps the host build and the policy compile
/// (issue 3: cold start to the first decision):
/// <list type="bullet">
/// <item>the admin token is resolved (CLI-012: read <c>~/.rampart/token</c> or draw one); a read
/// error is kept and thrown where CLI-013 reports it (<c>serve: read token</c>);</item>
/// <item>the crypto library is initialised (the audit chain's first hash would otherwise read its
/// configuration on the audit open's path);</item>
/// <item>on a first start, the two state files CLI-013 step 8 creates, the signing key and the token
/// file, are created now. Each is a temp file, fsync, rename and directory fsync (SEC-020): four
/// device flushes that used to sit between the policy and the first decision (the token's
/// beside the first decision's own audit fsync, which then queued behind them). Here they wait on
/// the disk while the CPU compiles the policy.</item>
/// </list>
/// The files are only created where none exists (the default signing-key path; a token file only
/// when there is none, never replacing one that holds a different token: that stays at step 8, after
/// listen). A start that fails before the step that owns a file removes the file it created
/// (<see cref="AbandonAsync"/>), so a failed start leaves the state directory as CLI-013's order
/// would have. Only a crash between here and that step can leave them behind; they are then what
/// the next start would have created anyway (a fresh random key, the token it serves with).
/// Failures here are not reported: step 8 repeats the work and reports its own error, in order.
/// </summary>
internal sealed class EarlyStart
{
    readonly StateDirectory _state;
    readonly Task _work;
    readonly Task _tokenFile;
    string? _token;
    System.Runtime.ExceptionServices.ExceptionDispatchInfo? _tokenError;
    bool _createdToken, _createdKey;
    volatile bool _tokenAdopted, _keyAdopted;

    EarlyStart(ServeOptions options, StateDirectory state)
    {
        _state = state;
        // Its own thread, not a pool worker: the fsyncs block it for milliseconds, and a blocked
        // worker is one the policy compile's Parallel.For (and the first requests) cannot use; the
        // pool has only as many as cores at start-up. (Measured: on a pool worker, first starts
        // were ~2 ms slower than with the key and token written on the start-up path.)
        var keyPhase = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _work = keyPhase.Task;
        _tokenFile = Task.Factory.StartNew(() =>
        {
            try
            {
                Run(options);
                keyPhase.SetResult();
            }
            catch (Exception e)
            {
                keyPhase.SetException(e);
                return;
            }
            // The token file only has to exist at step 8's persist, after listen: a slow fsync of
            // it must not hold up the steps before.
            CreateTokenFile(options);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public static EarlyStart Begin(ServeOptions options, StateDirectory state) => new(options, state);

    void Run(ServeOptions options)
    {
        try
        {
            _token = ServiceToken.Resolve(options.TokenFromEnvironment, _state);
        }
        catch (IOException e)
        {
            _tokenError = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
        }
        _ = System.Security.Cryptography.SHA256.HashData(ReadOnlySpan<byte>.Empty);
        // Without a listener CLI-013 writes neither file (and the state directory may not exist).
        if (!options.ServesHttp) return;
        if (options.SigningKeyPath is null)
            _createdKey = CreateIfAbsent(_state.SigningKeyFile, path => Approvals.ResolveLinks.Load(path));
    }

    void CreateTokenFile(ServeOptions options)
    {
        if (options.ServesHttp && _token is { } token)
            _createdToken = CreateIfAbsent(_state.AdminTokenFile, _ => ServiceToken.Persist(token, _state));
    }

    /// <summary>Runs <paramref name="create"/> when nothing is at <paramref name="path"/>; true when it created the file.</summary>
    static bool CreateIfAbsent(string path, Action<string> create)
    {
        try
        {
            if (Posix.Lstat(path) is not null) return false;
            create(path);
            return Posix.Lstat(path) is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // step 8 does it again and reports the error where CLI-013 puts it
        }
    }

    /// <summary>The token, the crypto init and the signing key (awaited before the token step).</summary>
    public Task Completion => _work;

    /// <summary>The token file (awaited before the token is persisted).</summary>
    public Task TokenFileCompletion => _tokenFile;

    /// <summary>The admin token, or the read failure (<see cref="IOException"/>) at the point CLI-013 reports it. Only after <see cref="Completion"/>.</summary>
    public string AdminToken()
    {
        _tokenError?.Throw();
        return _token!;
    }

    /// <summary>CLI-013 step 8 has loaded the signing key: a later failure keeps it, as it always did.</summary>
    public void SigningKeyAdopted() => _keyAdopted = true;

    /// <summary>CLI-013 step 8 has persisted the token.</summary>
    public void TokenAdopted() => _tokenAdopted = true;

    /// <summary>The start failed: removes the files created here whose step was not reached.</summary>
    public async Task AbandonAsync()
    {
        try
        {
            await _tokenFile;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        var removed = false;
        if (_createdKey && !_keyAdopted) removed |= TryDelete(_state.SigningKeyFile);
        if (_createdToken && !_tokenAdopted) removed |= TryDelete(_state.AdminTokenFile);
        if (!removed) return;
        try
        {
            Posix.FsyncDirectory(_state.Path);
        }
        catch (IOException)
        {
            // Best effort: the start is failing already; at worst a crash brings the file back.
        }
    }

    static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
