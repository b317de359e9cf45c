using System.Text;
using Rampart.Core.Audit;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit;

/// <summary><c>audit verify</c>: tamper detection with the location of the first break (AUD-080..AUD-084).</summary>
public sealed class AuditVerifierTests
{
    static async Task<string> Trail(TempAuditDir tmp, int events = 5)
    {
        await using var writer = AuditWriter.Open(Options(tmp.Path_));
        string file = "";
        for (var i = 1; i <= events; i++) file = (await writer.AppendAsync(Exec("item " + i))).File;
        return tmp.File(file);
    }

    static void Rewrite(string file, Func<List<string>, List<string>> change)
    {
        var lines = File.ReadAllText(file).Split('\n').ToList();
        lines.RemoveAt(lines.Count - 1); // the empty string after the final LF
        File.WriteAllText(file, string.Join("\n", change(lines)) + "\n");
    }

    static AuditVerifyResult AssertBroken(string dir, string file, int line, string text)
    {
        var result = AuditVerifier.Verify(dir);
        Assert.False(result.IsValid);
        Assert.Equal(Path.GetFileName(file), result.File);
        Assert.Equal(line, result.Line);
        Assert.Contains(text, result.Message, StringComparison.Ordinal);
        Assert.Contains($"{Path.GetFileName(file)} line {line}", result.Message, StringComparison.Ordinal);
        return result;
    }

