using System.Text;
using Rampart.Core.Audit;
using Rampart.Testing;

namespace Rampart.Core.Tests.Audit;

/// <summary>Go encoding/json rendering of numbers, strings, map keys and timestamps (AUD-031, AUD-032).</summary>
public sealed class GoJsonTests
{
    static List<Dictionary<string, object?>> Section(string name) =>
        AuditVectors.Chain.Map(name)!.List("cases")!.Cast<Dictionary<string, object?>>().ToList();

    public static TheoryData<string, string> Numbers()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Section("go_json_numbers")) data.Add(c.Str("input"), c.Str("expect"));
        return data;
    }

    public static TheoryData<string, string> Strings()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Section("go_json_strings")) data.Add(c.Str("input_json"), c.Str("expect"));
        return data;
    }

    public static TheoryData<string, string?> Timestamps()
    {
        var data = new TheoryData<string, string?>();
        foreach (var c in Section("go_timestamps")) data.Add(c.Str("input"), c["expect"] as string);
        return data;
    }

    [Theory]
    [MemberData(nameof(Numbers))]
    public void Number_is_rendered_as_go_renders_a_float64(string input, string expect)
    {
        var value = new GoJsonReader(Encoding.UTF8.GetBytes(input)).ReadValue();
        Assert.Equal(expect, GoJson.ToText(value));
    }

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(-0.0, "-0")]
    [InlineData(123456789012345678.0, "123456789012345680")]
    [InlineData(1500.0, "1500")]
    [InlineData(1e-300, "1e-300")]
    [InlineData(-2.5e-8, "-2.5e-8")]
    [InlineData(4.2e25, "4.2e+25")]
    public void Number_edge_cases_follow_go(double value, string expect) =>
        Assert.Equal(expect, GoJson.FormatNumber(value));

    [Theory]
    [MemberData(nameof(Strings))]
    public void String_is_escaped_as_go_escapes_it(string inputJson, string expect)
    {
        var value = new GoJsonReader(Encoding.UTF8.GetBytes(inputJson)).ReadValue();
        Assert.Equal(expect, GoJson.ToText(value));
    }

    [Fact]
    public void Map_keys_are_sorted_by_utf8_bytes()
    {
        var order = AuditVectors.Chain.Map("go_json_strings")!.Map("map_key_order")!;
        var value = new GoJsonReader(Encoding.UTF8.GetBytes(order.Str("input_json"))).ReadValue();
        Assert.Equal(order.Str("expect"), GoJson.ToText(value));
    }

    [Theory]
    [MemberData(nameof(Timestamps))]
    public void Timestamp_is_parsed_and_rerendered_as_go_does(string input, string? expect)
    {
        var ok = AuditTimestamp.TryParse(input, out var t);
        if (expect is null) Assert.False(ok);
        else
        {
            Assert.True(ok);
            Assert.Equal(expect, t.ToString());
        }
    }

    [Fact]
    public void Invalid_utf8_bytes_each_become_a_replacement_character()
    {
        var bytes = new byte[] { (byte)'"', (byte)'a', 0xE2, 0x82, (byte)'b', 0xFF, (byte)'"' };
        var value = new GoJsonReader(bytes).ReadValue();
        Assert.Equal("a\uFFFD\uFFFDb\uFFFD", value.AsString);
    }

    [Fact]
    public void A_lone_surrogate_escape_becomes_a_replacement_character()
    {
        var value = new GoJsonReader("\"x\\ud800y\\ud83d\\ude00\""u8).ReadValue();
        Assert.Equal("x\uFFFDy\U0001F600", value.AsString);
        Assert.Equal("\"\uFFFD\"", GoJson.ToText(AuditValue.From("\ud800")));
    }

    [Fact]
    public void Repeated_keys_keep_the_last_value() =>
        Assert.Equal("{\"a\":2}", GoJson.ToText(new GoJsonReader("{\"a\":1,\"a\":2}"u8).ReadValue()));

    [Theory]
    [InlineData("{not-json}")]
    [InlineData("{\"a\":1,}")]
    [InlineData("[1 2]")]
    [InlineData("01")]
    [InlineData("\"a\tb\"")]
    [InlineData("{\"a\":1} x")]
    public void Invalid_json_is_rejected(string text) =>
        Assert.Throws<AuditFormatException>(() =>
        {
            var r = new GoJsonReader(Encoding.UTF8.GetBytes(text));
            r.ReadValue();
            r.ExpectEnd();
        });
}
