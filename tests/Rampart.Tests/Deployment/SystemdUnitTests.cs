using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Rampart.Testing;

namespace Rampart.Tests.Deployment;

/// <summary>The shipped unit (dist/rampart.service) is hardened per SEC-017 and scores ≤ 2.0 on systemd's own scorer.</summary>
public sealed partial class SystemdUnitTests
{
    static readonly string UnitPath = Path.Combine(SharedFiles.RepoRoot, "dist", "rampart.service");

    [Fact]
    public async Task Shipped_unit_scores_at_most_two_on_systemd_analyze_security()
    {
        var psi = new ProcessStartInfo("systemd-analyze", ["security", "--offline=true", UnitPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        var match = ExposureLine().Match(output);
        Assert.True(match.Success, "no exposure line in systemd-analyze output:\n" + output);
        var score = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(score <= 2.0, $"exposure {score} > 2.0:\n{output}");
    }

    [Theory]
    [InlineData("User=rampart-svc")]
    [InlineData("Type=notify")]
    [InlineData("ProtectSystem=strict")]
    [InlineData("ReadWritePaths=/var/lib/rampart")]
    [InlineData("NoNewPrivileges=yes")]
    [InlineData("CapabilityBoundingSet=")]
    [InlineData("UMask=0077")]
    [InlineData("IPAddressAllow=localhost")]
    [InlineData("MemoryDenyWriteExecute=yes")]
    [InlineData("StateDirectory=rampart")]
    [InlineData("Restart=always")]
    public void Shipped_unit_sets_the_required_hardening(string line)
    {
        var lines = File.ReadAllLines(UnitPath).Select(l => l.Trim());
        Assert.Contains(line, lines);
    }

    [Fact]
    public void Shipped_unit_puts_no_secret_in_the_environment()
    {
        var directives = File.ReadAllLines(UnitPath).Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or ';'));
        Assert.DoesNotContain(directives, l => l.StartsWith("Environment", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+(?:\.\d+)?)")]
    private static partial Regex ExposureLine();
}
