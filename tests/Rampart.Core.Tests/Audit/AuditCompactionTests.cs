using System.Collections.Immutable;
using System.Text;
using Rampart.Core.Audit;
using Rampart.Testing;

namespace Rampart.Core.Tests.Audit;

/// <summary>The 2 MiB record limit (AUD-025).</summary>
public sealed class AuditCompactionTests
{
    public static TheoryData<string> CompactionIds => AuditVectors.Ids(AuditVectors.Chain, "compaction");

    [Theory]
    [MemberData(nameof(CompactionIds))]
    public void Compaction_vector_reproduces_the_line(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Chain, "compaction", id);
        var expected = AuditChain.ParseLine(Encoding.UTF8.GetBytes(c.Str("line")));
        var original = expected with
        {
            Request = AuditValue.Object([new("command", AuditValue.From(new string('a', 2_200_000)))]),
            CompactedFields = null,
            Hash = "",
        };
        Assert.Equal((long)c["original_request_json_bytes"]!, GoJson.ToBytes(original.Request!).Length);

        var sealedRecord = AuditCompaction.Seal(original, c.Str("prev_hash"));

        Assert.Equal(c.Str("hash"), sealedRecord.Hash);
        Assert.Equal(c.Str("line"), Encoding.UTF8.GetString(sealedRecord.Line));
    }

    [Fact]
    public void An_oversized_message_keeps_the_longest_prefix_that_fits()
    {
        var e = Base() with { Decision = new AuditDecision { Action = "deny", Message = new string('m', 3_000_000) } };
        var sealedRecord = AuditCompaction.Seal(e, "");
        Assert.True(sealedRecord.Line.Length <= AuditCompaction.MaxRecordBytes);
        Assert.True(sealedRecord.Line.Length > AuditCompaction.MaxRecordBytes - 20);
        Assert.EndsWith("... [truncated]", sealedRecord.Event.Decision.Message, StringComparison.Ordinal);
        Assert.Equal("truncated", sealedRecord.Event.CompactedFields!["decision.message"].Disposition);
        Assert.True(AuditChain.VerifyLine(sealedRecord.Line));
    }

    [Fact]
    public void A_record_that_cannot_fit_is_refused()
    {
        var e = Base() with { Id = new string('i', 3_000_000) };
        Assert.Throws<AuditRecordTooLargeException>(() => AuditCompaction.Seal(e, ""));
    }

    [Fact]
    public void Small_records_are_untouched()
    {
        var e = Base() with { Decision = new AuditDecision { Action = "allow", Suggestions = ["x"] } };
        var sealedRecord = AuditCompaction.Seal(e, "");
        Assert.Null(sealedRecord.Event.CompactedFields);
        Assert.Equal(ImmutableArray.Create("x").ToArray(), sealedRecord.Event.Decision.Suggestions.ToArray());
    }

    static AuditEvent Base() => new()
    {
        SchemaVersion = AuditEvent.CurrentSchema,
        Id = "01JNZ0000000000000000000AD",
        Timestamp = AuditTimestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 5, 8, 0, 0, TimeSpan.Zero)),
        Agent = "a",
        Tool = "exec",
        Request = AuditValue.EmptyObject,
    };
}
