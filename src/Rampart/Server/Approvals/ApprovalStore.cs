using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Rampart.Core.Approvals;
using Rampart.Core.Evaluation;

namespace Rampart.Server.Approvals;

/// <summary>The result of queueing an ask: a (new or deduplicated) pending request, a run grant's auto-approval, or why neither happened.</summary>
internal sealed record EnqueueOutcome(ApprovalRequest? Request, DateTimeOffset? RunGrantExpiresAt, string? Error)
{
    public bool IsAutoApproved => RunGrantExpiresAt is not null;
}

internal enum ResolveStatus
{
    Resolved,
    NotFound,
    NoLongerPending,
    Failed,
}

/// <summary>The result of one resolution attempt (API-049).</summary>
internal sealed record ResolveOutcome(ResolveStatus Status, ApprovalRequest? Request, string Error = "");

/// <summary>
/// The approval queue (API-040..API-053): pending requests in memory, every change journaled before
/// it is visible, expiry timers on the injected clock, one-shot replay grants and run grants.
/// All state changes run one at a time under one async gate, which is what makes "exactly one
/// resolver wins" and "a run grant covers exactly what was reviewed" hold without further locking.
/// </summary>
internal sealed class ApprovalStore : IDisposable
{
    public const int Limit = 1000;
    static readonly TimeSpan CleanupInterval = TimeSpan.FromMinutes(5);
    static readonly TimeSpan KeepResolved = TimeSpan.FromMinutes(10);

    readonly SemaphoreSlim _gate = new(1, 1);
    // Replaced (never mutated) under the gate, so readers take a consistent snapshot without it.
    volatile ImmutableDictionary<string, ApprovalRequest> _byId = ImmutableDictionary.Create<string, ApprovalRequest>(StringComparer.Ordinal);
    readonly Dictionary<string, ITimer> _timers = new(StringComparer.Ordinal);
    /// <summary>When each armed timer is due on the monotonic clock (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    readonly Dictionary<string, long> _dueAt = new(StringComparer.Ordinal);
    readonly ApprovalJournal _journal;
    readonly GrantDirectory _grants;
    readonly RunGrants _runs = new();
    readonly TimeProvider _time;
    readonly ILogger _log;
    readonly ITimer _cleanup;
    volatile int _pendingCount;
    bool _closed;

    public ApprovalStore(ApprovalJournal journal, GrantDirectory grants, TimeSpan timeout, TimeProvider time, ILogger log)
    {
        _journal = journal;
        _grants = grants;
        Timeout = timeout;
        _time = time;
        _log = log;
        _cleanup = time.CreateTimer(static s => _ = ((ApprovalStore)s!).CleanupAsync(), this, CleanupInterval, CleanupInterval);
    }

    /// <summary>How long a request waits for a human (<c>--approval-timeout</c>, API-041).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Called (outside the gate is not guaranteed) once a request expired and the expiry is journaled: audit + broadcast (API-041).</summary>
    public Func<ApprovalRequest, Task>? Expired { get; set; }

    public int PendingCount => _pendingCount;

    /// <summary>API-044 start-up: restores pending requests; those already past expiry are expired explicitly, never approved.</summary>
    public void Restore()
    {
        IReadOnlyList<ApprovalRequest> restored;
        try
        {
            restored = _journal.Restore(out var warning);
            if (warning is not null) _log.LogWarning("approval journal ignored: {Warning}", warning);
        }
        catch (IOException e)
        {
            _log.LogWarning("approval journal unreadable; no pending approvals restored: error={Error}", e.Message);
            return;
        }
        var now = _time.GetUtcNow();
        var count = 0;
        foreach (var r in restored)
        {
            if (count == Limit) break;
            if (ApprovalFingerprint.ReplayKey(r.Call, r.OwnerScope) is { } key && _grants.WasGranted(key)) continue;
            _byId = _byId.SetItem(r.Id, r);
            count++;
            Arm(r, now);
        }
        RecountPending();
        if (count > 0) _log.LogInformation("approvals restored from journal: pending={Count}", count);
    }

