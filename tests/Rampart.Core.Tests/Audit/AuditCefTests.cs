using System.Text;
using Rampart.Core.Audit;
using Rampart.Testing;

namespace Rampart.Core.Tests.Audit;

/// <summary>CEF lines (AUD-095).</summary>
public sealed class AuditCefTests
{
    public static TheoryData<string> CefIds => AuditVectors.Ids(AuditVectors.Records, "cef_vectors");

    [Theory]
    [MemberData(nameof(CefIds))]
    public void Cef_vector_formats_exactly(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Records, "cef_vectors", id);
        var e = AuditChain.ParseLine(Encoding.UTF8.GetBytes(c.Str("event")));
        Assert.Equal(c.Str("expect"), AuditCef.Format(e, "dev"));
    }
}
