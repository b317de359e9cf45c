using static Rampart.Tests.Cli.AuditTrailFixture;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart audit replay</c> (CLI-058).</summary>
public sealed class AuditReplayCommandTests : IDisposable
{
    readonly AuditTrailFixture _trail = new();

    public void Dispose() => _trail.Dispose();

    [Fact]
    public async Task Every_event_is_numbered_in_order()
    {
        await _trail.WriteAsync(Event("exec", "allow", "ls", minute: 1), Event("exec", "deny", "rm -rf ~", minute: 2, policy: "block"));
        var r = await _trail.RunAsync("audit", "replay", "--speed", "0", "--no-color");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(
        [
            "[1/2] ✅ 12:01:00 exec   \"ls\" allow   p",
            "[2/2] 🔴 12:02:00 exec   \"rm -rf ~\" DENY    block",
        ], Lines(r.Stdout));
    }

    [Fact]
    public async Task A_negative_speed_is_refused()
    {
        await _trail.WriteAsync(Execs(1));
        var r = await _trail.RunAsync("audit", "replay", "--speed", "-1");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("audit replay: --speed must be >= 0\n", r.Stderr);
    }
}
