using System.Text;
using Microsoft.Win32.SafeHandles;
using Rampart.Core.Audit;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit;

/// <summary>
/// How <see cref="AuditWriter"/> groups records into commits (issue 4, AUD-055), read through its
/// <c>CommitStats</c>. Where a test needs records to pile up, it holds the writer lock (AUD-053)
/// itself, so the committer is blocked for as long as the test wants: no timing involved.
/// </summary>
public sealed class AuditGroupCommitTests
{
    [Fact]
    public async Task Records_queued_while_a_commit_is_blocked_share_the_next_commit()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        List<Task<AuditReceipt>> pending;
        using (HoldWriterLock(tmp))
            pending = Enumerable.Range(0, 51).Select(i => writer.AppendAsync(Exec("queued " + i)).AsTask()).ToList();
        var receipts = await Task.WhenAll(pending);

        var stats = writer.CommitStats;
        Assert.Equal(51, stats.Records);
        // The committer may have taken (and gathered) the first few records before it blocked on the
        // lock; everything queued behind the block shares one commit, so never more than two.
        Assert.InRange(stats.Commits, 1, 2);
        Assert.Equal(stats.Commits, stats.Fsyncs);
        // Arrival order is chain order.
        Assert.Equal(Enumerable.Range(1, 51).Select(i => (long)i), receipts.Select(r => r.Sequence));
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task The_batch_limit_splits_a_queue_into_consecutive_commits_in_order()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_) with { MaxBatchRecords = 8 });
        List<Task<AuditReceipt>> pending;
        using (HoldWriterLock(tmp))
            pending = Enumerable.Range(0, 60).Select(i => writer.AppendAsync(Exec("item " + i)).AsTask()).ToList();
        var receipts = await Task.WhenAll(pending);

        var stats = writer.CommitStats;
        Assert.Equal(60, stats.Records);
        Assert.Equal(8, stats.LargestBatch);
        Assert.InRange(stats.Commits, 8, 9); // ⌈59 / 8⌉ after a possible lone first record
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), receipts.Select(r => r.Sequence));
        var commands = AuditReader.Read(tmp.Path_).Select(e => e.Event.Request!.Members[0].Value.AsString);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => "item " + i), commands);
    }

    [Fact]
    public async Task One_fsync_per_record_when_the_batch_limit_is_one()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_) with { MaxBatchRecords = 1 });
        List<Task<AuditReceipt>> pending;
        using (HoldWriterLock(tmp))
            pending = Enumerable.Range(0, 20).Select(i => writer.AppendAsync(Exec("single " + i)).AsTask()).ToList();
        await Task.WhenAll(pending);

        var stats = writer.CommitStats;
        Assert.Equal(20, stats.Commits);
        Assert.Equal(20, stats.Fsyncs);
        Assert.Equal(1, stats.LargestBatch);
        Assert.Equal(0, stats.GatherWaits);
    }

    [Fact]
    public async Task A_writer_alone_never_waits_for_company()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        for (var i = 0; i < 30; i++) await writer.AppendAsync(Exec("alone " + i));

        var stats = writer.CommitStats;
        Assert.Equal(30, stats.Commits);
        Assert.Equal(0, stats.GatherWaits);
        Assert.Equal(TimeSpan.Zero, stats.Gather);
    }

    [Fact]
    public async Task Without_fsync_nothing_is_gathered()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_) with { Fsync = false });
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++) await writer.AppendAsync(Exec($"w{t} {i}"));
        }));
        await Task.WhenAll(tasks);

        var stats = writer.CommitStats;
        Assert.Equal(400, stats.Records);
        Assert.Equal(0, stats.Fsyncs);
        Assert.Equal(0, stats.GatherWaits);
    }

    [Fact]
    public async Task The_anchor_of_a_batch_is_its_last_hundredth_record()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        List<Task<AuditReceipt>> pending;
        using (HoldWriterLock(tmp))
            pending = Enumerable.Range(0, 250).Select(i => writer.AppendAsync(Exec("n" + i)).AsTask()).ToList();
        var receipts = await Task.WhenAll(pending);

        var anchor = AuditFileFormat.ParseAnchor(File.ReadAllBytes(tmp.File("audit-anchor.json")))!;
        var twoHundredth = receipts[199];
        Assert.Equal(200, anchor.EventCount);
        Assert.Equal(twoHundredth.EventId, anchor.EventId);
        Assert.Equal(twoHundredth.Hash, anchor.Hash);
        Assert.Equal(twoHundredth.File, anchor.File);
        Assert.Empty(Directory.GetFiles(tmp.Path_, ".audit-anchor.json.tmp-*"));
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task A_failed_anchor_fails_only_the_append_that_made_it_due()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        Directory.CreateDirectory(tmp.File("audit-anchor.json")); // the rename over it fails
        List<Task<AuditReceipt>> pending;
        using (HoldWriterLock(tmp))
            pending = Enumerable.Range(1, 150).Select(i => writer.AppendAsync(Exec("n" + i)).AsTask()).ToList();
        await Task.WhenAll(pending).ContinueWith(static _ => { }, TaskScheduler.Default);

        // AUD-054 step 7 per append: the 100th record's append writes the anchor, so it alone reports the failure.
        var ex = await Assert.ThrowsAsync<AuditUnavailableException>(() => pending[99]);
        Assert.Contains("audit-anchor.json", ex.Message, StringComparison.Ordinal);
        for (var i = 0; i < pending.Count; i++)
            if (i != 99) Assert.Equal(i + 1, (await pending[i]).Sequence);
        Assert.Empty(Directory.GetFiles(tmp.Path_, ".audit-anchor.json.tmp-*"));
        Directory.Delete(tmp.File("audit-anchor.json"));
        var result = AuditVerifier.Verify(tmp.Path_);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(150, result.ChainEvents);
    }

    [Fact]
    public async Task A_failed_anchor_fails_its_batch_but_the_records_stay_and_writing_resumes()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        for (var i = 1; i < 100; i++) await writer.AppendAsync(Exec("n" + i));
        Directory.CreateDirectory(tmp.File("audit-anchor.json")); // the rename over it fails

        var ex = await Assert.ThrowsAsync<AuditUnavailableException>(async () => await writer.AppendAsync(Exec("n100")));
        Assert.Contains("audit-anchor.json", ex.Message, StringComparison.Ordinal);
        Assert.False(writer.IsHealthy);
        Assert.Empty(Directory.GetFiles(tmp.Path_, ".audit-anchor.json.tmp-*"));

        Directory.Delete(tmp.File("audit-anchor.json"));
        // AUD-054 step 7: the 100th line is durable, so the chain continues after it.
        var next = await writer.AppendAsync(Exec("n101"));
        Assert.Equal(101, next.Sequence);
        Assert.True(writer.IsHealthy);
        var result = AuditVerifier.Verify(tmp.Path_);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(101, result.ChainEvents);
    }

    [Fact]
    public async Task A_malformed_event_fails_only_its_caller_not_its_batch()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        Task<AuditReceipt> before, after;
        ValueTask<AuditReceipt> malformed;
        using (HoldWriterLock(tmp))
        {
            before = writer.AppendAsync(Exec("before")).AsTask();
            malformed = writer.AppendAsync(Exec("x") with { Request = AuditValue.From("not an object") });
            after = writer.AppendAsync(Exec("after")).AsTask();
        }
        var ex = await Assert.ThrowsAsync<AuditUnavailableException>(async () => await malformed);
        Assert.Contains("request", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await before).Sequence);
        Assert.Equal(2, (await after).Sequence);
        Assert.True(writer.IsHealthy);
    }

    [Fact]
    public async Task A_checkpoint_replaced_by_another_file_is_detected_and_rewritten()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        await writer.AppendAsync(Exec("one"));
        var checkpoint = tmp.File(".audit-chain-state.json");
        // Another file takes the name (new inode): the writer must not keep writing the old one.
        var stale = File.ReadAllBytes(checkpoint);
        File.Delete(checkpoint);
        File.WriteAllBytes(checkpoint, stale);

        var r = await writer.AppendAsync(Exec("two"));
        Assert.Equal(2, r.Sequence);
        var state = AuditFileFormat.ParseChainState(File.ReadAllBytes(checkpoint))!;
        Assert.Equal(2, state.EventCount);
        Assert.Equal(r.Hash, state.LastHash);
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task Lines_are_the_canonical_serialisation_of_their_events()
    {
        using var tmp = new TempAuditDir();
        var events = new[]
        {
            Exec("echo '<b>&amp;</b>' \u2028 \u2029 \u0001 \"quoted\" \\ tab\t é 🙂"),
            Exec("plain") with
            {
                RunId = "run-1",
                ToolCallId = "call-9",
                ApprovalOwner = AuditValue.Object([new("user", AuditValue.From("ana"))]),
                Response = new AuditResponse { ExitCode = 1, DurationMs = 12, Flags = ["stderr-redacted"] },
            },
            Exec("huge message") with { Decision = Exec("x").Decision with { Message = new string('m', 2_200_000) } },
            Exec("after the compacted one"),
        };
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            foreach (var e in events) await writer.AppendAsync(e);

        var file = Directory.GetFiles(tmp.Path_, "*.jsonl").Single();
        var lines = File.ReadAllBytes(file).AsSpan();
        var count = 0;
        while (lines.Length > 0)
        {
            var end = lines.IndexOf((byte)'\n');
            var line = lines[..end].ToArray();
            lines = lines[(end + 1)..];
            var parsed = AuditChain.ParseLine(line);
            // The reference sealing of the conformance vectors gives the same bytes and hash.
            var expected = AuditChain.Seal(parsed with { Hash = "" }, parsed.PrevHash);
            Assert.Equal(Encoding.UTF8.GetString(expected.Line), Encoding.UTF8.GetString(line));
            Assert.Equal(expected.Hash, parsed.Hash);
            count++;
        }
        Assert.Equal(events.Length, count);
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task Cancelling_stops_the_wait_but_the_record_is_still_committed()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        using var cts = new CancellationTokenSource();
        Task<AuditReceipt> cancelled, other;
        using (HoldWriterLock(tmp))
        {
            cancelled = writer.AppendAsync(Exec("cancelled wait"), cts.Token).AsTask();
            other = writer.AppendAsync(Exec("plain wait"), new CancellationTokenSource().Token).AsTask();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
            Assert.False(other.IsCompleted);
        }
        var receipt = await other;

        Assert.Equal(2, receipt.Sequence);
        var commands = AuditReader.Read(tmp.Path_).Select(e => e.Event.Request!.Members[0].Value.AsString);
        Assert.Equal(["cancelled wait", "plain wait"], commands);
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    /// <summary>Takes the cross-process writer lock (AUD-053) as another writer would; dispose releases it.</summary>
    [Fact]
    public async Task Records_queued_behind_one_that_must_be_compacted_are_chained_after_its_compacted_form()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        await writer.AppendAsync(Exec("before"));
        List<Task<AuditReceipt>> pending;
        // Queued records are sealed ahead, each after the one before it; the large one cannot be
        // (its line is only known once compacted), so those behind it are chained by the commit.
        using (HoldWriterLock(tmp))
            pending =
            [
                writer.AppendAsync(Exec("small 1")).AsTask(),
                writer.AppendAsync(Exec(new string('a', 2_200_000))).AsTask(),
                writer.AppendAsync(Exec("small 2")).AsTask(),
                writer.AppendAsync(Exec("small 3")).AsTask(),
            ];
        var receipts = await Task.WhenAll(pending);

        Assert.Equal([2L, 3, 4, 5], receipts.Select(r => r.Sequence));
        var entries = AuditReader.Read(tmp.Path_).ToList();
        Assert.Equal(receipts.Select(r => r.Hash), entries.Skip(1).Select(e => e.Event.Hash));
        var result = AuditVerifier.Verify(tmp.Path_);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(5, result.ChainEvents);
    }

    [Fact]
    public async Task Records_sealed_ahead_before_another_writers_append_are_chained_after_it()
    {
        using var tmp = new TempAuditDir();
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        await writer.AppendAsync(Exec("first"));
        // The server's next records would follow "first"; a hook appends in between (AUD-053).
        await using (var hook = AuditWriter.Open(Options(tmp.Path_) with { Fsync = false, StartFromCheckpoint = true }))
            await hook.AppendAsync(Exec("from hook"));
        var receipts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => writer.AppendAsync(Exec("after " + i)).AsTask()));

        Assert.Equal(Enumerable.Range(3, 20).Select(i => (long)i), receipts.Select(r => r.Sequence).Order());
        var entries = AuditReader.Read(tmp.Path_).ToList();
        Assert.Equal("from hook", entries[1].Event.Request!.Members[0].Value.AsString);
        Assert.Equal(entries[1].Event.Hash, entries[2].Event.PrevHash);
        // Once the commit has re-chained them, the writer's next records are sealed ahead again.
        var before = writer.CommitStats.SealedAhead;
        for (var i = 0; i < 5; i++) await writer.AppendAsync(Exec("later " + i));
        Assert.Equal(before + 5, writer.CommitStats.SealedAhead);
        var result = AuditVerifier.Verify(tmp.Path_);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(27, result.ChainEvents);
    }

    static SafeFileHandle HoldWriterLock(TempAuditDir tmp)
    {
        var path = tmp.File(".audit-chain-state.json.rampart.lock");
        var handle = UnixFile.Open(path, UnixFile.ReadWrite);
        UnixFile.LockExclusiveBlocking(handle, path);
        return handle;
    }
}
