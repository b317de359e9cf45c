using System.Text.Json;
using Rampart.Agents;
using Rampart.Testing;

namespace Rampart.Tests.Agents;

public sealed class ToolResponseTextTests
{
    static readonly Dictionary<string, object?> File = ConformanceYaml.LoadMap(SharedFiles.Conformance("tools.yaml"));

    static TheoryData<string> Ids(string section)
    {
        var data = new TheoryData<string>();
        foreach (var item in File.List(section)!) data.Add(((Dictionary<string, object?>)item!).Str("id"));
        return data;
    }

    static Dictionary<string, object?> Case(string section, string id)
    {
        foreach (var item in File.List(section)!)
        {
            var map = (Dictionary<string, object?>)item!;
            if (map.Str("id") == id) return map;
        }
        throw new KeyNotFoundException(id);
    }

    static JsonElement Json(object? value)
    {
        using var doc = JsonDocument.Parse(ConformanceYaml.ToJson(value));
        return doc.RootElement.Clone();
    }

    public static TheoryData<string> TextVectors() => Ids("claude_response_text_vectors");
    public static TheoryData<string> RedactionVectors() => Ids("claude_redacted_output_vectors");

    [Theory]
    [MemberData(nameof(TextVectors))]
    public void Response_text_vector(string id)
    {
        var c = Case("claude_response_text_vectors", id);
        Assert.Equal(c.Str("expect_text"), ToolResponseText.Extract(Json(c["tool_response"])));
    }

    [Theory]
    [MemberData(nameof(RedactionVectors))]
    public void Redacted_output_vector(string id)
    {
        var c = Case("claude_redacted_output_vectors", id);
        // The expectation is a decoded value; Go writes decoded maps key-sorted, so the canonical form is exact.
        var expected = new System.Text.StringBuilder();
        GoJson.WriteValue(expected, Json(c["expect_updated_tool_output"]));
        Assert.Equal(expected.ToString(), ToolResponseText.RedactedJson(Json(c["tool_response"])));
    }

    [Fact]
    public void Duplicate_keys_keep_the_last_value_like_a_Go_map()
    {
        using var doc = JsonDocument.Parse("""{"stdout":"first","stdout":"second"}""");
        Assert.Equal("second", ToolResponseText.Extract(doc.RootElement));
    }
}
