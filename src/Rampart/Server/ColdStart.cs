using Rampart.Core.Audit;

namespace Rampart.Server;

/// <summary>
/// Start-up work that does not need the web host, started on other cores while the host is built
/// (issue 3: cold start to the first decision). The CLI-013 order is unchanged: the policy is
/// awaited, and a load failure reported, before the audit sink opens and anything listens.
/// </summary>
internal sealed class ColdStart
{
    ColdStart(Task<PreparedPolicy> policy) => Policy = policy;

    /// <summary>Load + compile of the initial policy set (CLI-013 step 5); faults with the load error.</summary>
    public Task<PreparedPolicy> Policy { get; }

    public static ColdStart Begin(ServeOptions options)
    {
        var policy = Task.Run(() => LivePolicy.Prepare(PolicySources.Choose(options)));
        // The first audited decision redacts its record (AUD-022): the sanitiser's regexes are built
        // on first use, which would otherwise land on the first request. One pass over a string that
        // reaches every pattern builds them all; the result is discarded.
        _ = Task.Run(static () => CredentialSanitizer.Sanitize("Authorization: Bearer x --password x -px api_key=x"));
        return new ColdStart(policy);
    }

    /// <summary>
    /// Returns the start-up garbage to the OS shortly after the service is ready (issue 3: idle RSS).
    /// Loading and compiling the policy and building the host allocate several MB that survive into
    /// the older generations, where a quiet service would keep them committed until a full
    /// collection it may never need. One compacting, decommitting collection a second after start
    /// releases them; deferred so that it never delays the first decisions. The CLI calls this (it
    /// owns the process); in-process servers (tests) do not.
    /// </summary>
    public static void TrimStartupGarbageSoon() =>
        _ = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(
            static _ => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true),
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
}
