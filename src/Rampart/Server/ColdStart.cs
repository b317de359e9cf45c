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
/// Start-up work that needs neither the policy nor the audit sink and leaves nothing behind, done on
/// the start-up thread while the policy compile finishes on another core (issue 3: cold start). A
/// failure is kept and thrown where the CLI-013 sequence would have met it, so the order of start-up
/// errors is unchanged.
/// </summary>
internal sealed class EarlyStart
{
    string? _token;
    System.Runtime.ExceptionServices.ExceptionDispatchInfo? _tokenError;

    public static EarlyStart Run(ServeOptions options, Hosting.StateDirectory state)
    {
        var early = new EarlyStart();
        try
        {
            // CLI-012: read (or draw) the token now; persisting it stays where CLI-013 step 8 puts it.
            early._token = Hosting.ServiceToken.Resolve(options.TokenFromEnvironment, state);
        }
        catch (IOException e)
        {
            early._tokenError = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
        }
        // The audit chain's first hash initialises the crypto library (its configuration file is read
        // then): a millisecond or two on the audit open's path otherwise.
        _ = System.Security.Cryptography.SHA256.HashData(ReadOnlySpan<byte>.Empty);
        return early;
    }

    /// <summary>The admin token, or the read failure (<see cref="IOException"/>) at the point CLI-013 reports it.</summary>
    public string AdminToken()
    {
        _tokenError?.Throw();
        return _token!;
    }
}
