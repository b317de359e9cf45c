using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Profiles;

/// <summary>The profiles this project ships (POL-109): embedded, loadable alone and together, self-tested, our own.</summary>
public sealed class ShippedProfilesTests
{
    /// <summary>POL-109: the names users and docs select profiles by.</summary>
    public static readonly string[] Names =
        ["standard", "paranoid", "yolo", "block-prompt-injection", "research-agent", "mcp-server", "openclaw", "guard"];

    public static TheoryData<string> Profiles => new(Names);

    static string SourceFile(string name) =>
        Path.Combine(SharedFiles.RepoRoot, "src", "Rampart.Core", "Policies", "Profiles", name + ".yaml");

    [Fact]
    public void The_binary_embeds_exactly_the_shipped_profiles()
    {
        Assert.Equal(Names.Order(StringComparer.Ordinal), EmbeddedProfiles.Names.Order(StringComparer.Ordinal));
        var onDisk = Directory.GetFiles(Path.GetDirectoryName(SourceFile("standard"))!, "*.yaml")
            .Select(f => Path.GetFileNameWithoutExtension(f)!);
        Assert.Equal(Names.Order(StringComparer.Ordinal), onDisk.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Embedded_profile_is_the_source_file(string name)
    {
        Assert.True(EmbeddedProfiles.TryRead(name, out var yaml));
        Assert.Equal(File.ReadAllText(SourceFile(name)), yaml);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Profile_loads_alone(string name)
    {
        var config = PolicyStore.LoadFile(SourceFile(name));
        Assert.NotEmpty(config.Policies);
        Assert.All(config.Policies, p => Assert.Equal(name, p.ProfileName));
        Assert.Empty(config.Warnings);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Embedded_profile_loads_as_the_built_in_policy(string name)
    {
        var config = PolicyStore.LoadEmbeddedWithDirectory(name, null);
        Assert.NotEmpty(config.Policies);
        Assert.All(config.Policies, p => Assert.Equal(ProfileNames.EmbeddedPrefix + name, p.Source));
    }

    [Fact]
    public void All_profiles_load_together_from_one_directory()
    {
        var dir = Directory.CreateTempSubdirectory("rampart-profiles-");
        try
        {
            var expected = 0;
            foreach (var name in Names)
            {
                File.Copy(SourceFile(name), Path.Combine(dir.FullName, name + ".yaml"));
                expected += PolicyStore.LoadFile(SourceFile(name)).Policies.Length;
            }
            var config = PolicyStore.LoadDirectory(dir.FullName);
            Assert.Equal(expected, config.Policies.Length);
            Assert.Empty(config.Warnings);
            // POL-026: names are unique across every profile (no legacy-duplicate exception needed).
            Assert.Equal(config.Policies.Length, config.Policies.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_embedded_standard_merges_with_every_other_profile_in_the_policy_directory()
    {
        var dir = Directory.CreateTempSubdirectory("rampart-profiles-");
        try
        {
            foreach (var name in Names)
            {
                if (name != "standard") File.Copy(SourceFile(name), Path.Combine(dir.FullName, name + ".yaml"));
            }
            var config = PolicyStore.LoadEmbeddedWithDirectory("standard", dir.FullName);
            Assert.Equal("deny", config.DefaultAction);
            Assert.Contains(config.Policies, p => p.Source == "embedded:standard");
            Assert.Contains(config.Policies, p => p.ProfileName == "guard");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Profile_carries_inline_tests_for_its_rules(string name)
    {
        var document = PolicyYaml.Parse(File.ReadAllText(SourceFile(name)), SourceFile(name));
        Assert.True(document.Tests.Length >= 4, $"{name} has only {document.Tests.Length} inline tests");
        Assert.All(document.Tests, t => Assert.False(string.IsNullOrWhiteSpace(t.Name)));
        Assert.Equal(document.Tests.Length, document.Tests.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Profile_lints_without_errors(string name)
    {
        var findings = PolicyLinter.LintText(File.ReadAllText(SourceFile(name)));
        Assert.DoesNotContain(findings, f => f.Severity == "error");
    }

    [Fact]
    public void Standard_is_default_deny_with_a_final_low_priority_catch_all_allow()
    {
        var document = PolicyYaml.Parse(File.ReadAllText(SourceFile("standard")), SourceFile("standard"));
        Assert.Equal("deny", document.DefaultAction);
        var last = document.Policies[^1];
        Assert.Equal(10000, last.EffectivePriority);
        Assert.Empty(last.Match.Tools);
        var rule = Assert.Single(last.Rules);
        Assert.Equal(RuleAction.Allow, rule.Action);
        Assert.True(rule.When.Default);
        Assert.All(document.Policies.SkipLast(1), p => Assert.Equal(100, p.EffectivePriority));
    }

    [Theory]
    [InlineData("block-prompt-injection")]
    [InlineData("guard")]
    public void Layers_set_no_default_action_so_they_never_loosen_a_base_profile(string name)
    {
        // POL-026: the first file that sets default_action decides for the whole directory.
        var document = PolicyYaml.Parse(File.ReadAllText(SourceFile(name)), SourceFile(name));
        Assert.Equal("", document.DefaultAction);
        Assert.DoesNotContain(document.Policies, p => p.Rules.Any(r => r.Action == RuleAction.Allow));
    }

    public static TheoryData<string> ProfilesWithUpstreamCounterpart =>
        new(Names.Where(n => File.Exists(SharedFiles.Fixture(n + ".yaml"))));

    [Theory]
    [MemberData(nameof(ProfilesWithUpstreamCounterpart))]
    public void Profile_is_written_from_scratch_not_taken_from_upstream(string name)
    {
        // Product rule: the policies this project ships are its own. Facts carry over (a path
        // such as ~/.openclaw/openclaw.json, a well-known jailbreak phrase); structural one-liners
        // (`match:`, `- action: deny`) are unavoidable. Beyond that, at most one line in ten may
        // coincide with upstream's file of the same name.
        static HashSet<string> Distinctive(string path) => File.ReadLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length >= 28)
            .ToHashSet(StringComparer.Ordinal);
        var ours = Distinctive(SourceFile(name));
        var theirs = Distinctive(SharedFiles.Fixture(name + ".yaml"));
        var shared = ours.Intersect(theirs, StringComparer.Ordinal).ToList();
        Assert.True(shared.Count * 10 <= ours.Count, $"{name} shares {shared.Count} of {ours.Count} lines with upstream: {string.Join(" | ", shared.Take(10))}");
    }
}
