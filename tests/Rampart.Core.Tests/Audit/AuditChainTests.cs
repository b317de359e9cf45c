using System.Text;
using Rampart.Core.Audit;
using Rampart.Testing;

namespace Rampart.Core.Tests.Audit;

/// <summary>Canonical form and hash chain against audit-chain.yaml and audit_chain.yaml (AUD-030..AUD-036).</summary>
public sealed class AuditChainTests
{
    static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public static TheoryData<string> ChainIds => AuditVectors.Ids(AuditVectors.Chain, "chain");
    public static TheoryData<string> StandaloneIds => AuditVectors.Ids(AuditVectors.Chain, "standalone");
    public static TheoryData<string> VariantIds => AuditVectors.Ids(AuditVectors.Chain, "verify_variants");
    public static TheoryData<string> HashVectorIds => AuditVectors.Ids(AuditVectors.Records, "hash_vectors");
    public static TheoryData<string> VerifyLineIds => AuditVectors.Ids(AuditVectors.Records, "verify_line_vectors");

    [Theory]
    [MemberData(nameof(ChainIds))]
    public void Chain_entry_reproduces_canonical_form_hash_and_line(string id) =>
        AssertWriterCase(AuditVectors.Case(AuditVectors.Chain, "chain", id));

    [Theory]
    [MemberData(nameof(StandaloneIds))]
    public void Standalone_legacy_entry_reproduces_canonical_form_hash_and_line(string id) =>
        AssertWriterCase(AuditVectors.Case(AuditVectors.Chain, "standalone", id));

    static void AssertWriterCase(Dictionary<string, object?> c)
    {
        var line = c.Str("line");
        Assert.True(AuditChain.VerifyLine(Utf8(line)), "stored line must verify");
        var parsed = AuditChain.ParseLine(Utf8(line)) with { Hash = "", PrevHash = "" };
        var sealedRecord = AuditChain.Seal(parsed, c.Str("prev_hash"));
        Assert.Equal(c.Str("canonical"), Encoding.UTF8.GetString(AuditChain.Canonical(sealedRecord.Event with { Hash = "" })));
        Assert.Equal(c.Str("hash"), sealedRecord.Hash);
        Assert.Equal(line, Encoding.UTF8.GetString(sealedRecord.Line));
    }

    [Fact]
    public void Chain_entries_link_each_prev_hash_to_the_previous_hash()
    {
        var chain = AuditVectors.Cases(AuditVectors.Chain, "chain");
        var prev = "";
        foreach (var c in chain)
        {
            Assert.Equal(prev, c.Str("prev_hash"));
            prev = c.Str("hash");
        }
        Assert.Equal("", AuditVectors.Chain.Map("algorithm")!.Str("genesis_prev_hash"));
    }

    [Theory]
    [MemberData(nameof(VariantIds))]
    public void Verify_variant_recomputes_the_expected_hash(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Chain, "verify_variants", id);
        var line = Utf8(c.Str("line"));
        var parsed = AuditChain.ParseLine(line);
        Assert.Equal(c.Str("recomputed_hash"), AuditChain.ComputeHash(parsed));
        Assert.Equal((bool)c["verifies"]!, AuditChain.VerifyLine(line));
    }

    [Theory]
    [MemberData(nameof(HashVectorIds))]
    public void Hash_vector_reproduces_hashed_bytes_hash_and_line(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Records, "hash_vectors", id);
        var input = AuditChain.ParseLine(Utf8(c.Str("input_event")));
        var sealedRecord = AuditChain.Seal(input, c.Str("prev_hash"));
        var hashed = c.Str("prev_hash") + Encoding.UTF8.GetString(AuditChain.Canonical(sealedRecord.Event with { Hash = "" }));
        Assert.Equal(c.Str("hashed_bytes"), hashed);
        Assert.Equal(c.Str("expect_hash"), sealedRecord.Hash);
        Assert.Equal(c.Str("expect_line"), Encoding.UTF8.GetString(sealedRecord.Line));
        Assert.True(AuditChain.VerifyLine(sealedRecord.Line));
    }

    [Theory]
    [MemberData(nameof(VerifyLineIds))]
    public void Verify_line_vector_has_the_expected_validity(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Records, "verify_line_vectors", id);
        Assert.Equal((bool)c["expect_valid"]!, AuditChain.VerifyLine(Utf8(c.Str("line"))));
    }

    [Fact]
    public void Continuation_header_vector_is_a_header_carrying_the_third_hash()
    {
        var header = AuditVectors.Chain.Map("continuation_header")!;
        var parsed = AuditEventJson.Parse(header.Str("line"));
        Assert.True(parsed.IsHeader);
        Assert.Equal(AuditVectors.Case(AuditVectors.Chain, "chain", "AUDCHAIN-003").Str("hash"), parsed.ChainContinue);
        Assert.Equal("2026-03-03.jsonl", parsed.PrevFile);
        Assert.Equal(header.Str("line"), Encoding.UTF8.GetString(AuditFileFormat.Header(parsed.ChainContinue!, parsed.PrevFile!)));
    }

    [Fact]
    public void A_changed_request_value_no_longer_verifies()
    {
        var line = AuditVectors.Case(AuditVectors.Chain, "chain", "AUDCHAIN-001").Str("line");
        Assert.False(AuditChain.VerifyLine(Utf8(line.Replace("git status", "git statux", StringComparison.Ordinal))));
    }

    [Fact]
    public void Our_own_lines_with_awkward_keys_and_numbers_verify_after_a_round_trip()
    {
        var e = new AuditEvent
        {
            Id = "01JNV8Q6Y3K7M2X4R5T6W7Z8A9",
            Timestamp = AuditTimestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 3, 0, 0, 0, TimeSpan.Zero).AddTicks(1234567)),
            Tool = "exec",
            Request = AuditValue.Object([
                new("\ud800lone", AuditValue.From(1)),
                new("\uffff", AuditValue.From(1e21)),
                new("\U0001F600", AuditValue.From(-0.0)),
                new("a", AuditValue.From("x\u2029<&>\u0000")),
            ]),
            Decision = new AuditDecision { Action = "allow", MatchedPolicies = [] },
        };
        var sealedRecord = AuditChain.Seal(e, "sha256:prev");
        Assert.True(AuditChain.VerifyLine(sealedRecord.Line));
        Assert.Equal("2026-03-03T00:00:00.1234567Z", AuditChain.ParseLine(sealedRecord.Line).Timestamp.ToString());
    }
}
