using System.Text;
using Rampart.Core.Audit;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit;

/// <summary>The group-commit writer: chaining, files, rotation, restart (AUD-042..AUD-055, AUD-070).</summary>
public sealed class AuditWriterTests
{
    static readonly DateTimeOffset Day1 = new(2026, 3, 3, 23, 59, 0, TimeSpan.Zero);

    [Fact]
    public async Task Appended_events_form_a_verified_chain_in_todays_file()
    {
        using var tmp = new TempAuditDir();
        var clock = new ManualClock(Day1);
        await using (var writer = AuditWriter.Open(Options(tmp.Path_, clock)))
        {
            var r1 = await writer.AppendAsync(Exec("git status"));
            var r2 = await writer.AppendAsync(Exec("ls"));
            Assert.Equal(1, r1.Sequence);
            Assert.Equal(2, r2.Sequence);
            Assert.Equal("2026-03-03.jsonl", r2.File);
            Assert.Equal(r2.Hash, writer.LastHash);
            Assert.True(writer.IsHealthy);
        }

        var lines = Lines(tmp.File("2026-03-03.jsonl"));
        Assert.Equal(2, lines.Length);
        var first = AuditChain.ParseLine(Encoding.UTF8.GetBytes(lines[0]));
        var second = AuditChain.ParseLine(Encoding.UTF8.GetBytes(lines[1]));
        Assert.Equal("", first.PrevHash);
        Assert.Equal(first.Hash, second.PrevHash);
        Assert.Equal(AuditEvent.CurrentSchema, first.SchemaVersion);
        Assert.Equal(26, first.Id.Length);
        Assert.Equal(Host, first.Host);
        Assert.Equal("2026-03-03T23:59:00Z", first.Timestamp.ToString());

        var result = AuditVerifier.Verify(tmp.Path_);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal("✓ Chain verified: 2 events across 1 files, no tampering detected", result.Message);
    }

    [Fact]
    public async Task Checkpoint_describes_the_tail_exactly()
    {
        using var tmp = new TempAuditDir();
        await using (var writer = AuditWriter.Open(Options(tmp.Path_, new ManualClock(Day1))))
        {
            await writer.AppendAsync(Exec("a"));
            await writer.AppendAsync(Exec("b"));
        }
        var file = File.ReadAllBytes(tmp.File("2026-03-03.jsonl"));
        var lastLine = Lines(tmp.File("2026-03-03.jsonl"))[1];
        var hash = AuditChain.ParseLine(Encoding.UTF8.GetBytes(lastLine)).Hash;
        var size = Encoding.UTF8.GetByteCount(lastLine) + 1;
        var expected = $"{{\"version\":1,\"event_count\":2,\"last_hash\":\"{hash}\",\"current_file\":\"2026-03-03.jsonl\",\"current_size\":{file.Length},\"last_event_file\":\"2026-03-03.jsonl\",\"last_event_start\":{file.Length - size},\"last_event_size\":{size}}}\n";
        Assert.Equal(expected, File.ReadAllText(tmp.File(".audit-chain-state.json")));
    }

