using Rampart.Core.Matching;

namespace Rampart.Core.Tests.Matching;

/// <summary>Matching is on the hot path of every evaluation: once compiled, it must not allocate.</summary>
public sealed class GlobAllocationTests
{
    private static long AllocatedBy(Action action)
    {
        action(); // warm up (JIT, pool buckets)
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData("rm -rf *", "rm -rf /tmp")]
    [InlineData("*curl*webhook.site*", @"curl https:\\webhook.site\x")]
    [InlineData("kubectl * -n production", "kubectl get pods -n production")]
    [InlineData("**/.ssh/id_*", @"C:\Users\a\.ssh\id_rsa")]
    [InlineData("caf?", "café")]
    [InlineData("*", "anything")]
    public void General_globs_match_without_allocating(string pattern, string name)
    {
        var glob = GlobPattern.Compile(pattern);
        var set = GlobSet.Compile([pattern, "git *", "*x*"]);
        Assert.Equal(0, AllocatedBy(() => glob.IsMatch(name)));
        Assert.Equal(0, AllocatedBy(() => set.FirstMatch(name)));
    }

    [Fact]
    public void Long_names_and_patterns_match_without_allocating()
    {
        var glob = GlobPattern.Compile("x*" + new string('a', 300) + "?");
        var name = "x" + new string('a', 2000);
        var path = PathGlob.Compile("/" + new string('b', 6000) + "/*");
        var longPath = "/" + new string('b', 6000) + "/c";
        Assert.Equal(0, AllocatedBy(() => glob.IsMatch(name)));
        Assert.Equal(0, AllocatedBy(() => path.IsMatch(longPath)));
    }

    [Fact]
    public void Path_and_domain_globs_match_without_allocating()
    {
        var path = PathGlob.Compile("/home/*/.aws/**");
        var domain = DomainGlob.Compile("*.Evil.Example.");
        Assert.Equal(0, AllocatedBy(() => path.IsMatch("/home/u/.aws/credentials")));
        Assert.Equal(0, AllocatedBy(() => domain.IsMatch(" API.evil.example. ")));
    }
}
