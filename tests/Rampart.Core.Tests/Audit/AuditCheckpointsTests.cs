using Rampart.Core.Audit;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit;

/// <summary>Signed checkpoints: a third party can check the trail is the one the server committed to.</summary>
public sealed class AuditCheckpointsTests
{
    static async Task<string> SignedTrail(TempAuditDir tmp, string keyPath, int events)
    {
        var options = Options(tmp.Path_) with { Signing = new AuditSigningOptions { KeyPath = keyPath, EveryRecords = 10 } };
        await using (var writer = AuditWriter.Open(options))
            for (var i = 0; i < events; i++) await writer.AppendAsync(Exec("n" + i));
        return File.ReadAllText(keyPath + ".pub");
    }

    [Fact]
    public async Task Checkpoints_verify_against_the_trail_they_were_made_for()
    {
        using var tmp = new TempAuditDir();
        var pub = await SignedTrail(tmp, Path.Combine(tmp.Root, "key.pem"), 35);
        var report = AuditCheckpoints.Verify(tmp.Path_, pub);
        Assert.Equal(4, report.Checkpoints); // 10, 20, 30 and the final 35 at shutdown
        Assert.Equal(35, report.LastCheckpointCount);
        Assert.Equal(35, report.TrailEvents);
    }

    [Fact]
    public async Task A_trail_truncated_at_a_record_boundary_is_detected()
    {
        using var tmp = new TempAuditDir();
        var pub = await SignedTrail(tmp, Path.Combine(tmp.Root, "key.pem"), 12);
        var file = Directory.GetFiles(tmp.Path_, "*.jsonl").Single();
        var lines = File.ReadAllLines(file);
        File.WriteAllLines(file, lines[..^1]);
        File.Delete(Path.Combine(tmp.Path_, ".audit-chain-state.json"));
        Assert.True(AuditVerifier.Verify(tmp.Path_).IsValid); // the chain alone cannot tell
        var ex = Assert.Throws<AuditChainException>(() => AuditCheckpoints.Verify(tmp.Path_, pub));
        Assert.Contains("trail has 11 events but the checkpoint commits to 12", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rewritten_trail_is_detected()
    {
        using var original = new TempAuditDir();
        using var rewritten = new TempAuditDir();
        var pub = await SignedTrail(original, Path.Combine(original.Root, "key.pem"), 10);
        await using (var writer = AuditWriter.Open(Options(rewritten.Path_)))
            for (var i = 0; i < 10; i++) await writer.AppendAsync(Exec("other " + i));
        File.Copy(Path.Combine(original.Path_, AuditCheckpoints.FileName), Path.Combine(rewritten.Path_, AuditCheckpoints.FileName));
        var ex = Assert.Throws<AuditChainException>(() => AuditCheckpoints.Verify(rewritten.Path_, pub));
        Assert.Contains("rewritten trail", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_key_does_not_verify()
    {
        using var tmp = new TempAuditDir();
        using var other = new TempAuditDir();
        await SignedTrail(tmp, Path.Combine(tmp.Root, "key.pem"), 10);
        var otherPub = await SignedTrail(other, Path.Combine(other.Root, "key.pem"), 1);
        var ex = Assert.Throws<AuditChainException>(() => AuditCheckpoints.Verify(tmp.Path_, otherPub));
        Assert.Contains("signature does not verify", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_is_reused_across_restarts()
    {
        using var tmp = new TempAuditDir();
        var key = Path.Combine(tmp.Root, "key.pem");
        var pub1 = await SignedTrail(tmp, key, 10);
        var pub2 = await SignedTrail(tmp, key, 10);
        Assert.Equal(pub1, pub2);
        Assert.Equal(20, AuditCheckpoints.Verify(tmp.Path_, pub1).LastCheckpointCount);
    }
}
