using System.Text;
using Rampart.Core.Audit;
using Rampart.Testing;

namespace Rampart.Core.Tests.Audit;

/// <summary>Redaction vectors of redaction.yaml (AUD-020..AUD-022).</summary>
public sealed class AuditRedactorTests
{
    public static TheoryData<string> EventIds => AuditVectors.Ids(AuditVectors.Redaction, "event_cases");
    public static TheoryData<string> StringIds => AuditVectors.Ids(AuditVectors.Redaction, "string_cases");
    public static TheoryData<string> KeyIds => AuditVectors.Ids(AuditVectors.Redaction, "key_cases");

    [Theory]
    [MemberData(nameof(EventIds))]
    public void Event_case_redacts_to_the_expected_event_without_touching_the_input(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Redaction, "event_cases", id);
        var input = AuditChain.ParseLine(Encoding.UTF8.GetBytes(c.Str("input")));
        var before = Encoding.UTF8.GetString(AuditChain.Canonical(input));
        var expect = AuditChain.ParseLine(Encoding.UTF8.GetBytes(c.Str("expect")));

        var redacted = AuditRedactor.Redact(input);

        Assert.Equal(Render(expect.Request), Render(redacted.Request));
        Assert.Equal(Render(expect.ApprovalOwner), Render(redacted.ApprovalOwner));
        Assert.Equal(expect.Decision.Action, redacted.Decision.Action);
        Assert.Equal(expect.Decision.Message, redacted.Decision.Message);
        Assert.Equal(expect.Decision.Suggestions.ToArray(), redacted.Decision.Suggestions.ToArray());
        Assert.Equal(before, Encoding.UTF8.GetString(AuditChain.Canonical(input)));
    }

    static string Render(AuditValue? v) => v is null ? "null" : GoJson.ToText(v);

    [Theory]
    [MemberData(nameof(StringIds))]
    public void String_case_is_sanitised_exactly(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Redaction, "string_cases", id);
        Assert.Equal(c.Str("expect"), CredentialSanitizer.Sanitize(c.Str("input")));
    }

    [Theory]
    [MemberData(nameof(KeyIds))]
    public void Key_case_is_classified(string id)
    {
        var c = AuditVectors.Case(AuditVectors.Redaction, "key_cases", id);
        Assert.Equal((bool)c["sensitive"]!, AuditRedactor.IsSensitiveKey(c.Str("key")));
    }

    [Theory]
    [InlineData("token=\"a\"token=b", "token=[REDACTED]token=[REDACTED]")]
    [InlineData("xtoken=abc", "xtoken=abc")]
    [InlineData("étoken=abc", "étoken=[REDACTED]")]
    [InlineData("token=abc", "token=[REDACTED]")]
    [InlineData("a\vtoken=abc", "a\vtoken=[REDACTED]")]
    public void Word_boundary_is_ascii_and_zero_width_as_in_go(string input, string expect) =>
        Assert.Equal(expect, CredentialSanitizer.Sanitize(input));

    [Fact]
    public void Vertical_tab_is_not_whitespace_for_the_sanitiser() =>
        // Go's \s excludes \v: "--password\vx" is not "--password <space> value".
        Assert.Equal("--password\vx", CredentialSanitizer.Sanitize("--password\vx"));

    [Fact]
    public void Leftmost_first_alternation_prefers_the_quoted_value() =>
        Assert.Equal("--secret [REDACTED]rest", CredentialSanitizer.Sanitize("--secret \"abc\"rest"));
}
