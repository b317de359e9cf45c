using Rampart.Core.Audit;
using Rampart.Testing;

namespace Rampart.Core.Tests.Audit;

/// <summary>Directory recovery vectors of audit_chain.yaml (AUD-070, AUD-073).</summary>
public sealed class AuditRecoveryTests
{
    public static TheoryData<string> DirectoryIds => AuditVectors.Ids(AuditVectors.Records, "directory_vectors");

    [Theory]
    [MemberData(nameof(DirectoryIds))]
    public void Directory_vector_recovers_or_fails_as_upstream(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Records, "directory_vectors", id);
        using var tmp = new TempAuditDir();
        Directory.CreateDirectory(tmp.Path_);
        foreach (var (name, content) in c.Map("files") ?? [])
            File.WriteAllText(tmp.File(name), (string)content!);

        var dir = new AuditDirectory(tmp.Path_);
        if (c.ContainsKey("expect_count"))
        {
            var tail = AuditRecovery.Recover(dir);
            Assert.Equal((long)c["expect_count"]!, tail.EventCount);
        }
        else
        {
            var ex = Assert.Throws<AuditChainException>(() => AuditRecovery.Recover(dir));
            Assert.Contains(c.Str("expect_error"), ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Recovered_tail_points_at_the_last_event()
    {
        var c = AuditVectors.Case(AuditVectors.Records, "directory_vectors", "AUD-DIR-002");
        using var tmp = new TempAuditDir();
        Directory.CreateDirectory(tmp.Path_);
        foreach (var (name, content) in c.Map("files")!) File.WriteAllText(tmp.File(name), (string)content!);

        var tail = AuditRecovery.Recover(new AuditDirectory(tmp.Path_));

        var second = File.ReadAllBytes(tmp.File("2026-01-02.jsonl"));
        Assert.Equal("2026-01-02.jsonl", tail.CurrentFile);
        Assert.Equal(second.Length, tail.CurrentSize);
        Assert.Equal("2026-01-02.jsonl", tail.LastEventFile);
        Assert.Equal(second.Length, tail.LastEventStart + tail.LastEventSize);
        Assert.Equal("sha256:01f61a3e2051cbeb714de16c11496dacf0a1ebf6c9c78089ae6711697646b18c", tail.LastHash);
    }

    [Fact]
    public void A_symlinked_jsonl_entry_fails_recovery()
    {
        using var tmp = new TempAuditDir();
        Directory.CreateDirectory(tmp.Path_);
        File.WriteAllText(Path.Combine(tmp.Root, "elsewhere"), "");
        File.CreateSymbolicLink(tmp.File("2026-01-01.jsonl"), Path.Combine(tmp.Root, "elsewhere"));
        var ex = Assert.Throws<AuditChainException>(() => AuditRecovery.Recover(new AuditDirectory(tmp.Path_)));
        Assert.Contains("symlink", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_after_the_first_file_matches_the_vector()
    {
        var c = AuditVectors.Chain.Map("checkpoint_after_first_file")!;
        using var tmp = new TempAuditDir();
        Directory.CreateDirectory(tmp.Path_);
        var lines = AuditVectors.Cases(AuditVectors.Chain, "chain").Take(3).Select(e => e.Str("line") + "\n").ToList();
        Assert.Equal(c.List("line_sizes_with_newline")!.Select(x => (long)x!), lines.Select(l => (long)System.Text.Encoding.UTF8.GetByteCount(l)));
        File.WriteAllText(tmp.File("2026-03-03.jsonl"), string.Concat(lines));

        var tail = AuditRecovery.Recover(new AuditDirectory(tmp.Path_));

        Assert.Equal(c.Str("json") + "\n", System.Text.Encoding.UTF8.GetString(AuditFileFormat.Write(tail.ToState())));
        var parsed = AuditFileFormat.ParseChainState(System.Text.Encoding.UTF8.GetBytes(c.Str("json")))!;
        Assert.NotNull(ChainStateCheck.TryAdopt(new AuditDirectory(tmp.Path_), parsed));
    }
}