    [Fact]
    public async Task Redaction_happens_before_hashing()
    {
        using var tmp = new TempAuditDir();
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            await writer.AppendAsync(Exec("curl -H 'Authorization: Bearer top-secret' x") with
            {
                Request = AuditValue.Object([
                    new("command", AuditValue.From("curl -H 'Authorization: Bearer top-secret' x")),
                    new("api_key", AuditValue.From("k")),
                ]),
            });
        var text = File.ReadAllText(Directory.GetFiles(tmp.Path_, "*.jsonl").Single());
        Assert.DoesNotContain("top-secret", text, StringComparison.Ordinal);
        Assert.Contains("\"api_key\":\"[REDACTED]\"", text, StringComparison.Ordinal);
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task Concurrent_appends_are_each_chained_once_in_commit_order()
    {
        using var tmp = new TempAuditDir();
        var receipts = new System.Collections.Concurrent.ConcurrentBag<AuditReceipt>();
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
        {
            var tasks = Enumerable.Range(0, 32).Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < 200; i++) receipts.Add(await writer.AppendAsync(Exec($"task {t} item {i}")));
            })).ToArray();
            await Task.WhenAll(tasks);
            Assert.Equal(6400, writer.EventCount);
        }

        var result = AuditVerifier.Verify(tmp.Path_);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(6400, result.ChainEvents);

        var entries = AuditReader.Read(tmp.Path_).ToList();
        Assert.Equal(6400, entries.Count);
        Assert.Equal(6400, entries.Select(e => e.Event.Id).Distinct().Count());
        Assert.Equal(6400, entries.Select(e => ((AuditValue)e.Event.Request!).Members[0].Value.AsString).Distinct().Count());
        // Chain position = commit position: receipt #n is the n-th event on disk.
        var bySequence = receipts.ToDictionary(r => r.Sequence);
        Assert.Equal(Enumerable.Range(1, 6400).Select(i => (long)i), bySequence.Keys.Order());
        for (var i = 0; i < entries.Count; i++)
        {
            Assert.Equal(bySequence[i + 1].EventId, entries[i].Event.Id);
            Assert.Equal(bySequence[i + 1].Hash, entries[i].Event.Hash);
        }
        // Each task's own appends keep their order.
        for (var t = 0; t < 32; t++)
        {
            var mine = entries.Select(e => e.Event.Request!.Members[0].Value.AsString).Where(c => c.StartsWith($"task {t} ", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, 200).Select(i => $"task {t} item {i}"), mine);
        }
    }

    [Fact]
    public async Task A_restarted_writer_continues_the_chain()
    {
        using var tmp = new TempAuditDir();
        string lastHash;
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
        {
            await writer.AppendAsync(Exec("one"));
            lastHash = (await writer.AppendAsync(Exec("two"))).Hash;
        }
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
        {
            Assert.Equal(2, writer.EventCount);
            Assert.Equal(lastHash, writer.LastHash);
            var r = await writer.AppendAsync(Exec("three"));
            Assert.Equal(3, r.Sequence);
        }
        var entries = AuditReader.Read(tmp.Path_).ToList();
        Assert.Equal(lastHash, entries[2].Event.PrevHash);
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task Size_rotation_starts_parts_with_a_continuation_header()
    {
        using var tmp = new TempAuditDir();
        var options = Options(tmp.Path_, new ManualClock(Day1)) with { MaxFileBytes = 1500 };
        await using (var writer = AuditWriter.Open(options))
            for (var i = 0; i < 12; i++) await writer.AppendAsync(Exec("command number " + i));

        var names = Directory.GetFiles(tmp.Path_, "*.jsonl").Select(Path.GetFileName).ToList();
        Assert.Contains("2026-03-03.p1.jsonl", names);
        Assert.Contains("2026-03-03.p2.jsonl", names);
        foreach (var name in names) Assert.True(new FileInfo(tmp.File(name!)).Length <= 1500 + 800);

        var base0 = Lines(tmp.File("2026-03-03.jsonl"));
        var part1 = Lines(tmp.File("2026-03-03.p1.jsonl"));
        var lastOfBase = AuditChain.ParseLine(Encoding.UTF8.GetBytes(base0[^1]));
        Assert.Equal($"{{\"chain_continue\":\"{lastOfBase.Hash}\",\"prev_file\":\"2026-03-03.jsonl\"}}", part1[0]);
        var result = AuditVerifier.Verify(tmp.Path_);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(12, result.ChainEvents);
    }

    [Fact]
    public async Task Day_rotation_opens_the_new_days_file_with_a_header()
    {
        using var tmp = new TempAuditDir();
        var clock = new ManualClock(Day1);
        await using (var writer = AuditWriter.Open(Options(tmp.Path_, clock)))
        {
            await writer.AppendAsync(Exec("before midnight"));
            clock.Set(Day1.AddMinutes(2));
            var r = await writer.AppendAsync(Exec("after midnight"));
            Assert.Equal("2026-03-04.jsonl", r.File);
            // A clock that goes back does not create a file that sorts before the current one.
            clock.Set(Day1);
            Assert.Equal("2026-03-04.jsonl", (await writer.AppendAsync(Exec("clock went back"))).File);
        }
        var first = Lines(tmp.File("2026-03-03.jsonl"));
        var second = Lines(tmp.File("2026-03-04.jsonl"));
        Assert.Single(first);
        Assert.StartsWith("{\"chain_continue\":\"sha256:", second[0], StringComparison.Ordinal);
        Assert.EndsWith("\"prev_file\":\"2026-03-03.jsonl\"}", second[0], StringComparison.Ordinal);
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task Every_hundredth_event_replaces_the_anchor()
    {
        using var tmp = new TempAuditDir();
        AuditReceipt hundredth = null!;
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            for (var i = 1; i <= 150; i++)
            {
                var r = await writer.AppendAsync(Exec("n" + i));
                if (i == 100) hundredth = r;
            }
        var anchor = File.ReadAllText(tmp.File("audit-anchor.json"));
        Assert.StartsWith($"{{\"event_id\":\"{hundredth.EventId}\",\"hash\":\"{hundredth.Hash}\",\"event_count\":100,\"timestamp\":\"", anchor, StringComparison.Ordinal);
        Assert.EndsWith($"\"file\":\"{hundredth.File}\"}}", anchor, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(tmp.Path_, ".audit-anchor.json.tmp-*"));
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task A_writer_adopts_records_appended_by_another_writer()
    {
        using var tmp = new TempAuditDir();
        await using var first = AuditWriter.Open(Options(tmp.Path_));
        await first.AppendAsync(Exec("from first"));
        await using (var hook = AuditWriter.Open(Options(tmp.Path_) with { Fsync = false, StartFromCheckpoint = true }))
            await hook.AppendAsync(Exec("from hook"));
        var r = await first.AppendAsync(Exec("first again"));
        Assert.Equal(3, r.Sequence);
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task A_stale_checkpoint_is_rebuilt_from_the_log()
    {
        using var tmp = new TempAuditDir();
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            await writer.AppendAsync(Exec("one"));
        File.WriteAllText(tmp.File(".audit-chain-state.json"), "{\"version\":1,\"event_count\":7,\"last_hash\":\"sha256:x\"");
        await using (var writer = AuditWriter.Open(Options(tmp.Path_) with { StartFromCheckpoint = true }))
            Assert.Equal(2, (await writer.AppendAsync(Exec("two"))).Sequence);
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task A_torn_last_line_stops_start_up_fail_closed()
    {
        using var tmp = new TempAuditDir();
        string file;
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            file = tmp.File((await writer.AppendAsync(Exec("complete"))).File);
        var before = File.ReadAllBytes(file);
        const string torn = "{\"schema_version\":\"rampart.audit.v1\",\"id\":\"01J";
        File.AppendAllText(file, torn);

        var ex = Assert.Throws<AuditUnavailableException>(() => AuditWriter.Open(Options(tmp.Path_)));
        Assert.StartsWith("audit: recover chain state: read ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 2: unterminated audit record", ex.Message, StringComparison.Ordinal);
        // Nothing was "repaired" behind the operator's back (AUD-072).
        Assert.Equal(before.Length + torn.Length, new FileInfo(file).Length);
        Assert.False(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task Disposing_commits_everything_already_accepted()
    {
        using var tmp = new TempAuditDir();
        var writer = AuditWriter.Open(Options(tmp.Path_));
        var pending = Enumerable.Range(0, 50).Select(i => writer.AppendAsync(Exec("x" + i)).AsTask()).ToList();
        await writer.DisposeAsync();
        await Task.WhenAll(pending);
        Assert.Equal(50, AuditReader.Read(tmp.Path_).Count());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await writer.AppendAsync(Exec("late")));
    }

    [Fact]
    public async Task An_unfittable_record_fails_only_its_caller()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        var huge = writer.AppendAsync(Exec("x") with { Agent = new string('a', 3_000_000), Id = new string('i', 2_200_000) });
        var fine = writer.AppendAsync(Exec("y"));
        await Assert.ThrowsAsync<AuditUnavailableException>(async () => await huge);
        Assert.Equal(1, (await fine).Sequence);
        Assert.True(writer.IsHealthy);
    }
}
