using Rampart.Core.Evaluation;
using Rampart.Testing;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>suggestions.yaml plus Go <c>%q</c> quoting (POL-092).</summary>
public sealed class SuggestionsTests
{
    static readonly Lazy<Dictionary<string, Dictionary<string, object?>>> Cases = new(() => ConformanceCalls.ById("suggestions.yaml"));

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Cases.Value.Keys) data.Add(id);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Suggestions_match_upstream(string id)
    {
        var c = Cases.Value[id];
        var call = ConformanceCalls.ToCall(new Dictionary<string, object?> { ["tool"] = c["tool"], ["params"] = c["params"] });
        var expected = new List<string>();
        foreach (var s in (List<object?>)c["expect"]!) expected.Add(s?.ToString() ?? "");
        Assert.Equal(expected, Suggestions.For(call));
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("tab\there\nnl", "\"tab\\there\\nnl\"")]
    [InlineData("bell\a\b\f\r\v", "\"bell\\a\\b\\f\\r\\v\"")]
    [InlineData("nul\u0000esc\u001b del\u007f", "\"nul\\x00esc\\x1b del\\x7f\"")]
    [InlineData("héllo ☃ 😀", "\"héllo ☃ 😀\"")]
    [InlineData("nbsp\u00a0zwsp\u200b", "\"nbsp\\u00a0zwsp\\u200b\"")]
    public void Quoting_follows_go_percent_q(string input, string expected) =>
        Assert.Equal(expected, GoQuote.Quote(input));
}
