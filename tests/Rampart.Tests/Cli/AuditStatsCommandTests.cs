using static Rampart.Tests.Cli.AuditTrailFixture;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart audit stats</c> (CLI-056).</summary>
public sealed class AuditStatsCommandTests : IDisposable
{
    readonly AuditTrailFixture _trail = new();

    public void Dispose() => _trail.Dispose();

    [Fact]
    public async Task Totals_by_decision_with_percentages_then_by_tool_and_agent_sorted_by_key()
    {
        await _trail.WriteAsync(
            Event("exec", "allow", "ls", agent: "codex"),
            Event("exec", "allow", "pwd"),
            Event("read", "deny", "/etc/shadow", detailKey: "path"),
            Event("exec", "ask", "sudo ls"),
            Event("fetch", "allow", "https://x", detailKey: "url", agent: "codex"),
            Event("exec", "watch", "curl x"));
        var r = await _trail.RunAsync("audit", "stats", "--no-color");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(
        [
            "Audit Stats (all time)",
            new string('─', 40),
            "Total events:  6",
            "",
            "By decision:",
            "  allow           3  (50.0%)",
            "  deny            1  (16.7%)",
            "  watch           1  (16.7%)",
            "  ask             1  (16.7%)",
            "",
            "By tool:",
            "  exec            4",
            "  fetch           1",
            "  read            1",
            "",
            "By agent:",
            "  claude-code      4",
            "  codex            2",
        ], Lines(r.Stdout));
    }

    [Fact]
    public async Task Since_counts_only_recent_events_and_names_the_window()
    {
        var now = DateTimeOffset.UtcNow;
        await _trail.WriteAsync(
            Event("exec", "allow", "old") with { Timestamp = Core.Audit.AuditTimestamp.FromDateTimeOffset(now.AddDays(-3)) },
            Event("exec", "deny", "new") with { Timestamp = Core.Audit.AuditTimestamp.FromDateTimeOffset(now.AddHours(-1)) });
        var r = await _trail.RunAsync("audit", "stats", "--since", "1d12h");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = Lines(r.Stdout);
        Assert.Equal("Audit Stats (last 1d12h)", lines[0]);
        Assert.Equal("Total events:  1", lines[2]);
        Assert.Equal("  allow           0  (0.0%)", lines[5]);
        Assert.Equal("  deny            1  (100.0%)", lines[6]);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("yesterday")]
    [InlineData("-2h")]
    public async Task Since_must_be_a_positive_duration(string since)
    {
        await _trail.WriteAsync(Execs(1));
        var r = await _trail.RunAsync("audit", "stats", "--since", since);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"invalid --since \"{since}\"", r.Stderr, StringComparison.Ordinal);
    }
}
