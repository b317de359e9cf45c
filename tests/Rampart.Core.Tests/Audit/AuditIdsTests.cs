using Rampart.Core.Audit;

namespace Rampart.Core.Tests.Audit;

/// <summary>ULIDs (AUD-015): 26 Crockford base32 characters, the time first, ids unique.</summary>
public sealed class AuditIdsTests
{
    const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    [Fact]
    public void Ids_of_the_same_millisecond_are_distinct_well_past_one_random_refill()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 1000; i++) Assert.True(ids.Add(AuditIds.NewUlid(now)));
        // The 80 random bits differ in their tails too (no id reuses another's bytes).
        Assert.Equal(1000, ids.Select(id => id[10..]).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Id_is_26_crockford_characters_led_by_the_millisecond_time()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);

        var id = AuditIds.NewUlid(now);

        Assert.Equal(26, id.Length);
        Assert.All(id, c => Assert.Contains(c, Crockford));
        ulong ms = 0;
        foreach (var c in id[..10]) ms = ms * 32 + (ulong)Crockford.IndexOf(c);
        Assert.Equal(1_767_225_600_000UL, ms);
    }
}
