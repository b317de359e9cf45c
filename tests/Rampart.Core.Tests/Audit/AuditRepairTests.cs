using Rampart.Core.Audit;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit;

/// <summary><c>rampart audit repair</c> (AUD-072): a torn final line is moved aside, complete records are never touched.</summary>
public sealed class AuditRepairTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 4, 10, 11, 12, TimeSpan.Zero);

    [Fact]
    public async Task A_torn_final_line_is_moved_aside_and_the_writer_continues_the_chain()
    {
        using var tmp = new TempAuditDir();
        string file;
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
        {
            await writer.AppendAsync(Exec("one"));
            file = tmp.File((await writer.AppendAsync(Exec("two"))).File);
        }
        var complete = File.ReadAllBytes(file);
        const string torn = "{\"schema_version\":\"rampart.audit.v1\",\"id\":\"01J";
        File.AppendAllText(file, torn);
        Assert.Throws<AuditUnavailableException>(() => AuditWriter.Open(Options(tmp.Path_)));

        var result = AuditRepair.RepairTornTail(tmp.Path_, Now);

        Assert.Equal(Path.GetFileName(file), result.File);
        Assert.Equal(complete.Length, result.KeptBytes);
        Assert.Equal(torn.Length, result.TornBytes);
        Assert.Equal(Path.GetFileName(file) + ".torn-20260304T101112.000Z", result.TornFile);
        Assert.Equal(complete, File.ReadAllBytes(file));
        var tornPath = tmp.File(result.TornFile!);
        Assert.Equal(torn, File.ReadAllText(tornPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, Mode(tornPath));
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);

        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            Assert.Equal(3, (await writer.AppendAsync(Exec("three"))).Sequence);
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task A_trail_that_ends_with_a_complete_record_is_left_alone()
    {
        using var tmp = new TempAuditDir();
        string file;
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            file = tmp.File((await writer.AppendAsync(Exec("one"))).File);
        var before = File.ReadAllBytes(file);

        var result = AuditRepair.RepairTornTail(tmp.Path_, Now);

        Assert.Null(result.TornFile);
        Assert.Equal(0, result.TornBytes);
        Assert.Equal(before, File.ReadAllBytes(file));
        Assert.DoesNotContain(Directory.GetFiles(tmp.Path_), f => f.Contains(".torn-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_the_unterminated_tail_of_a_multi_record_torn_write_goes()
    {
        using var tmp = new TempAuditDir();
        string file;
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            file = tmp.File((await writer.AppendAsync(Exec("one"))).File);
        // A kill during a multi-page write keeps whole records before the cut and a prefix of the next.
        var lines = File.ReadAllBytes(file);
        var cut = lines.Length / 2;
        File.AppendAllBytes(file, lines.AsSpan(0, cut).ToArray());

        var result = AuditRepair.RepairTornTail(tmp.Path_, Now);

        Assert.Equal(lines.Length, result.KeptBytes);
        Assert.Equal(cut, result.TornBytes);
        Assert.Equal(lines, File.ReadAllBytes(file));
    }
}
