using Rampart.Core.Audit;
using Rampart.Testing;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit;

/// <summary>Fail closed on real file-system faults, then resume by itself (AUD-054 step 7, AUD-055).</summary>
public sealed class AuditFaultTests
{
    static readonly DateTimeOffset Day1 = new(2026, 3, 3, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_removed_directory_fails_appends_until_it_exists_again()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        await writer.AppendAsync(Exec("before"));

        Directory.Delete(tmp.Path_, recursive: true);
        var ex = await Assert.ThrowsAsync<AuditUnavailableException>(async () => await writer.AppendAsync(Exec("lost")));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.False(writer.IsHealthy);
        Assert.Contains("does not exist", writer.LastError, StringComparison.Ordinal);

        Directory.CreateDirectory(tmp.Path_);
        var r = await writer.AppendAsync(Exec("after"));
        Assert.True(writer.IsHealthy);
        Assert.Null(writer.LastError);
        Assert.Equal(1, r.Sequence); // the old trail is gone; a new chain starts
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task A_blocked_rotation_target_fails_appends_until_it_is_removed()
    {
        using var tmp = new TempAuditDir();
        var clock = new ManualClock(Day1);
        await using var writer = AuditWriter.Open(Options(tmp.Path_, clock));
        await writer.AppendAsync(Exec("day one"));

        Directory.CreateDirectory(tmp.File("2026-03-04.jsonl"));
        clock.Set(Day1.AddDays(1));
        await Assert.ThrowsAsync<AuditUnavailableException>(async () => await writer.AppendAsync(Exec("blocked")));
        Assert.False(writer.IsHealthy);
        // Still blocked: the retry re-recovers, and a directory named like a log fails recovery.
        await Assert.ThrowsAsync<AuditUnavailableException>(async () => await writer.AppendAsync(Exec("still blocked")));

        Directory.Delete(tmp.File("2026-03-04.jsonl"));
        var r = await writer.AppendAsync(Exec("day two"));
        Assert.True(writer.IsHealthy);
        Assert.Equal(2, r.Sequence);
        Assert.Equal("2026-03-04.jsonl", r.File);
        var result = AuditVerifier.Verify(tmp.Path_);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(2, result.ChainEvents);
    }

    [Fact]
    public async Task A_full_disk_truncates_the_partial_batch_and_recovers_when_space_returns()
    {
        using var tmp = new TempAuditDir();
        var mount = Path.Combine(tmp.Root, "small");
        Directory.CreateDirectory(mount);
        if (!SmallTmpfs.TryMount(mount, "64k"))
        {
            // No mount privilege here: the same fail-closed cycle through a fault any user can cause.
            await A_blocked_rotation_target_fails_appends_until_it_is_removed();
            return;
        }
        try
        {
            var dir = Path.Combine(mount, "audit");
            await using var writer = AuditWriter.Open(Options(dir));
            var first = await writer.AppendAsync(Exec("fits"));
            var log = Path.Combine(dir, first.File);
            var durable = new FileInfo(log).Length;

            var filler = Path.Combine(mount, "filler");
            SmallTmpfs.FillUp(filler);
            // One record bigger than the room left in the log's last page: the write is partial.
            var big = Exec("big") with { Decision = new AuditDecision { Action = "allow", Message = new string('m', 20_000) } };
            var ex = await Assert.ThrowsAsync<AuditUnavailableException>(async () => await writer.AppendAsync(big));
            Assert.Contains("No space left on device", ex.Message, StringComparison.Ordinal);
            Assert.False(writer.IsHealthy);
            Assert.Equal(1, writer.EventCount);
            Assert.Equal(durable, new FileInfo(log).Length); // never half-chained
            Assert.True(AuditVerifier.Verify(dir).IsValid);

            File.Delete(filler);
            var r = await writer.AppendAsync(big);
            Assert.True(writer.IsHealthy);
            Assert.Equal(2, r.Sequence);
            var result = AuditVerifier.Verify(dir);
            Assert.True(result.IsValid, result.Message);
            Assert.Equal(2, result.ChainEvents);
        }
        finally
        {
            SmallTmpfs.Unmount(mount);
        }
    }
}
