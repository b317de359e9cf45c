using Rampart.Hosting;
using Rampart.Server;

namespace Rampart.Tests.Deployment;

/// <summary>The serve start-up deployment checks (SEC-061, issue 5) on real files with real owners and modes.</summary>
public sealed class StartupChecksTests : IDisposable
{
    const uint ServiceUid = 4242;
    const uint ServiceGid = 4242;
    const uint AgentUid = 4343;
    const uint SharedGid = 5000;

    readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("rampart-checks-");
    readonly string _policies;
    readonly string _policy;
    readonly string _state;
    readonly UnixAccounts _accounts;

    public StartupChecksTests()
    {
        _policies = Path.Combine(_root.FullName, "policies");
        _policy = Path.Combine(_policies, "standard.yaml");
        _state = Path.Combine(_root.FullName, "home", ".rampart");
        Directory.CreateDirectory(_policies);
        Directory.CreateDirectory(Path.Combine(_state, "audit"));
        File.WriteAllText(_policy, "version: \"1\"\ndefault_action: allow\npolicies: []\n");
        // The documented layout (SEC-011): root-owned policy files 0640 in a 0750 directory, owner-only audit.
        File.SetUnixFileMode(_root.FullName, Mode("755"));
        File.SetUnixFileMode(_policies, Mode("750"));
        File.SetUnixFileMode(_policy, Mode("640"));
        File.SetUnixFileMode(Path.Combine(_state, "audit"), Mode("700"));
        var passwd = Path.Combine(_root.FullName, "passwd");
        var group = Path.Combine(_root.FullName, "group");
        File.WriteAllText(passwd, $"root:x:0:0::/root:/bin/sh\nrampart-svc:x:{ServiceUid}:{ServiceGid}::/var/lib/rampart:/usr/sbin/nologin\nagent:x:{AgentUid}:{AgentUid}::/home/agent:/bin/bash\n");
        File.WriteAllText(group, $"root:x:0:\nrampart-svc:x:{ServiceGid}:\nagent:x:{AgentUid}:\nshared:x:{SharedGid}:agent,rampart-svc\nadmins:x:5001:root\n");
        _accounts = UnixAccounts.Read(passwd, group);
    }

    public void Dispose() => _root.Delete(recursive: true);

    static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    ServeOptions Options => new()
    {
        ConfigPath = _policy,
        IsConfigExplicit = true,
        ConfigDir = _policies,
        StateDir = _state,
        AuditDir = Path.Combine(_state, "audit"),
    };

    IReadOnlyList<StartupFinding> Inspect(uint uid = ServiceUid, bool allowRoot = false) => new StartupChecks(_accounts, uid).Inspect(Options, allowRoot);

    [Fact]
    public void The_documented_layout_has_no_findings()
    {
        Assert.Empty(Inspect());
    }

    [Fact]
    public void Root_is_refused_without_allow_root_and_the_message_says_how_to_fix_it()
    {
        var finding = Assert.Single(Inspect(uid: 0));
        Assert.True(finding.IsFatal);
        Assert.Contains("refusing to run as root", finding.Message);
        Assert.Contains("serve install --system", finding.Message);
        Assert.Contains("--allow-root", finding.Message);
    }

    [Fact]
    public void Root_with_allow_root_only_warns()
    {
        var finding = Assert.Single(Inspect(uid: 0, allowRoot: true));
        Assert.False(finding.IsFatal);
        Assert.Contains("running as root", finding.Message);
    }

    [Fact]
    public void A_world_writable_policy_file_is_reported_with_the_fix()
    {
        File.SetUnixFileMode(_policy, Mode("666"));

        var finding = Assert.Single(Inspect());
        Assert.False(finding.IsFatal);
        Assert.Contains($"policy file {_policy} (mode 0666) is writable by every user", finding.Message);
        Assert.Contains($"chown root:rampart-svc {_policy} && chmod 0640 {_policy}", finding.Message);
    }

    [Fact]
    public void A_policy_directory_writable_by_others_is_reported()
    {
        File.SetUnixFileMode(_policies, Mode("777"));

        var finding = Assert.Single(Inspect());
        Assert.Contains($"policy directory {_policies} (mode 0777)", finding.Message);
        Assert.Contains("chmod 0750", finding.Message);
    }

    [Fact]
    public void A_policy_file_owned_by_the_agent_is_reported_with_its_name()
    {
        Posix.Chown(_policy, AgentUid, AgentUid);

        var finding = Assert.Single(Inspect());
        Assert.Contains("writable by its owner agent (uid 4343)", finding.Message);
    }

    [Fact]
    public void A_policy_file_owned_by_the_service_account_is_fine()
    {
        Posix.Chown(_policy, ServiceUid, ServiceGid);
        Assert.Empty(Inspect());
    }

    [Fact]
    public void Group_write_counts_only_when_the_group_has_an_untrusted_member()
    {
        Posix.Chown(_policy, 0, 5001); // admins: only root
        File.SetUnixFileMode(_policy, Mode("660"));
        Assert.Empty(Inspect());

        Posix.Chown(_policy, 0, SharedGid); // shared: agent and rampart-svc
        var finding = Assert.Single(Inspect());
        Assert.Contains("group shared (agent (uid 4343))", finding.Message);
    }

    [Fact]
    public void A_symlinked_policy_is_judged_by_its_target()
    {
        var target = Path.Combine(_root.FullName, "elsewhere.yaml");
        File.WriteAllText(target, "version: \"1\"\npolicies: []\n");
        File.SetUnixFileMode(target, Mode("666"));
        File.CreateSymbolicLink(Path.Combine(_policies, "linked.yaml"), target);

        var finding = Assert.Single(Inspect());
        Assert.Contains($"policy file (symlink target) {target}", finding.Message);
    }

    [Fact]
    public void An_audit_directory_others_can_read_is_reported()
    {
        var audit = Path.Combine(_state, "audit");
        File.SetUnixFileMode(audit, Mode("755"));

        var finding = Assert.Single(Inspect());
        Assert.Contains($"audit directory {audit} is mode 0755", finding.Message);
        Assert.Contains($"chmod 0700 {audit}", finding.Message);
    }

    [Fact]
    public void A_token_file_readable_by_others_is_reported()
    {
        var token = Path.Combine(_state, "token");
        File.WriteAllText(token, "secret");
        File.SetUnixFileMode(token, Mode("644"));

        var finding = Assert.Single(Inspect());
        Assert.Contains($"{token} was mode 0644", finding.Message);
        Assert.Contains("rampart token rotate", finding.Message);
    }

    [Fact]
    public async Task Serve_as_root_exits_1_without_allow_root()
    {
        Assert.True(HostProcess.IsRoot, "this test checks the root refusal and must run as root (as CI does)");
        var home = Directory.CreateTempSubdirectory("rampart-root-home-").FullName;
        try
        {
            var result = await RampartProcess.RunAsync(["serve", "--port", "0"], env: new Dictionary<string, string?> { ["HOME"] = home });
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("serve: refusing to run as root", result.Stderr);
            Assert.False(Directory.Exists(Path.Combine(home, ".rampart", "audit")), "nothing may be created before the refusal");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
