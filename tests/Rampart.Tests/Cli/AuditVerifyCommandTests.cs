using System.Text;
using Rampart.Core.Audit;
using static Rampart.Tests.Cli.AuditTrailFixture;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart audit verify</c> on real trails (AUD-080..AUD-084): success line, and the file and line of the first break.</summary>
public sealed class AuditVerifyCommandTests : IDisposable
{
    readonly AuditTrailFixture _trail = new();

    public void Dispose() => _trail.Dispose();

    async Task<string> FiveEvents()
    {
        await _trail.WriteAsync(Execs(5));
        return _trail.OnlyLogFile();
    }

    async Task AssertBrokenAt(string file, int line, string why)
    {
        var r = await _trail.RunAsync("audit", "verify");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var error = Assert.Single(Lines(r.Stderr));
        Assert.StartsWith("audit: ", error, StringComparison.Ordinal);
        Assert.Contains($"{Path.GetFileName(file)} line {line}", error, StringComparison.Ordinal);
        Assert.Contains(why, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_intact_trail_verifies_with_upstreams_success_line()
    {
        await FiveEvents();
        var r = await _trail.RunAsync("audit", "verify");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("✓ Chain verified: 5 events across 1 files, no tampering detected\n", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public async Task An_edited_byte_names_its_file_and_line()
    {
        var file = await FiveEvents();
        Rewrite(file, l => { l[2] = l[2].Replace("item 3", "item 8", StringComparison.Ordinal); return l; });
        await AssertBrokenAt(file, 3, "hash mismatch");
    }

    [Fact]
    public async Task A_deleted_line_names_the_record_that_lost_its_predecessor()
    {
        var file = await FiveEvents();
        Rewrite(file, l => { l.RemoveAt(1); return l; });
        await AssertBrokenAt(file, 2, "CHAIN BROKEN");
    }

    [Fact]
    public async Task Reordered_lines_name_the_first_misplaced_record()
    {
        var file = await FiveEvents();
        Rewrite(file, l => { (l[2], l[3]) = (l[3], l[2]); return l; });
        await AssertBrokenAt(file, 3, "CHAIN BROKEN");
    }

    [Fact]
    public async Task A_truncated_file_names_its_torn_last_line()
    {
        var file = await FiveEvents();
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length - 30)]);
        await AssertBrokenAt(file, 5, "unterminated audit record");
    }

    [Fact]
    public async Task A_forged_hash_names_its_line()
    {
        var file = await FiveEvents();
        Rewrite(file, l =>
        {
            var e = Parse(l[3]);
            l[3] = l[3].Replace(e.Hash, "sha256:" + new string('0', 64), StringComparison.Ordinal);
            return l;
        });
        await AssertBrokenAt(file, 4, "hash mismatch");
    }

    [Fact]
    public async Task A_recomputed_forgery_is_found_where_the_next_link_breaks()
    {
        var file = await FiveEvents();
        Rewrite(file, l =>
        {
            var e = Parse(l[1]);
            var forged = e with { Request = AuditValue.Object([new("command", AuditValue.From("innocent"))]), Hash = "" };
            l[1] = Encoding.UTF8.GetString(AuditChain.Seal(forged, e.PrevHash).Line);
            return l;
        });
        await AssertBrokenAt(file, 3, "prev_hash");
    }

    [Fact]
    public async Task Since_with_an_invalid_date_is_refused_with_upstreams_message()
    {
        await FiveEvents();
        var r = await _trail.RunAsync("audit", "verify", "--since", "March");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("audit: invalid --since date \"March\": expected YYYY-MM-DD format\n", r.Stderr);
    }

    [Fact]
    public async Task Since_after_every_file_finds_nothing_to_verify()
    {
        await FiveEvents();
        var r = await _trail.RunAsync("audit", "verify", "--since", "2999-01-01");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"audit: no .jsonl files found in {_trail.Dir} at or after 2999-01-01\n", r.Stderr);
    }

    [Fact]
    public async Task The_default_directory_is_under_home()
    {
        var dir = Path.Combine(_trail.Home, ".rampart", "audit");
        await using (var writer = AuditWriter.Open(new AuditWriterOptions { Directory = dir }))
            await writer.AppendAsync(Event("exec", "allow", "ls"));
        var r = await RampartProcess.RunAsync(["audit", "verify"], env: _trail.Env(), workdir: _trail.Root);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("✓ Chain verified: 1 events across 1 files, no tampering detected\n", r.Stdout);
    }

    // ── signed checkpoints ─────────────────────────────────────────────────────────────────

    async Task<string> SignedTrail(int events)
    {
        var key = Path.Combine(_trail.Root, "keys", "checkpoint.pem");
        await _trail.WriteAsync(_trail.Options(new AuditSigningOptions { KeyPath = key, EveryRecords = 4 }), Execs(events));
        return key + ".pub";
    }

    [Fact]
    public async Task Checkpoints_verify_with_the_servers_public_key()
    {
        var pub = await SignedTrail(10);
        var r = await _trail.RunAsync("audit", "verify", "--checkpoints", pub);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(
            "✓ Chain verified: 10 events across 1 files, no tampering detected\n" +
            "✓ Signed checkpoints verified: 3 checkpoints, the last commits to 10 of 10 events\n", r.Stdout);
    }

    [Fact]
    public async Task Checkpoints_fail_with_another_key()
    {
        await SignedTrail(10);
        var other = Path.Combine(_trail.Root, "other.pub");
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
            File.WriteAllText(other, key.ExportSubjectPublicKeyInfoPem());
        var r = await _trail.RunAsync("audit", "verify", "--checkpoints", other);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(
            $"audit: CHECKPOINT MISMATCH at {AuditCheckpoints.FileName} line 1: signature does not verify with the given public key\n",
            r.Stderr);
    }

    [Fact]
    public async Task A_trail_rewritten_whole_verifies_as_a_chain_but_not_against_its_checkpoints()
    {
        var pub = await SignedTrail(8);
        // Whoever holds the files rebuilds a consistent chain with one event changed.
        var file = _trail.OnlyLogFile();
        var events = File.ReadAllLines(file).Select(Parse).ToList();
        var prev = "";
        var rebuilt = new StringBuilder();
        foreach (var e in events)
        {
            var changed = e.Request!.TryGet("command", out var c) && c.AsString == "echo item 2"
                ? e with { Request = AuditValue.Object([new("command", AuditValue.From("echo harmless"))]) }
                : e;
            var sealedRecord = AuditChain.Seal(changed with { Hash = "" }, prev);
            rebuilt.Append(Encoding.UTF8.GetString(sealedRecord.Line)).Append('\n');
            prev = sealedRecord.Hash;
        }
        File.WriteAllText(file, rebuilt.ToString());
        File.Delete(_trail.File(".audit-chain-state.json"));

        var plain = await _trail.RunAsync("audit", "verify");
        Assert.Equal(0, plain.ExitCode);
        var r = await _trail.RunAsync("audit", "verify", "--checkpoints", pub);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"audit: CHECKPOINT MISMATCH at {AuditCheckpoints.FileName} line 1: event #4 has hash", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("(rewritten trail)", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_public_key_file_is_a_clear_error()
    {
        await FiveEvents();
        var r = await _trail.RunAsync("audit", "verify", "--checkpoints", Path.Combine(_trail.Root, "nope.pem"));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("audit: read public key ", r.Stderr, StringComparison.Ordinal);
    }
}
