using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;

namespace Rampart.Server;

/// <summary>The outcome of one reload attempt (API-093): whether the active set changed, and why not.</summary>
internal sealed record ReloadOutcome(bool Succeeded, bool Changed, string? Error, int PolicyCount, int RuleCount, double ElapsedMs);

/// <summary>
/// The initial policy set of a <see cref="LivePolicy"/>, loaded and compiled but not yet live; with
/// how long the load (read, parse, decode, validate) and the compile took (the start-up timeline).
/// </summary>
internal sealed record PreparedPolicy(PolicySources Sources, PolicyConfig Initial, CompiledPolicySet Compiled)
{
    public TimeSpan LoadTime { get; init; }
    public TimeSpan CompileTime { get; init; }
    /// <summary>The rule indexes of <see cref="Compiled"/>, being built on the pool; completes with the build's duration.</summary>
    public Task<TimeSpan> Indexes { get; init; } = Task.FromResult(TimeSpan.Zero);
}

/// <summary>
/// The policy set the service evaluates against, and its reloads (POL-032, API-110). Reloads are
/// serialised; a failed or rejected reload keeps the last good set and is remembered in
/// <see cref="LastReloadError"/> until a later reload succeeds. The swap is one reference
/// assignment: an evaluation in flight finishes on the snapshot it started with.
/// </summary>
internal sealed class LivePolicy
{
    readonly PolicySources _sources;
    readonly ILogger _log;
    readonly Lock _reloadGate = new();
    volatile string? _lastReloadError;
    bool _directoryWasPresent;

    /// <summary>Loads the initial set; a failure here is a start-up error (CLI-013 step 5).</summary>
    public LivePolicy(PolicySources sources, TimeProvider time, ILogger log)
        : this(Prepare(sources), time, log)
    {
    }

    /// <summary>Takes over a set loaded and compiled by <see cref="Prepare"/> (on another thread during start-up).</summary>
    public LivePolicy(PreparedPolicy prepared, TimeProvider time, ILogger log)
    {
        _sources = prepared.Sources;
        _log = log;
        _directoryWasPresent = DirectoryPresent;
        // The engine re-runs the store itself after consuming a once rule (POL-044).
        Engine = new PolicyEngine(prepared.Compiled, time, LoadUnlessDirectoryVanished);
        foreach (var w in prepared.Initial.Warnings) _log.LogWarning("policy warning: {Warning}", w);
    }

    /// <summary>
    /// A policy directory that vanished since the last good load (deleted, unmounted, or half-way
    /// through being replaced) would by POL-026 load as "no policies" and silently drop its rules.
    /// Like the POL-032 rejections, both reloads keep the last good set instead and say so until the
    /// directory is back (issue 8; an intentionally emptied directory still loads). Null when present.
    /// </summary>
    string? VanishedDirectory() =>
        _directoryWasPresent && !DirectoryPresent ? GoQuote.Quote(Path.GetFullPath(_sources.Directory!)) : null;

    bool DirectoryPresent => _sources.Directory is { } dir && System.IO.Directory.Exists(dir);

    /// <summary>The engine's own reload after a once rule is consumed (POL-044): with the directory gone the claim fails closed.</summary>
    PolicyConfig LoadUnlessDirectoryVanished() =>
        VanishedDirectory() is { } missing ? throw new IOException($"policy directory {missing} is missing") : _sources.Load();

    /// <summary>Loads and compiles the initial set; throws what <see cref="PolicySources.Load"/> and the compiler throw.</summary>
    public static PreparedPolicy Prepare(PolicySources sources)
    {
        var start = Stopwatch.GetTimestamp();
        var initial = sources.Load();
        var loaded = Stopwatch.GetTimestamp();
        var compiled = CompiledPolicySet.Compile(initial);
        var end = Stopwatch.GetTimestamp();
        // Off the start-up path: the server waits for the compile, not for the indexes; a call
        // that comes first waits for the index it needs if its build has begun, or builds it
        // itself, never a second copy (issue 3: cold start). The task only
        // reports the build's duration (the start-up timeline).
        var indexes = Task.Run(() =>
        {
            var begun = Stopwatch.GetTimestamp();
            compiled.BuildIndexes();
            return Stopwatch.GetElapsedTime(begun);
        });
        return new PreparedPolicy(sources, initial, compiled)
        {
            LoadTime = Stopwatch.GetElapsedTime(start, loaded),
            CompileTime = Stopwatch.GetElapsedTime(loaded, end),
            Indexes = indexes,
        };
    }

    public PolicyEngine Engine { get; }
    public PolicySources Sources => _sources;
    /// <summary>The configuration of the active set (always the one the engine evaluates with).</summary>
    public PolicyConfig Config => Engine.Current.Config;
    /// <summary>The most recent reload failure, or null once a reload succeeded (shown by <c>/v1/status</c>).</summary>
    public string? LastReloadError => _lastReloadError;

    /// <summary>Re-runs the store and swaps in the result unless it fails or POL-032 rejects it.</summary>
    public ReloadOutcome Reload(string trigger)
    {
        lock (_reloadGate)
        {
            var watch = Stopwatch.StartNew();
            var active = Config;
            PolicyConfig candidate;
            CompiledPolicySet compiled;
            if (VanishedDirectory() is { } missing)
                return Fail($"engine: reload rejected — policy directory {missing} is missing; keeping the previous policy set until it is back", trigger, watch);
            var directoryPresent = DirectoryPresent;
            try
            {
                candidate = _sources.Load();
                var rejection = PolicyReload.RejectionReason(active, candidate, afterOnceClaim: false);
                if (rejection is not null) return Fail(rejection, trigger, watch);
                if (PolicyReload.HasSameContent(active, candidate))
                {
                    _directoryWasPresent = directoryPresent;
                    _lastReloadError = null;
                    return new ReloadOutcome(true, false, null, active.Policies.Length, RuleCount(active), watch.Elapsed.TotalMilliseconds);
                }
                compiled = CompiledPolicySet.Compile(candidate);
                // Before the swap: the old set keeps answering meanwhile, and the first calls on
                // the new one do not each wait for an index (issue 3).
                compiled.BuildIndexes();
            }
            catch (Exception e) when (e is PolicyLoadException or IOException or UnauthorizedAccessException)
            {
                return Fail("engine: reload failed: " + e.Message, trigger, watch);
            }
            Engine.Swap(compiled);
            _directoryWasPresent = directoryPresent;
            _lastReloadError = null;
            foreach (var w in candidate.Warnings) _log.LogWarning("policy warning: {Warning}", w);
            _log.LogInformation("policy reloaded: trigger={Trigger} policies={Policies} rules={Rules}", trigger, candidate.Policies.Length, RuleCount(candidate));
            return new ReloadOutcome(true, true, null, candidate.Policies.Length, RuleCount(candidate), watch.Elapsed.TotalMilliseconds);
        }
    }

    ReloadOutcome Fail(string error, string trigger, Stopwatch watch)
    {
        _lastReloadError = error;
        _log.LogError("policy reload failed, keeping the previous policy set: trigger={Trigger} error={Error}", trigger, error);
        var active = Config;
        return new ReloadOutcome(false, false, error, active.Policies.Length, RuleCount(active), watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>Rules of every loaded policy.</summary>
    public static int RuleCount(PolicyConfig config)
    {
        var n = 0;
        foreach (var p in config.Policies) n += p.Rules.Length;
        return n;
    }
}
