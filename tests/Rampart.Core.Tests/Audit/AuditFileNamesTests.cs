using Rampart.Core.Audit;
using Rampart.Testing;

namespace Rampart.Core.Tests.Audit;

/// <summary>Managed names and chain order (AUD-040, AUD-041).</summary>
public sealed class AuditFileNamesTests
{
    public static TheoryData<string> ManagedIds => AuditVectors.Ids(AuditVectors.Records, "managed_filename_vectors");
    public static TheoryData<string> SortIds => AuditVectors.Ids(AuditVectors.Records, "file_order_vectors");

    [Theory]
    [MemberData(nameof(ManagedIds))]
    public void Managed_name_vector_is_classified(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Records, "managed_filename_vectors", id);
        Assert.Equal((bool)c["expect_managed"]!, AuditFileNames.IsManaged(c.Str("name")));
    }

    [Theory]
    [MemberData(nameof(SortIds))]
    public void File_order_vector_sorts_into_chain_order(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Records, "file_order_vectors", id);
        var input = c.List("input")!.Cast<string>();
        Assert.Equal(c.List("expect")!.Cast<string>().ToArray(), AuditFileNames.Sort(input).ToArray());
    }

    [Fact]
    public void Mixed_names_sort_transitively()
    {
        string[] names = ["2026-01-01.p1x.jsonl", "2026-01-01.p10.jsonl", "2026-01-01.p2.jsonl"];
        var sorted = AuditFileNames.Sort(names);
        for (var i = 0; i < sorted.Count; i++)
            for (var j = i + 1; j < sorted.Count; j++)
                Assert.True(AuditFileNames.Compare(sorted[i], sorted[j]) < 0);
    }
}
