using System.Text.Json;
using Rampart.Core.Approvals;
using Rampart.Core.Evaluation;
using Rampart.Server.Approvals;

namespace Rampart.Tests.Server.Approvals;

public sealed class ApprovalJournalTests : IDisposable
{
    static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    readonly string _root = Directory.CreateTempSubdirectory("rampart-journal-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    static ApprovalRequest Request(string id, string owner = "", DateTimeOffset? created = null)
    {
        using var doc = JsonDocument.Parse("""{"command":"deploy prod","n":1.50}""");
        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.EnumerateObject()) parameters[p.Name] = p.Value.Clone();
        var at = created ?? Now;
        return new ApprovalRequest
        {
            Id = id,
            Call = new ToolCall { Tool = "exec", Agent = "codex", Session = "s1", RunId = "r1", ToolCallId = "c1", Workdir = "/w", Params = parameters },
            Message = "deploys need a human",
            MatchedPolicies = ["ask-deploy"],
            Status = ApprovalStatus.Pending,
            CreatedAt = at,
            ExpiresAt = at.AddMinutes(2),
            OwnerScope = owner,
            PolicyAuditId = "01AUDIT",
        };
    }

    [Fact]
    public void Records_round_trip_with_the_same_fingerprint()
    {
        var owner = ApprovalFingerprint.OwnerScopeOf("h");
        var original = Request("01A", owner);
        var line = ApprovalJournal.Encode(original);
        Assert.Contains("\"status\":\"pending-v2\"", System.Text.Encoding.UTF8.GetString(line));
        var decoded = ApprovalJournal.Decode(line.AsSpan(0, line.Length - 1))!;
        Assert.Equal(ApprovalStatus.Pending, decoded.Status);
        Assert.Equal(original.ExpiresAt, decoded.ExpiresAt);
        Assert.Equal(ApprovalFingerprint.ReplayKey(original.Call, owner), ApprovalFingerprint.ReplayKey(decoded.Call, decoded.OwnerScope));
        Assert.Equal("01AUDIT", decoded.PolicyAuditId);
    }

    [Fact]
    public void V2_record_without_a_valid_owner_scope_is_not_live()
    {
        var line = System.Text.Encoding.UTF8.GetBytes("""{"id":"01B","tool":"exec","agent":"a","created_at":"2026-03-01T12:00:00Z","expires_at":"2026-03-01T12:02:00Z","status":"pending-v2","owner_scope":"short"}""");
        Assert.False(ApprovalJournal.Decode(line)!.IsPending);
    }

    [Fact]
    public void Compaction_keeps_only_live_pending_records_oldest_first()
    {
        var journal = new ApprovalJournal(Path.Combine(_root, "pending-approvals.jsonl"));
        var late = Request("01LATE", created: Now.AddSeconds(5));
        var early = Request("01EARLY");
        var done = Request("01DONE");
        journal.Append(late);
        journal.Append(early);
        journal.Append(done);
        journal.Append(done with { Status = ApprovalStatus.Denied, ResolvedAt = Now, ResolvedBy = "x" });
        journal.Compact(Now);
        Assert.Equal(["01EARLY", "01LATE"], journal.Restore(out var warning).Select(r => r.Id));
        Assert.Null(warning);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(journal.FilePath));
        journal.Compact(Now.AddMinutes(3));
        Assert.Empty(journal.Restore(out _));
    }
}
