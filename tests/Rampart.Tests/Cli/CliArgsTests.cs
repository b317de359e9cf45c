using Rampart.Cli;

namespace Rampart.Tests.Cli;

public sealed class CliArgsTests
{
    static readonly CliFlag[] Flags = [new("port"), new("metrics", IsBool: true), new("scope"), new("background", IsBool: true, Short: 'b')];

    [Theory]
    [InlineData("--port", "8080")]
    [InlineData("--port=8080")]
    [InlineData("-port", "8080")]
    [InlineData("-port=8080")]
    public void Value_flags_accept_space_and_equals_forms(params string[] args)
    {
        Assert.Equal(8080, CliArgs.Parse(args, Flags).Int("port", 9090));
    }

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--metrics" }, true)]
    [InlineData(new[] { "--metrics=true" }, true)]
    [InlineData(new[] { "--metrics=false" }, false)]
    [InlineData(new[] { "--metrics=0" }, false)]
    public void Bool_flags_are_bare_or_explicit(string[] args, bool expected)
    {
        Assert.Equal(expected, CliArgs.Parse(args, Flags).Bool("metrics"));
    }

    [Fact]
    public void Bool_flag_does_not_swallow_the_next_argument()
    {
        var parsed = CliArgs.Parse(["--metrics", "positional"], Flags);
        Assert.True(parsed.Bool("metrics"));
        Assert.Equal(["positional"], parsed.Positionals);
    }

    [Fact]
    public void Short_alias_and_interspersed_positionals_work()
    {
        var parsed = CliArgs.Parse(["a", "-b", "b", "--", "--port"], Flags);
        Assert.True(parsed.Bool("background"));
        Assert.Equal(["a", "b", "--port"], parsed.Positionals);
    }

    [Fact]
    public void Repeated_and_comma_separated_values_are_all_kept()
    {
        var parsed = CliArgs.Parse(["--scope", "eval,admin", "--scope=x"], Flags);
        Assert.Equal(["eval", "admin", "x"], parsed.Strings("scope"));
        Assert.Equal("x", parsed.String("scope"));
    }

    [Theory]
    [InlineData(new[] { "--nope" }, "unknown flag: --nope")]
    [InlineData(new[] { "--port" }, "flag needs an argument: --port")]
    [InlineData(new[] { "--metrics=maybe" }, "invalid argument \"maybe\" for \"--metrics\" flag: expected true or false")]
    public void Usage_errors_name_the_flag(string[] args, string message)
    {
        var e = Assert.Throws<CliUsageException>(() => CliArgs.Parse(args, Flags));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Malformed_integer_is_a_usage_error()
    {
        var parsed = CliArgs.Parse(["--port", "eighty"], Flags);
        Assert.Throws<CliUsageException>(() => parsed.Int("port", 9090));
    }
}
