using System.Text;
using Rampart.Agents;

namespace Rampart.Tests.Agents;

public sealed class GoJsonTests
{
    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(100.0, "100")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(1.25e-10, "1.25e-10")]
    [InlineData(0.1, "0.1")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(0.0, "0")]
    public void Numbers_are_printed_as_Go_prints_float64(double value, string expected)
    {
        Assert.Equal(expected, GoJson.FormatFloat(value));
    }

    [Theory]
    [InlineData("a<b>&c", "\"a\\u003cb\\u003e\\u0026c\"")]
    [InlineData("line\nnext\ttab\r", "\"line\\nnext\\ttab\\r\"")]
    [InlineData("\u0001\b\f", "\"\\u0001\\b\\f\"")]
    [InlineData("quote\"back\\", "\"quote\\\"back\\\\\"")]
    [InlineData("é ⛔ \u2028", "\"é ⛔ \\u2028\"")]
    public void Strings_use_Go_escapes(string value, string expected)
    {
        var sb = new StringBuilder();
        GoJson.WriteString(sb, value);
        Assert.Equal(expected, sb.ToString());
    }

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_escape()
    {
        // Built at run time: attribute arguments cannot carry a lone surrogate.
        var sb = new StringBuilder();
        GoJson.WriteString(sb, new string(['\ud800', 'x']));
        Assert.Equal("\"\\ufffdx\"", sb.ToString());
    }
}
