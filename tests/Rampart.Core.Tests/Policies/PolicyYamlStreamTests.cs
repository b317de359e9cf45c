using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Policies;

/// <summary>
/// POL-024 reads a policy file as a stream: document 1 is decoded before the parser looks for a
/// second document (the text is scanned once, issue 3). What is reported when both documents have
/// problems follows from that order.
/// </summary>
public sealed class PolicyYamlStreamTests
{
    static string ParseError(string yaml) =>
        Assert.Throws<PolicyLoadException>(() => PolicyYaml.Parse(yaml, "/p.yaml")).Message;

    [Fact]
    public void A_decode_error_in_the_first_document_wins_over_a_syntax_error_in_the_second()
    {
        var message = ParseError("version: \"1\"\nno_such_field: 1\n---\n[unclosed\n");
        Assert.Contains("no_such_field", message);
        Assert.DoesNotContain("did not find", message);
    }

    [Fact]
    public void A_syntax_error_in_the_second_document_is_reported_when_the_first_is_valid()
    {
        var message = ParseError("version: \"1\"\n---\nkey: [unclosed\n");
        Assert.StartsWith("engine: parse policy file: yaml: line ", message);
    }

    [Fact]
    public void A_syntax_error_in_the_first_document_is_reported_before_decoding()
    {
        var message = ParseError("version: \"1\"\nno_such_field: [unclosed\n");
        Assert.StartsWith("engine: parse policy file: yaml: line ", message);
    }

    [Fact]
    public void A_second_document_is_rejected_after_the_first_decodes()
    {
        Assert.Equal("engine: parse policy file: policy must contain exactly one YAML document",
            ParseError("version: \"1\"\n---\nversion: \"1\"\n"));
    }
}