    /// <summary>
    /// API-027 step 3 (atomic): auto-approve under a run grant, else return the unexpired duplicate
    /// (API-042), else create and journal a new pending request (limit 1000, API-043).
    /// </summary>
    public async Task<EnqueueOutcome> EnqueueAsync(ToolCall call, Decision decision, string ownerScope, string policyAuditId)
    {
        await _gate.WaitAsync();
        try
        {
            if (_closed) return new(null, null, "approval: store is closed");
            var now = _time.GetUtcNow();
            if (_runs.Covering(new RunIdentity(call.Agent, call.Session, call.RunId, ownerScope), now) is { } grantExpiry)
                return new(null, grantExpiry, null);
            if (ApprovalFingerprint.DedupKey(call, ownerScope) is { } dedup)
            {
                foreach (var existing in _byId.Values)
                {
                    if (existing.IsPending && now <= existing.ExpiresAt && existing.OwnerScope == ownerScope
                        && ApprovalFingerprint.DedupKey(existing.Call, existing.OwnerScope) == dedup)
                        return new(existing, null, null);
                }
            }
            if (_pendingCount >= Limit) return new(null, null, $"approval: too many pending requests (limit: {Limit})");
            var request = new ApprovalRequest
            {
                Id = Rampart.Core.Audit.AuditIds.NewUlid(now),
                Call = call,
                Message = decision.Message,
                MatchedPolicies = decision.MatchedPolicies.IsDefault ? [] : decision.MatchedPolicies,
                Status = ApprovalStatus.Pending,
                CreatedAt = now,
                ExpiresAt = now + Timeout,
                OwnerScope = ownerScope,
                PolicyAuditId = policyAuditId,
            };
            try
            {
                _journal.Append(request);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new(null, null, "approval: journal append failed: " + e.Message);
            }
            _byId = _byId.SetItem(request.Id, request);
            _pendingCount++;
            Arm(request, now);
            return new(request, null, null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether a run grant covers <paramref name="identity"/> now (API-046), and until when.</summary>
    public DateTimeOffset? RunGrantFor(RunIdentity identity) => _runs.Covering(identity, _time.GetUtcNow());

    /// <summary>
    /// API-027 step 2: consumes the one-shot grant of an approved identical call. Null when there is
    /// none (or it was used); <see cref="IOException"/> when grant state cannot be read (⇒ 503).
    /// </summary>
    public ReplayGrant? TryConsumeGrant(ToolCall call, string ownerScope) =>
        ApprovalFingerprint.ReplayKey(call, ownerScope) is { } key ? _grants.TryConsume(key, _time.GetUtcNow()) : null;

    public ApprovalRequest? Get(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Every pending request, oldest first (API-047).</summary>
    public IReadOnlyList<ApprovalRequest> Pending() => SortedPending(null);

    /// <summary>
    /// API-049 resolution, single winner: journal it, let <paramref name="record"/> write the audit
    /// record (an error string rolls everything back and the request stays pending), publish the
    /// replay grant, then make it visible.
    /// </summary>
    public async Task<ResolveOutcome> ResolveAsync(string id, bool approve, string resolvedBy, Func<ApprovalRequest, ValueTask<string?>> record)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_byId.TryGetValue(id, out var request)) return new(ResolveStatus.NotFound, null, $"approval: unknown id \"{id}\"");
            return await ResolveLockedAsync(request, approve, resolvedBy, record, null);
        }
        finally
        {
            _gate.Release();
        }
    }

    async Task<ResolveOutcome> ResolveLockedAsync(ApprovalRequest request, bool approve, string resolvedBy,
        Func<ApprovalRequest, ValueTask<string?>> record, DateTimeOffset? grantDeadline)
    {
        var now = _time.GetUtcNow();
        if (!request.IsPending || now > request.ExpiresAt) return new(ResolveStatus.NoLongerPending, request, "approval already resolved; URL cannot be reused");
        var resolved = request with
        {
            Status = approve ? ApprovalStatus.Approved : ApprovalStatus.Denied,
            ResolvedAt = now,
            ResolvedBy = resolvedBy,
        };
        try
        {
            _journal.Append(resolved);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(ResolveStatus.Failed, request, "approval: journal append failed: " + e.Message);
        }
        if (await record(resolved) is { } auditError)
        {
            // The resolution never happened: put the pending record back on top of the journal.
            try { _journal.Append(request); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.LogError("approval journal rollback failed: id={Id} error={Error}", request.Id, e.Message);
            }
            return new(ResolveStatus.Failed, request, auditError);
        }
        string error = "";
        if (approve && ApprovalFingerprint.ReplayKey(request.Call, request.OwnerScope) is { } key)
        {
            var expires = now + ReplayGrant.Lifetime;
            if (grantDeadline is { } d && d < expires) expires = d;
            try
            {
                _grants.Publish(new ReplayGrant(key.StartsWith("v2-", StringComparison.Ordinal) ? 2 : 1, request.Id, key, resolvedBy, now, expires));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Already audited as approved, so it stays resolved; the retry will simply ask again.
                _log.LogError("replay grant publication failed: id={Id} error={Error}", request.Id, e.Message);
                error = "approval resolved but the replay grant could not be published: " + e.Message;
            }
        }
        _byId = _byId.SetItem(request.Id, resolved);
        Disarm(request.Id);
        RecountPending();
        CompactQuietly(now);
        return new(error.Length == 0 ? ResolveStatus.Resolved : ResolveStatus.Failed, resolved, error);
    }

    /// <summary>Marks an approved request as persisted after its "always allow" policy was written (API-051).</summary>
    public async Task MarkPersistedAsync(string id)
    {
        await _gate.WaitAsync();
        try
        {
            if (_byId.TryGetValue(id, out var r)) _byId = _byId.SetItem(id, r with { Persisted = true });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// API-052 under the gate: validates the reviewed ids against the live queue, resolves each, and
    /// for run scope publishes the run grant. Nothing can join the run while this runs, so the grant
    /// covers exactly what was reviewed and <c>race_covered_ids</c> is always empty here.
    /// </summary>
    public async Task<BulkOutcome> BulkResolveAsync(BulkRequest bulk, Func<ApprovalRequest, ValueTask<string?>> record, Func<DateTimeOffset, ValueTask<string?>> authorizeRun)
    {
        await _gate.WaitAsync();
        try
        {
            var reviewed = new List<ApprovalRequest>(bulk.Ids.Length);
            foreach (var id in bulk.Ids)
            {
                if (!_byId.TryGetValue(id, out var r) || !r.IsPending || _time.GetUtcNow() > r.ExpiresAt)
                    return BulkOutcome.Refused(409, $"approval \"{id}\" is no longer pending; refresh and retry");
                if (r.Call.Agent != bulk.Agent || r.Call.Session != bulk.Session || r.Call.RunId != bulk.RunId)
                    return BulkOutcome.Refused(400, $"approval \"{id}\" does not belong to agent \"{bulk.Agent}\", session \"{bulk.Session}\", run \"{bulk.RunId}\"");
                reviewed.Add(r);
            }
            var snapshot = _time.GetUtcNow();
            DateTimeOffset? deadline = null;
            if (bulk.IsRunScope)
            {
                var owner = reviewed[0].OwnerScope;
                foreach (var r in reviewed)
                {
                    if (r.OwnerScope != owner) return BulkOutcome.Refused(400, "approvals of one run scope must share one credential owner");
                }
                foreach (var r in SortedPending(new RunIdentity(bulk.Agent, bulk.Session, bulk.RunId, owner)))
                {
                    if (!bulk.Ids.Contains(r.Id))
                        return BulkOutcome.Refused(409, $"run approval scope changed during validation; refresh and review again: pending approval \"{r.Id}\" was not reviewed");
                }
                deadline = snapshot + Timeout;
            }

            var resolved = new List<string>();
            foreach (var r in reviewed)
            {
                var outcome = await ResolveLockedAsync(r, bulk.Approve, bulk.ResolvedBy, record, deadline);
                if (outcome.Status != ResolveStatus.Resolved) return BulkOutcome.PartFailed(outcome.Error, resolved);
                resolved.Add(r.Id);
            }
            if (deadline is { } until)
            {
                if (await authorizeRun(until) is { } error) return BulkOutcome.PartFailed(error, resolved);
                _runs.Publish(new RunIdentity(bulk.Agent, bulk.Session, bulk.RunId, reviewed[0].OwnerScope), until);
            }
            return BulkOutcome.Done(resolved, deadline);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Refuses new requests and stops every timer (CLI-016).</summary>
    public void Close()
    {
        _gate.Wait();
        try
        {
            _closed = true;
            foreach (var t in _timers.Values) t.Dispose();
            _timers.Clear();
            _dueAt.Clear();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        Close();
        _cleanup.Dispose();
    }

    void Arm(ApprovalRequest request, DateTimeOffset now)
    {
        var due = request.ExpiresAt - now;
        if (due < TimeSpan.Zero) due = TimeSpan.Zero;
        _dueAt[request.Id] = _time.GetTimestamp() + (long)(due.TotalSeconds * _time.TimestampFrequency);
        // A hair past expires_at, so the expiry never races a resolution that is still allowed.
        _timers[request.Id] = _time.CreateTimer(static s => ((ApprovalStore)((object[])s!)[0]).OnTimer((string)((object[])s)[1]),
            new object[] { this, request.Id }, due + TimeSpan.FromMilliseconds(1), System.Threading.Timeout.InfiniteTimeSpan);
    }

    void Disarm(string id)
    {
        if (_timers.Remove(id, out var t)) t.Dispose();
        _dueAt.Remove(id);
    }

    void OnTimer(string id) => _ = ExpireAsync(id);

    /// <summary>API-041: a still-pending request becomes expired (resolved_by timeout), journaled, then reported.</summary>
    async Task ExpireAsync(string id)
    {
        ApprovalRequest expired;
        await _gate.WaitAsync();
        try
        {
            if (_closed || !_byId.TryGetValue(id, out var request) || !request.IsPending) return;
            var now = _time.GetUtcNow();
            // The wait is measured on the monotonic clock: after the wall clock jumped back, the
            // human still has the configured timeout, not that plus the jump (issue 8). The
            // wall-clock check only re-arms a timer that fired before it was due.
            var due = _dueAt.TryGetValue(id, out var dueAt) && _time.GetTimestamp() >= dueAt;
            if (now <= request.ExpiresAt && !due)
            {
                Arm(request, now);
                return;
            }
            expired = request with { Status = ApprovalStatus.Expired, ResolvedAt = now, ResolvedBy = "timeout" };
            try
            {
                _journal.Append(expired);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Expiry only ever denies; it goes ahead in memory even when the journal cannot record it.
                _log.LogError("approval journal append failed on expiry: id={Id} error={Error}", id, e.Message);
            }
            _byId = _byId.SetItem(id, expired);
            _timers.Remove(id);
            _dueAt.Remove(id);
            RecountPending();
            CompactQuietly(now);
        }
        finally
        {
            _gate.Release();
        }
        _log.LogInformation("approval expired: id={Id} tool={Tool} agent={Agent}", expired.Id, expired.Call.Tool, expired.Call.Agent);
        try
        {
            if (Expired is { } report) await report(expired);
        }
        catch (Exception e)
        {
            _log.LogError(e, "approval expiry report failed: id={Id}", id);
        }
    }

    /// <summary>Every 5 minutes: forget requests resolved more than 10 minutes ago (API-041), expired grants.</summary>
    async Task CleanupAsync()
    {
        var now = _time.GetUtcNow();
        await _gate.WaitAsync();
        try
        {
            foreach (var (id, r) in _byId)
            {
                if (!r.IsPending && r.ResolvedAt is { } at && now - at > KeepResolved) _byId = _byId.Remove(id);
            }
        }
        finally
        {
            _gate.Release();
        }
        _runs.Prune(now);
        try { _grants.PruneExpired(now); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _log.LogWarning("replay grant cleanup failed: error={Error}", e.Message); }
    }

    List<ApprovalRequest> SortedPending(RunIdentity? identity)
    {
        var list = new List<ApprovalRequest>();
        foreach (var r in _byId.Values)
        {
            if (r.IsPending && (identity is null || r.Run == identity.Value)) list.Add(r);
        }
        list.Sort(static (a, b) =>
        {
            var c = a.CreatedAt.CompareTo(b.CreatedAt);
            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
        });
        return list;
    }

    void RecountPending()
    {
        var n = 0;
        foreach (var r in _byId.Values)
        {
            if (r.IsPending) n++;
        }
        _pendingCount = n;
    }

    void CompactQuietly(DateTimeOffset now)
    {
        try
        {
            _journal.Compact(now);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("approval journal compaction failed: error={Error}", e.Message);
        }
    }
}

/// <summary>A validated bulk-resolve body (API-052).</summary>
internal sealed record BulkRequest(string Agent, string Session, string RunId, bool Approve, bool IsRunScope, ImmutableArray<string> Ids, string ResolvedBy);

/// <summary>The result of a bulk resolution: refused up front (status + error), failed part-way, or done.</summary>
internal sealed record BulkOutcome(int Status, string Error, IReadOnlyList<string> Resolved, DateTimeOffset? GrantExpiresAt)
{
    public static BulkOutcome Refused(int status, string error) => new(status, error, [], null);
    public static BulkOutcome PartFailed(string error, IReadOnlyList<string> resolved) => new(503, error, resolved, null);
    public static BulkOutcome Done(IReadOnlyList<string> resolved, DateTimeOffset? grantExpiresAt) => new(200, "", resolved, grantExpiresAt);
}
