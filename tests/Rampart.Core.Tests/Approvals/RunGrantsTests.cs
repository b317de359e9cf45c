using Rampart.Core.Approvals;

namespace Rampart.Core.Tests.Approvals;

public sealed class RunGrantsTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Grant_covers_exactly_its_identity_until_expiry()
    {
        var grants = new RunGrants();
        var run = new RunIdentity("codex", "s1", "r1", "");
        grants.Publish(run, Now.AddMinutes(2));
        Assert.Equal(Now.AddMinutes(2), grants.Covering(run, Now));
        Assert.Null(grants.Covering(run with { RunId = "r2" }, Now));
        Assert.Null(grants.Covering(run with { OwnerScope = new string('a', 64) }, Now));
        Assert.Null(grants.Covering(run, Now.AddMinutes(3)));
    }

    [Fact]
    public void Incomplete_identities_never_get_grants()
    {
        var grants = new RunGrants();
        var run = new RunIdentity("codex", "", "r1", "");
        grants.Publish(run, Now.AddMinutes(2));
        Assert.Null(grants.Covering(run, Now));
    }
}
