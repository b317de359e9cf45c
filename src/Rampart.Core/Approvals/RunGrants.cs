namespace Rampart.Core.Approvals;

/// <summary>
/// Future-call grants of bulk-approved runs (API-053): while unexpired, a new ask of the exact
/// (agent, session, run_id, owner scope) identity is auto-approved. Memory only, by design: a
/// restart ends every run grant.
/// </summary>
public sealed class RunGrants
{
    readonly Lock _gate = new();
    readonly Dictionary<RunIdentity, DateTimeOffset> _grants = [];

    /// <summary>Grants <paramref name="identity"/> until <paramref name="expiresAt"/>; incomplete identities are ignored.</summary>
    public void Publish(RunIdentity identity, DateTimeOffset expiresAt)
    {
        if (!identity.IsComplete) return;
        lock (_gate) _grants[identity] = expiresAt;
    }

    /// <summary>The grant's expiry when <paramref name="identity"/> is covered at <paramref name="now"/>.</summary>
    public DateTimeOffset? Covering(RunIdentity identity, DateTimeOffset now)
    {
        if (!identity.IsComplete) return null;
        lock (_gate)
        {
            if (!_grants.TryGetValue(identity, out var expiresAt)) return null;
            if (now <= expiresAt) return expiresAt;
            _grants.Remove(identity);
            return null;
        }
    }

    /// <summary>Drops every expired grant.</summary>
    public void Prune(DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var (identity, expiresAt) in _grants)
            {
                if (now > expiresAt) _grants.Remove(identity);
            }
        }
    }
}
