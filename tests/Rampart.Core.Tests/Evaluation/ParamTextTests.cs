using System.Text.Json;
using Rampart.Core.Evaluation;

namespace Rampart.Core.Tests.Evaluation;

public sealed class ParamTextTests
{
    [Theory]
    [InlineData("\"text\"", "text")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("null", "<nil>")]
    [InlineData("42", "42")]
    [InlineData("1.5", "1.5")]
    [InlineData("123456", "123456")]
    [InlineData("1000000", "1e+06")]
    [InlineData("1234567", "1.234567e+06")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("0.000012", "1.2e-05")]
    [InlineData("-3", "-3")]
    [InlineData("-0", "-0")]
    [InlineData("0", "0")]
    [InlineData("1e2", "100")]
    [InlineData("4.20e1", "42")]
    [InlineData("12345678901234567890", "1.2345678901234567e+19")]
    [InlineData("1e21", "1e+21")]
    [InlineData("1e-300", "1e-300")]
    [InlineData("0.1", "0.1")]
    [InlineData("100000.5", "100000.5")]
    [InlineData("[]", "[]")]
    [InlineData("[1, \"a b\", null, true]", "[1 a b <nil> true]")]
    [InlineData("[[1,2],[3]]", "[[1 2] [3]]")]
    [InlineData("{}", "map[]")]
    [InlineData("{\"b\": 2, \"a\": [1], \"c\": {\"z\": null, \"y\": \"s\"}}", "map[a:[1] b:2 c:map[y:s z:<nil>]]")]
    [InlineData("{\"a\": 1, \"a\": 2}", "map[a:2]")]
    [InlineData("{\"B\": 1, \"a\": 2, \"_\": 3}", "map[B:1 _:3 a:2]")]
    public void Formats_like_go_percent_v(string json, string expected)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(expected, ParamText.Format(doc.RootElement));
    }

    [Fact]
    public void Sorts_map_keys_by_code_point()
    {
        // U+FF5E sorts before U+1F600 in UTF-8/code-point order, but after it in UTF-16 order.
        using var doc = JsonDocument.Parse("{\"\U0001F600\": 1, \"\uFF5E\": 2}");
        Assert.Equal("map[\uFF5E:2 \U0001F600:1]", ParamText.Format(doc.RootElement));
    }
}
