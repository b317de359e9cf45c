using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Policies;

public sealed class FixtureLoadingTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "rampart-fixtures-" + Guid.NewGuid().ToString("N"));

    public FixtureLoadingTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Every upstream policy document (rampart-tests.yaml is a test suite, not a policy: POL-102).</summary>
    public static TheoryData<string> PolicyFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Path.GetDirectoryName(SharedFiles.Fixture("standard.yaml"))!, "*.yaml").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name != "rampart-tests.yaml") data.Add(name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PolicyFixtures))]
    public void Upstream_fixture_loads_as_a_file(string fixture)
    {
        var path = SharedFiles.Fixture(fixture);
        var config = PolicyStore.LoadFile(path);
        Assert.NotEmpty(config.Policies);
        Assert.All(config.Policies, p => Assert.Equal(path, p.Source));
        Assert.All(config.Policies, p => Assert.True(p.Line > 0));
    }

    [Fact]
    public void Standard_profile_has_the_facts_of_POL_109()
    {
        var config = PolicyStore.LoadFile(SharedFiles.Fixture("standard.yaml"));
        Assert.Equal("deny", config.DefaultAction);
        Assert.Equal(48, config.Policies.Length);
        var last = config.Policies[^1];
        Assert.Equal("allow-unmatched", last.Name);
        Assert.Equal(10000, last.Priority);
        var rule = Assert.Single(last.Rules);
        Assert.Equal(RuleAction.Allow, rule.Action);
        Assert.True(rule.When.Default);
        Assert.Equal("No matching standard policy rule", rule.Message);
    }

    [Fact]
    public void Inline_tests_are_parsed_with_params_as_json()
    {
        var doc = PolicyYaml.Parse(File.ReadAllText(SharedFiles.Fixture("mcp-server.yaml")), "mcp-server.yaml");
        var first = doc.Tests[0];
        Assert.Equal("blocks shell execution", first.Name);
        Assert.Equal("exec", first.Tool);
        Assert.Equal("test", first.Agent);
        Assert.Equal("{\"command\":\"whoami\"}", first.ParamsJson);
        Assert.Equal("deny", first.Expect);
        Assert.Null(first.ExpectMessage);
    }

    [Fact]
    public void Upstream_rampart_tests_suite_is_not_a_policy_document()
    {
        var ex = Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadFile(SharedFiles.Fixture("rampart-tests.yaml")));
        Assert.Contains("field policy not found in type engine.Config", ex.Message);
    }

    /// <summary>
    /// POL-109 asks that the profiles load together in one directory. ci.yaml and paranoid.yaml reuse
    /// standard.yaml's policy names, which POL-026 makes a load error, so they are checked separately.
    /// </summary>
    [Fact]
    public void Profiles_with_distinct_names_load_together_in_one_directory()
    {
        string[] together = ["block-prompt-injection.yaml", "guard.yaml", "mcp-server.yaml", "openclaw.yaml", "policy-with-tests.yaml", "standard.yaml", "yolo.yaml"];
        var expected = 0;
        foreach (var name in together)
        {
            File.Copy(SharedFiles.Fixture(name), Path.Combine(_dir, name));
            expected += PolicyStore.LoadFile(SharedFiles.Fixture(name)).Policies.Length;
        }
        var config = PolicyStore.LoadDirectory(_dir);
        Assert.Equal(expected, config.Policies.Length);
        Assert.Equal("allow", config.DefaultAction); // block-prompt-injection.yaml sorts first and sets it (POL-026)
    }

    [Theory]
    [InlineData("ci.yaml")]
    [InlineData("paranoid.yaml")]
    public void A_profile_reusing_standard_names_loads_beside_the_others_but_not_beside_standard(string fixture)
    {
        foreach (var name in new[] { "guard.yaml", "openclaw.yaml", "yolo.yaml", fixture })
        {
            File.Copy(SharedFiles.Fixture(name), Path.Combine(_dir, name));
        }
        Assert.NotEmpty(PolicyStore.LoadDirectory(_dir).Policies);
        File.Copy(SharedFiles.Fixture("standard.yaml"), Path.Combine(_dir, "standard.yaml"));
        var ex = Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadDirectory(_dir));
        Assert.StartsWith("engine: duplicate policy name \"", ex.Message);
        Assert.EndsWith($" in \"{Path.Combine(_dir, "standard.yaml")}\"", ex.Message);
    }
}
