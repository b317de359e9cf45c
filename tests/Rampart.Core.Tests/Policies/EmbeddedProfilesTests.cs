using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Policies;

public sealed class EmbeddedProfilesTests
{
    [Fact]
    public void Unknown_profile_is_not_found()
    {
        Assert.False(EmbeddedProfiles.TryRead("no-such-profile-xyz", out var yaml));
        Assert.Equal("", yaml);
        Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadEmbeddedWithDirectory("no-such-profile-xyz", null));
    }

    [Fact]
    public void Every_embedded_profile_loads_with_an_embedded_source()
    {
        foreach (var name in EmbeddedProfiles.Names)
        {
            Assert.True(EmbeddedProfiles.TryRead(name, out var yaml), name);
            Assert.NotEmpty(yaml);
            var config = PolicyStore.LoadEmbeddedWithDirectory(name, null);
            Assert.All(config.Policies, p => Assert.Equal("embedded:" + name, p.Source));
            Assert.All(config.Policies, p => Assert.Equal(name, p.ProfileName));
        }
    }

    [Fact]
    public void Names_are_sorted_and_distinct()
    {
        Assert.Equal(EmbeddedProfiles.Names.Distinct().Order(StringComparer.Ordinal), EmbeddedProfiles.Names);
    }
}
