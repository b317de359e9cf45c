using Rampart.Cli;
using Rampart.Cli.Doctor;
using Rampart.Hosting;
using Rampart.Tests.Deployment;

namespace Rampart.Tests.Cli.Doctor;

/// <summary>
/// Doctor's deployment checks (CLI-063, SEC-061) on real files, modes, users and processes: a temp
/// user and group made with useradd/groupadd (tests run as root) and removed afterwards.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DeploymentChecksTests : IAsyncLifetime
{
    readonly string root = Directory.CreateTempSubdirectory("rampart-doctor-deploy-").FullName;
    readonly string agent = "rdt" + Guid.NewGuid().ToString("N")[..8];
    string Group => agent + "g";
    SystemLayout Layout => new() { ConfigDir = Path.Combine(root, "etc"), ServiceHome = Path.Combine(root, "lib"), UnitFile = Path.Combine(root, "rampart.service") };

    public async Task InitializeAsync()
    {
        // Others need to traverse the temp root to reach what the checks look at.
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        await HostProcess.RequireAsync("groupadd", Group);
        await HostProcess.RequireAsync("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--groups", Group, agent);
    }

    public async Task DisposeAsync()
    {
        await HostProcess.RunAsync("userdel", agent);
        await HostProcess.RunAsync("groupdel", Group);
        Directory.Delete(root, recursive: true);
    }

    (DeploymentChecks Checks, UnixUser User) ForAgent()
    {
        var accounts = UnixAccounts.Read();
        return (new DeploymentChecks(accounts, Layout), accounts.User(agent)!);
    }

    string Write(string relative, string content, UnixFileMode mode)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    const UnixFileMode Mode0644 = (UnixFileMode)0b110_100_100;
    const UnixFileMode Mode0755 = (UnixFileMode)0b111_101_101;
    const UnixFileMode Mode0700 = (UnixFileMode)0b111_000_000;

    // ── sudo ────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void Passwordless_sudo_for_every_command_in_an_included_file_is_reported()
    {
        var sudoers = Write("sudoers", $"Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n#includedir {Path.Combine(root, "sudoers.d")}\n", Mode0644);
        Write("sudoers.d/agent", $"{agent} ALL=(ALL) NOPASSWD: ALL\n", Mode0644);
        var (checks, user) = ForAgent();

        var check = checks.Sudo(user, sudoBinary: null, sudoers)!;

        Assert.Equal(DoctorCommand.DoctorStatus.Warn, check.Status);
        Assert.Contains(agent, check.Message);
        Assert.Contains("NOPASSWD: ALL", check.Message);
    }

    [Fact]
    public void A_group_rule_reaches_its_members()
    {
        var sudoers = Write("sudoers", $"%{Group} ALL=(ALL:ALL) \\\n    NOPASSWD:ALL\n", Mode0644);
        var (checks, user) = ForAgent();

        Assert.Equal(DoctorCommand.DoctorStatus.Warn, checks.Sudo(user, null, sudoers)!.Status);
    }

    [Theory]
    [InlineData("{0} ALL=(ALL) ALL\n")]
    [InlineData("{0} ALL=(ALL) NOPASSWD: /usr/bin/systemctl restart nginx\n")]
    [InlineData("otheruser ALL=(ALL) NOPASSWD: ALL\n")]
    [InlineData("# {0} ALL=(ALL) NOPASSWD: ALL\n")]
    public void Sudo_with_a_password_or_for_other_users_or_commands_is_fine(string rule)
    {
        var sudoers = Write("sudoers", string.Format(System.Globalization.CultureInfo.InvariantCulture, rule, agent), Mode0644);
        var (checks, user) = ForAgent();

        Assert.Equal(DoctorCommand.DoctorStatus.Ok, checks.Sudo(user, null, sudoers)!.Status);
    }

    // ── policies and audit of the service ────────────────────────────────────────────────────

    // What the agent can really do is probed as the agent (AccessProbe), so it is tested end to end
    // in Deployment/SystemInstallTests; here the operator's (root's) view of the same files.

    SystemLayout InstalledLayout(UnixFileMode dirMode, UnixFileMode fileMode)
    {
        Directory.CreateDirectory(Layout.ConfigDir);
        File.SetUnixFileMode(Layout.ConfigDir, dirMode);
        Write("etc/standard.yaml", "version: \"1\"\n", fileMode);
        Directory.CreateDirectory(Layout.AuditDir);
        File.SetUnixFileMode(Layout.ServiceHome, Mode0700);
        File.SetUnixFileMode(Layout.AuditDir, Mode0700);
        return Layout;
    }

    /// <summary>The temp user plays the service account (its group is named like it): the checks trust root and it.</summary>
    UnixUser Service => UnixAccounts.Read().User(agent)!;

    [Fact]
    public void Root_sees_no_problem_in_the_documented_modes()
    {
        InstalledLayout((UnixFileMode)0b111_101_000, (UnixFileMode)0b110_100_000);
        Assert.Empty(ForAgent().Checks.ServiceFiles(Service));
    }

    [Fact]
    public void Root_sees_a_world_writable_policy_even_inside_a_closed_directory_and_gets_the_fix()
    {
        InstalledLayout((UnixFileMode)0b111_101_000, (UnixFileMode)0b111_111_111);
        var check = Assert.Single(ForAgent().Checks.ServiceFiles(Service));

        Assert.Equal(DoctorCommand.DoctorStatus.Fail, check.Status);
        Assert.Equal("Service permissions", check.Name);
        Assert.Contains($"policy file {Layout.StandardPolicy} (mode 0777) is writable by every user", check.Message);
        Assert.Equal($"chown root:{agent} {Layout.StandardPolicy} && chmod 0640 {Layout.StandardPolicy}", check.Hint);
    }

    [Fact]
    public void Root_sees_an_audit_directory_others_can_read()
    {
        InstalledLayout((UnixFileMode)0b111_101_000, (UnixFileMode)0b110_100_000);
        File.SetUnixFileMode(Layout.AuditDir, Mode0755);
        var check = Assert.Single(ForAgent().Checks.ServiceFiles(Service));

        Assert.Contains($"audit directory {Layout.AuditDir} is mode 0755", check.Message);
        Assert.Equal($"chmod 0700 {Layout.AuditDir}", check.Hint);
    }

    [Fact]
    public void Without_the_service_account_there_is_nothing_to_judge()
    {
        InstalledLayout((UnixFileMode)0b111_111_111, (UnixFileMode)0b111_111_111);
        Assert.Empty(ForAgent().Checks.ServiceFiles(null));
    }

    // ── serve ───────────────────────────────────────────────────────────────────────────────

    [Fact]
    public async Task A_serve_running_as_root_is_reported_with_its_pid()
    {
        var home = Path.Combine(root, "home");
        Directory.CreateDirectory(home);
        await using var serve = await RampartServe.StartAsync(["serve", "--allow-root"], new Dictionary<string, string?> { ["HOME"] = home, ["RAMPART_TOKEN"] = null });
        var checks = ForAgent().Checks.ServeUsers();

        var mine = Assert.Single(checks, c => c.Message.Contains($"(pid {serve.Pid})", StringComparison.Ordinal));
        Assert.Equal(DoctorCommand.DoctorStatus.Warn, mine.Status);
        Assert.Equal("Serve user", mine.Name);
    }

    // ── the unit ────────────────────────────────────────────────────────────────────────────

    static string ShippedUnit => File.ReadAllText(Path.Combine(Testing.SharedFiles.RepoRoot, "dist", "rampart.service"));

    [Fact]
    public void The_shipped_unit_has_the_hardening_and_systemd_rates_it_at_most_2()
    {
        File.WriteAllText(Layout.UnitFile, ShippedUnit);

        var checks = ForAgent().Checks.UnitHardening("/usr/bin/systemd-analyze");

        Assert.Equal(DoctorCommand.DoctorStatus.Ok, Assert.Single(checks, c => c.Name == "Service unit").Status);
        var exposure = Assert.Single(checks, c => c.Name == "Service exposure");
        Assert.Equal(DoctorCommand.DoctorStatus.Ok, exposure.Status);
        Assert.StartsWith("systemd-analyze security: exposure ", exposure.Message);
    }

    [Fact]
    public void A_unit_without_the_hardening_is_named_and_scored_as_exposed()
    {
        File.WriteAllText(Layout.UnitFile, "[Unit]\nDescription=Rampart\n\n[Service]\nExecStart=/usr/local/bin/rampart serve --port 9090\nUser=root\n");

        var checks = ForAgent().Checks.UnitHardening("/usr/bin/systemd-analyze");

        var unit = Assert.Single(checks, c => c.Name == "Service unit");
        Assert.Equal(DoctorCommand.DoctorStatus.Warn, unit.Status);
        Assert.Contains("NoNewPrivileges=yes", unit.Message);
        Assert.Contains("ProtectSystem=strict", unit.Message);
        Assert.Contains("User=rampart-svc", unit.Message);
        Assert.Equal(DoctorCommand.DoctorStatus.Warn, Assert.Single(checks, c => c.Name == "Service exposure").Status);
    }

    [Fact]
    public void A_foreign_unit_file_is_not_judged()
    {
        File.WriteAllText(Layout.UnitFile, "[Service]\nExecStart=/usr/bin/nginx\n");

        Assert.Empty(ForAgent().Checks.UnitHardening("/usr/bin/systemd-analyze"));
    }
}
