using Rampart.Core.Audit;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit;

/// <summary>The one reader behind the CLI readers and the API history routes (AUD-090, API-070).</summary>
public sealed class AuditReaderTests
{
    static readonly DateTimeOffset T0 = new(2026, 3, 3, 10, 0, 0, TimeSpan.Zero);

    static async Task<TempAuditDir> Trail(params string[] commands)
    {
        var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_, new ManualClock(T0)));
        foreach (var c in commands) await writer.AppendAsync(Exec(c));
        return tmp;
    }

    static string LogFile(TempAuditDir tmp) => tmp.File("2026-03-03.jsonl");

    static List<string> Commands(IEnumerable<AuditEntry> entries) =>
        entries.Select(e => e.Event.Request!.Members[0].Value.AsString).ToList();

    static string OneLine(TempAuditDir tmp, int index) => File.ReadAllLines(LogFile(tmp))[index];

    [Fact]
    public async Task Files_are_every_regular_jsonl_in_chain_order_including_hook_and_unmanaged_ones()
    {
        using var tmp = await Trail("a");
        File.WriteAllText(tmp.File("2026-03-03.p10.jsonl"), "");
        File.WriteAllText(tmp.File("2026-03-03.p2.jsonl"), "");
        File.WriteAllText(tmp.File("audit-hook-2026-03-01.jsonl"), "");
        File.WriteAllText(tmp.File("notes.jsonl"), "");
        File.WriteAllText(tmp.File("notes.txt"), "");
        File.CreateSymbolicLink(tmp.File("linked.jsonl"), LogFile(tmp));
        Directory.CreateDirectory(tmp.File("folder.jsonl"));
        Assert.Equal(["2026-03-03.jsonl", "2026-03-03.p2.jsonl", "2026-03-03.p10.jsonl", "audit-hook-2026-03-01.jsonl", "notes.jsonl"],
            AuditReader.Files(tmp.Path_));
    }

    [Fact]
    public void A_missing_or_symlinked_directory_is_an_error_and_an_empty_one_fails_only_when_asked()
    {
        using var tmp = new TempAuditDir();
        Assert.Equal($"audit: audit directory {tmp.Path_} does not exist", Assert.Throws<AuditReadException>(() => AuditReader.Files(tmp.Path_)).Message);
        Directory.CreateDirectory(tmp.Path_);
        Assert.Empty(AuditReader.Files(tmp.Path_));
        Assert.Equal($"audit: no .jsonl files found in {tmp.Path_}", Assert.Throws<AuditReadException>(() => AuditReader.FilesOrFail(tmp.Path_)).Message);
        var link = Path.Combine(tmp.Root, "link");
        Directory.CreateSymbolicLink(link, tmp.Path_);
        Assert.Equal($"audit: audit directory {link} is a symlink", Assert.Throws<AuditReadException>(() => AuditReader.Files(link)).Message);
    }

    [Theory]
    [InlineData(new[] { "2026-03-03.jsonl", "2026-03-03.p2.jsonl", "zz.jsonl" }, "2026-03-03.p2.jsonl")]
    [InlineData(new[] { "audit-hook-2026-03-01.jsonl", "notes.jsonl" }, "notes.jsonl")]
    [InlineData(new string[0], null)]
    public void Newest_prefers_the_last_managed_file(string[] names, string? newest) => Assert.Equal(newest, AuditReader.Newest(names));

    [Fact]
    public async Task Blank_lines_records_without_id_and_a_line_still_being_written_are_skipped()
    {
        using var tmp = await Trail("one", "two");
        File.AppendAllText(LogFile(tmp), "\n  \t\r\n{\"chain_continue\":\"sha256:00\",\"prev_file\":\"x\"}\n" + OneLine(tmp, 0)[..40]);
        var entries = AuditReader.Read(tmp.Path_).ToList();
        Assert.Equal(["one", "two"], Commands(entries));
        Assert.Equal([1, 2], entries.Select(e => e.Line));
        Assert.All(entries, e => Assert.Equal("2026-03-03.jsonl", e.File));
    }

    [Fact]
    public async Task Strict_reading_stops_at_an_unparseable_line_naming_file_and_line()
    {
        using var tmp = await Trail("one", "two");
        File.AppendAllText(LogFile(tmp), "{not json\n");
        var ex = Assert.Throws<AuditReadException>(() => AuditReader.Read(tmp.Path_).ToList());
        Assert.StartsWith("audit: parse 2026-03-03.jsonl line 3: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lenient_reading_skips_an_unparseable_line_and_keeps_the_rest_of_the_file()
    {
        using var tmp = await Trail("one");
        var line = OneLine(tmp, 0);
        File.WriteAllText(tmp.File("2026-03-04.jsonl"), "{not json\n" + line + "\n");
        var skipped = new List<string>();
        var entries = AuditReader.Read(tmp.Path_, ["2026-03-03.jsonl", "2026-03-04.jsonl"], AuditReadOptions.Lenient((f, _) => skipped.Add(f))).ToList();
        Assert.Equal([("2026-03-03.jsonl", 1), ("2026-03-04.jsonl", 2)], entries.Select(e => (e.File, e.Line)));
        Assert.Empty(skipped);
    }

    [Fact]
    public async Task A_record_over_two_mebibytes_is_an_error_strictly_and_skips_the_whole_file_leniently()
    {
        using var tmp = await Trail("one");
        var line = OneLine(tmp, 0);
        File.WriteAllText(tmp.File("2026-03-04.jsonl"), line + "\n" + new string(' ', AuditCompaction.MaxRecordBytes + 1) + "\n");
        var strict = Assert.Throws<AuditReadException>(() => AuditReader.Read(tmp.Path_).ToList());
        Assert.Equal($"audit: 2026-03-04.jsonl line 2: record exceeds {AuditCompaction.MaxRecordBytes}-byte limit", strict.Message);

        var skipped = new List<string>();
        var entries = AuditReader.Read(tmp.Path_, AuditReader.Files(tmp.Path_), AuditReadOptions.Lenient((f, _) => skipped.Add(f))).ToList();
        Assert.Equal(["2026-03-03.jsonl"], entries.Select(e => e.File));
        Assert.Equal(["2026-03-04.jsonl"], skipped);
    }

    [Fact]
    public async Task A_file_that_is_not_regular_is_refused_and_reported_when_lenient()
    {
        using var tmp = await Trail("one");
        File.CreateSymbolicLink(tmp.File("2026-03-04.jsonl"), LogFile(tmp));
        Assert.Throws<IOException>(() => AuditReader.Read(tmp.Path_, ["2026-03-04.jsonl"], AuditReadOptions.Strict).ToList());
        var skipped = new List<string>();
        Assert.Empty(AuditReader.Read(tmp.Path_, ["2026-03-04.jsonl"], AuditReadOptions.Lenient((f, _) => skipped.Add(f))));
        Assert.Equal(["2026-03-04.jsonl"], skipped);
    }

    [Fact]
    public async Task A_cursor_returns_what_was_completed_since_the_last_call_with_whole_file_line_numbers()
    {
        using var tmp = await Trail("one", "two");
        var first = OneLine(tmp, 0);
        var cursor = new AuditFileCursor(tmp.Path_, "2026-03-03.jsonl", AuditReadOptions.Strict);
        Assert.Equal(["one", "two"], Commands(cursor.ReadNew()));
        Assert.Empty(cursor.ReadNew());

        File.AppendAllText(LogFile(tmp), "\n" + first[..10]);
        Assert.Empty(cursor.ReadNew());
        File.AppendAllText(LogFile(tmp), first[10..] + "\n");
        var next = Assert.Single(cursor.ReadNew());
        Assert.Equal(4, next.Line);
    }

    [Fact]
    public async Task A_cursor_starts_again_when_the_file_shrinks_and_has_nothing_when_it_is_gone()
    {
        using var tmp = await Trail("one", "two");
        var first = OneLine(tmp, 0);
        var cursor = new AuditFileCursor(tmp.Path_, "2026-03-03.jsonl", AuditReadOptions.Strict);
        Assert.Equal(2, cursor.ReadNew().Count);
        File.WriteAllText(LogFile(tmp), first + "\n");
        Assert.Equal([1], cursor.ReadNew().Select(e => e.Line));
        File.Delete(LogFile(tmp));
        Assert.Empty(cursor.ReadNew());
    }
}
