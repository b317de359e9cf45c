using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Policies;

public sealed class PolicyStoreTests
{
    public static TheoryData<string> LoadErrorSuites() => new(EngineSuiteStore.Ids(loadError: true));
    public static TheoryData<string> LoadableSuites() => new(EngineSuiteStore.Ids(loadError: false));

    [Theory]
    [MemberData(nameof(LoadErrorSuites))]
    public void Engine_load_error_suites_fail_with_the_upstream_message(string id)
    {
        using var suite = new EngineSuiteStore(id);
        var ex = Assert.Throws<PolicyLoadException>(() => suite.Load());
        Assert.Equal(suite.ExpectedError(), ex.Message);
    }

    [Theory]
    [MemberData(nameof(LoadableSuites))]
    public void Engine_suites_without_load_error_load(string id)
    {
        using var suite = new EngineSuiteStore(id);
        var config = suite.Load();
        foreach (var policy in config.Policies)
        {
            Assert.True(policy.Source.StartsWith(suite.Root, StringComparison.Ordinal) || policy.Source.StartsWith("embedded:", StringComparison.Ordinal),
                policy.Source);
        }
    }
}
