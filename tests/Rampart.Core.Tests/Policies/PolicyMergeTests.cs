using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Policies;

/// <summary>POL-025..POL-031 merging rules not covered by the engine.yaml load-error suites.</summary>
public sealed class PolicyMergeTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "rampart-merge-" + Guid.NewGuid().ToString("N"));

    public PolicyMergeTests() => Directory.CreateDirectory(Path.Combine(_root, "policies"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string Write(string relative, string yaml)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        return path;
    }

    static string Policies(params string[] names) =>
        "policies:\n" + string.Concat(names.Select(n => $"  - name: {n}\n    rules: [{{action: deny}}]\n"));

    string Dir => Path.Combine(_root, "policies");

    [Fact]
    public void Missing_directory_is_an_empty_config()
    {
        var config = PolicyStore.LoadDirectory(Path.Combine(_root, "nope"));
        Assert.Empty(config.Policies);
        Assert.Equal(RuleAction.Deny, config.EffectiveDefault);
    }

    [Fact]
    public void Directory_files_are_sorted_ordinally_and_filtered_by_exact_extension()
    {
        Write("policies/b.yml", Policies("from-b"));
        Write("policies/B.yaml", Policies("from-B"));
        Write("policies/a.yaml", "default_action: ask\n" + Policies("from-a"));
        Write("policies/c.YAML", Policies("ignored-upper"));
        Write("policies/d.txt", Policies("ignored-txt"));
        Directory.CreateDirectory(Path.Combine(Dir, "sub.yaml"));
        var config = PolicyStore.LoadDirectory(Dir);
        Assert.Equal(["from-B", "from-a", "from-b"], config.Policies.Select(p => p.Name));
        Assert.Equal("ask", config.DefaultAction);
        Assert.Equal(Path.Combine(Dir, "B.yaml"), config.Policies[0].Source);
    }

    [Theory]
    [InlineData("openclaw.yaml", "standard.yaml")]
    [InlineData("standard.yaml", "openclaw.yaml")]
    public void Legacy_self_modification_policy_in_openclaw_and_standard_keeps_the_first(string first, string second)
    {
        Write("policies/" + first, Policies("block-self-modification", "x-" + first));
        Write("policies/" + second, Policies("block-self-modification", "x-" + second));
        var config = PolicyStore.LoadDirectory(Dir);
        var kept = Assert.Single(config.Policies, p => p.Name == "block-self-modification");
        Assert.Equal(Path.Combine(Dir, string.CompareOrdinal(first, second) < 0 ? first : second), kept.Source);
        Assert.Single(config.Warnings);
    }

    [Fact]
    public void Legacy_exception_applies_only_to_openclaw_and_standard()
    {
        Write("policies/a.yaml", Policies("block-self-modification"));
        Write("policies/standard.yaml", Policies("block-self-modification"));
        var ex = Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadDirectory(Dir));
        Assert.Equal($"engine: duplicate policy name \"block-self-modification\" in \"{Path.Combine(Dir, "standard.yaml")}\"", ex.Message);
    }

    [Fact]
    public void Primary_file_wins_and_is_not_loaded_twice_from_the_directory()
    {
        var primary = Write("policies/rampart.yaml", Policies("shared", "primary-only"));
        Write("policies/z.yaml", "default_action: allow\n" + Policies("shared", "dir-only"));
        var config = PolicyStore.LoadFileWithDirectory(primary, Dir);
        Assert.Equal(["shared", "primary-only", "dir-only"], config.Policies.Select(p => p.Name));
        Assert.Equal(primary, config.Policies[0].Source);
        Assert.Equal("allow", config.DefaultAction);
    }

    [Fact]
    public void Missing_primary_file_fails()
    {
        Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadFileWithDirectory(Path.Combine(_root, "missing.yaml"), Dir));
    }

    [Fact]
    public void No_primary_and_no_directory_yaml_is_an_error()
    {
        var ex = Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadFileWithDirectory("", Dir));
        Assert.Equal("engine: no config file or directory specified", ex.Message);
    }

    [Fact]
    public void Directory_policy_replaces_the_embedded_one_of_the_same_name()
    {
        Write("policies/custom.yaml", "default_action: allow\n" + Policies("shared", "disk"));
        var config = PolicyStore.LoadProfileWithDirectory("standard", "default_action: deny\n" + Policies("shared", "embedded-only"), Dir);
        Assert.Equal(["embedded-only", "shared", "disk"], config.Policies.Select(p => p.Name));
        Assert.Equal(["embedded:standard", Path.Combine(Dir, "custom.yaml"), Path.Combine(Dir, "custom.yaml")], config.Policies.Select(p => p.Source));
        Assert.Equal("deny", config.DefaultAction);
    }

    [Fact]
    public void Project_policies_append_marked_and_skip_existing_names_with_a_warning()
    {
        var global = PolicyStore.LoadFile(Write("rampart.yaml", "default_action: deny\n" + Policies("base")));
        var project = Write("repo/.rampart/policy.yaml", "default_action: allow\n" + Policies("base", "proj"));
        var config = PolicyStore.WithProject(global, project);
        Assert.Equal(["base", "proj"], config.Policies.Select(p => p.Name));
        Assert.False(config.Policies[0].IsProject);
        Assert.True(config.Policies[1].IsProject);
        Assert.Equal(project, config.Policies[1].Source);
        Assert.Equal("deny", config.DefaultAction);
        Assert.Single(config.Warnings);
    }

    [Fact]
    public void Oversized_directory_member_fails_the_load()
    {
        var path = Write("policies/big.yaml", "# " + new string('x', PolicyYaml.MaxFileBytes));
        var ex = Assert.Throws<PolicyLoadException>(() => PolicyStore.LoadDirectory(Dir));
        Assert.Equal($"engine: policy \"{path}\" is too large ({new FileInfo(path).Length} bytes, max 1048576)", ex.Message);
    }

    [Fact]
    public void Symbolic_links_in_the_directory_are_followed()
    {
        var target = Write("elsewhere/linked.yaml", Policies("linked"));
        File.CreateSymbolicLink(Path.Combine(Dir, "linked.yaml"), target);
        Assert.Equal("linked", Assert.Single(PolicyStore.LoadDirectory(Dir).Policies).Name);
    }
}
