using Rampart.Testing;
using Rampart.Hosting;

namespace Rampart.Tests.Deployment;

/// <summary>A system install, then <c>serve uninstall --system</c> twice.</summary>
public sealed class UninstalledSystem : InstalledSystem
{
    public ChildProcess.Result FirstUninstall { get; private set; } = null!;
    public ChildProcess.Result SecondUninstall { get; private set; } = null!;
    public string[] AuditBefore { get; private set; } = [];
    public bool ServerExited { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Audit data as the service leaves it (0600, rampart-svc), beside whatever the writer produced.
        await HostProcess.RequireAsync("runuser", "-u", SystemLayout.ServiceAccount, "--", "sh", "-c",
            $"umask 077 && echo '{{}}' > {SystemLayout.Default.AuditDir}/kept-by-uninstall.jsonl");
        AuditBefore = Directory.GetFiles(SystemLayout.Default.AuditDir);
        FirstUninstall = await UninstallAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await Server.WaitForExitAsync(cts.Token);
            ServerExited = true;
        }
        catch (OperationCanceledException) { }
        SecondUninstall = await UninstallAsync();
    }
}

/// <summary>Uninstall stops and removes the service, keeps the audit trail, and is idempotent (CLI-033).</summary>
[Collection(DeploymentCollection.Name)]
public sealed class SystemUninstallTests(UninstalledSystem system) : IClassFixture<UninstalledSystem>
{
    [Fact]
    public void Uninstall_stops_the_running_service()
    {
        Assert.True(system.FirstUninstall.ExitCode == 0, system.FirstUninstall.Output);
        Assert.Contains($"  done  the running rampart serve (pid {system.ServerPid}) stopped", system.FirstUninstall.Stdout);
        Assert.True(system.ServerExited, "the service still runs after uninstall");
    }

    [Fact]
    public void Uninstall_removes_the_unit()
    {
        Assert.Contains($"  done  {SystemLayout.Default.UnitFile} removed", system.FirstUninstall.Stdout);
        Assert.False(File.Exists(SystemLayout.Default.UnitFile));
    }

    [Fact]
    public void Uninstall_never_deletes_audit_data()
    {
        Assert.NotEmpty(system.AuditBefore);
        foreach (var file in system.AuditBefore) Assert.True(File.Exists(file), file + " was deleted");
        Assert.Contains("Kept (never deleted by uninstall): the audit trail in /var/lib/rampart/audit", system.FirstUninstall.Stdout);
    }

    [Fact]
    public void Second_uninstall_changes_nothing_and_says_so()
    {
        Assert.Equal(0, system.SecondUninstall.ExitCode);
        Assert.Contains("Nothing to change: the system uninstall is already in place.", system.SecondUninstall.Stdout);
    }
}
