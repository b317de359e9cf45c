using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Policies;

public sealed class PolicyReloadTests
{
    static PolicyConfig Config(string yaml) =>
        new() { DefaultAction = PolicyYaml.Parse(yaml, "/p.yaml").DefaultAction, Policies = PolicyYaml.Parse(yaml, "/p.yaml").Policies };

    const string Two = "default_action: deny\npolicies:\n  - name: a\n    rules: [{action: deny, when: {command_matches: [x]}}]\n  - name: b\n";

    [Fact]
    public void Initial_load_is_never_rejected()
    {
        Assert.Null(PolicyReload.RejectionReason(null, PolicyConfig.Empty, afterOnceClaim: false));
    }

    [Fact]
    public void Empty_config_is_rejected_as_mid_write()
    {
        Assert.Equal("engine: reload rejected — empty config (file may be mid-write)",
            PolicyReload.RejectionReason(Config(Two), PolicyConfig.Empty, afterOnceClaim: false));
    }

    [Fact]
    public void Dropping_to_zero_policies_is_rejected_unless_a_once_rule_was_consumed()
    {
        var candidate = Config("default_action: allow\n");
        Assert.Equal("engine: reload rejected — policy count dropped from 2 to 0",
            PolicyReload.RejectionReason(Config(Two), candidate, afterOnceClaim: false));
        Assert.Null(PolicyReload.RejectionReason(Config(Two), candidate, afterOnceClaim: true));
    }

    [Fact]
    public void A_changed_config_is_accepted()
    {
        Assert.Null(PolicyReload.RejectionReason(Config(Two), Config("policies:\n  - name: c\n"), afterOnceClaim: false));
    }

    [Fact]
    public void Same_content_is_structural_and_ignores_lines()
    {
        Assert.True(PolicyReload.HasSameContent(Config(Two), Config("# moved\n\n" + Two)));
        Assert.False(PolicyReload.HasSameContent(Config(Two), Config(Two.Replace("[x]", "[y]"))));
        Assert.False(PolicyReload.HasSameContent(Config(Two), Config(Two.Replace("deny\n", "allow\n"))));
    }
}