    [Fact]
    public async Task An_edited_byte_is_found_at_its_line()
    {
        using var tmp = new TempAuditDir();
        var file = await Trail(tmp);
        Rewrite(file, l => { l[2] = l[2].Replace("item 3", "item 9", StringComparison.Ordinal); return l; });
        var r = AssertBroken(tmp.Path_, file, 3, "hash mismatch");
        Assert.StartsWith("audit: CHAIN BROKEN: verify ", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_line_is_found_at_the_record_that_lost_its_predecessor()
    {
        using var tmp = new TempAuditDir();
        var file = await Trail(tmp);
        Rewrite(file, l => { l.RemoveAt(2); return l; });
        AssertBroken(tmp.Path_, file, 3, "does not reference an audit event");
    }

    [Fact]
    public async Task Reordered_lines_are_found_at_the_first_misplaced_record()
    {
        using var tmp = new TempAuditDir();
        var file = await Trail(tmp);
        Rewrite(file, l => { (l[1], l[2]) = (l[2], l[1]); return l; });
        AssertBroken(tmp.Path_, file, 2, "out of order");
    }

    [Fact]
    public async Task A_truncated_file_is_found_at_its_torn_last_line()
    {
        using var tmp = new TempAuditDir();
        var file = await Trail(tmp);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length - 40)]);
        AssertBroken(tmp.Path_, file, 5, "unterminated audit record");
    }

    [Fact]
    public async Task A_forged_hash_is_found_at_its_line()
    {
        using var tmp = new TempAuditDir();
        var file = await Trail(tmp);
        Rewrite(file, l =>
        {
            var e = AuditChain.ParseLine(Encoding.UTF8.GetBytes(l[1]));
            l[1] = l[1].Replace(e.Hash, "sha256:" + new string('a', 64), StringComparison.Ordinal);
            return l;
        });
        AssertBroken(tmp.Path_, file, 2, "hash mismatch");
    }

    [Fact]
    public async Task A_recomputed_edit_is_found_where_the_next_link_breaks()
    {
        using var tmp = new TempAuditDir();
        var file = await Trail(tmp);
        Rewrite(file, l =>
        {
            var e = AuditChain.ParseLine(Encoding.UTF8.GetBytes(l[1]));
            var forged = e with { Request = AuditValue.Object([new("command", AuditValue.From("innocent"))]) };
            l[1] = Encoding.UTF8.GetString(AuditChain.Seal(forged with { Hash = "" }, e.PrevHash).Line);
            return l;
        });
        AssertBroken(tmp.Path_, file, 3, "prev_hash");
    }

    [Fact]
    public async Task A_duplicated_record_is_reported()
    {
        using var tmp = new TempAuditDir();
        var file = await Trail(tmp, 2);
        Rewrite(file, l => { l.Add(l[1]); return l; });
        Assert.False(AuditVerifier.Verify(tmp.Path_).IsValid);
    }

    [Fact]
    public async Task A_missing_anchor_event_is_reported()
    {
        using var tmp = new TempAuditDir();
        await Trail(tmp, 2);
        File.WriteAllText(tmp.File("audit-anchor.json"),
            "{\"event_id\":\"01JMISSING00000000000000000\",\"hash\":\"sha256:00\",\"event_count\":100,\"timestamp\":\"2026-01-01T00:00:00Z\",\"file\":\"x\"}");
        var r = AuditVerifier.Verify(tmp.Path_);
        Assert.False(r.IsValid);
        Assert.Equal("audit: CHAIN BROKEN at event 01JMISSING00000000000000000 in file audit-anchor.json: anchor event not found", r.Message);
    }

    [Fact]
    public async Task Native_hook_files_are_verified_record_by_record()
    {
        using var tmp = new TempAuditDir();
        await Trail(tmp, 2);
        var legacy = AuditVectors.Case(AuditVectors.Records, "verify_line_vectors", "AUD-VERIFY-008");
        File.WriteAllText(tmp.File("audit-hook-2026-02-12.jsonl"), legacy["line"] + "\n");
        var ok = AuditVerifier.Verify(tmp.Path_);
        Assert.True(ok.IsValid, ok.Message);
        Assert.Equal("✓ Audit verified: 2 chained events across 1 files and 1 native-hook events across 1 files, no modification detected", ok.Message);

        File.WriteAllText(tmp.File("audit-hook-2026-02-12.jsonl"), ((string)legacy["line"]!).Replace("echo hello", "echo hullo", StringComparison.Ordinal) + "\n");
        var bad = AuditVerifier.Verify(tmp.Path_);
        Assert.StartsWith("audit: RECORD MODIFIED at native-hook event 01JTEST000000000000000100 in file audit-hook-2026-02-12.jsonl: hash verification failed", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_directory_has_nothing_to_verify()
    {
        using var tmp = new TempAuditDir();
        Directory.CreateDirectory(tmp.Path_);
        var r = AuditVerifier.Verify(tmp.Path_);
        Assert.False(r.IsValid);
        Assert.Equal($"audit: no .jsonl files found in {tmp.Path_}", r.Message);
    }

    [Fact]
    public async Task Since_checks_only_later_files_by_linear_scan()
    {
        using var tmp = new TempAuditDir();
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 3, 12, 0, 0, TimeSpan.Zero));
        await using (var writer = AuditWriter.Open(Options(tmp.Path_, clock)))
        {
            await writer.AppendAsync(Exec("day 1"));
            clock.Set(clock.GetUtcNow().AddDays(1));
            await writer.AppendAsync(Exec("day 2"));
        }
        var r = AuditVerifier.Verify(tmp.Path_, new DateOnly(2026, 3, 4));
        Assert.True(r.IsValid, r.Message);
        Assert.Equal("✓ Chain verified: 1 events across 1 files, no tampering detected", r.Message);
        Assert.Equal("audit: no .jsonl files found in " + tmp.Path_ + " at or after 2026-03-05",
            AuditVerifier.Verify(tmp.Path_, new DateOnly(2026, 3, 5)).Message);
    }

    [Fact]
    public async Task Verification_does_not_modify_the_directory()
    {
        using var tmp = new TempAuditDir();
        await Trail(tmp, 3);
        var before = Directory.GetFiles(tmp.Path_).ToDictionary(f => f, File.ReadAllBytes);
        AuditVerifier.Verify(tmp.Path_);
        var after = Directory.GetFiles(tmp.Path_).ToDictionary(f => f, File.ReadAllBytes);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (k, v) in before) Assert.Equal(v, after[k]);
    }
}
