using System.Text;
using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Regression;

/// <summary>
/// Fuzz finding (tool-call harness): a request body with an invalid UTF-8 byte or an unpaired
/// <c>\uD800</c> escape in a string parses as JSON, and reading the string threw
/// InvalidOperationException out of the evaluator. Go decodes both to U+FFFD and evaluates.
/// </summary>
public sealed class JsonTextRegressionTests
{
    static JsonElement Parse(byte[] json) => JsonDocument.Parse(json).RootElement.Clone();

    static byte[] Bytes(string ascii, params (int At, byte[] Raw)[] splices)
    {
        var list = new List<byte>(Encoding.ASCII.GetBytes(ascii));
        foreach (var (at, raw) in splices.OrderByDescending(s => s.At)) list.InsertRange(at, raw);
        return [.. list];
    }

    public static TheoryData<string, byte[], string> Strings() => new()
    {
        { "invalid byte", Bytes("\"ab\"", (2, [0xff])), "a\uFFFDb" },
        { "truncated sequence, one U+FFFD per byte as Go", Bytes("\"ab\"", (2, [0xe2, 0x82])), "a\uFFFD\uFFFDb" },
        { "UTF-8 encoded surrogate", Bytes("\"ab\"", (2, [0xed, 0xa0, 0x80])), "a\uFFFD\uFFFD\uFFFDb" },
        { "lone high surrogate escape", Bytes("\"a\\uD800b\""), "a\uFFFDb" },
        { "lone low surrogate escape", Bytes("\"a\\udc00b\""), "a\uFFFDb" },
        { "high surrogate then a non-surrogate escape", Bytes("\"\\uD800\\u0041\""), "\uFFFDA" },
        { "valid pair escape", Bytes("\"\\uD83D\\uDE00\""), "😀" },
        { "other escapes beside a bad byte", Bytes("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9x\"", (23, [0xc3])), "\"\\/\b\f\n\r\té\uFFFDx" },
        { "valid text keeps the fast path", Bytes("\"rm -rf /\""), "rm -rf /" },
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void String_values_decode_like_go(string name, byte[] json, string expected)
    {
        Assert.True(name.Length > 0);
        Assert.Equal(expected, JsonText.String(Parse(json)));
    }

    [Fact]
    public void Property_names_decode_like_go()
    {
        var obj = Parse(Bytes("{\"ab\":1,\"c\\uDC00\":2}", (3, [0xff])));
        Assert.Equal(["a\uFFFDb", "c\uFFFD"], obj.EnumerateObject().Select(JsonText.Name));
        Assert.Equal("map[a\uFFFDb:1 c\uFFFD:2]", ParamText.Format(obj));
    }

    [Theory]
    [InlineData(new byte[] { 0xff })]
    [InlineData(new byte[] { (byte)'\\', (byte)'u', (byte)'D', (byte)'8', (byte)'0', (byte)'0' })]
    public void A_deny_rule_still_denies_a_command_with_a_bad_character(byte[] bad)
    {
        var config = new PolicyConfig
        {
            DefaultAction = "allow",
            Policies =
            [
                new Policy
                {
                    Name = "block-rm",
                    Match = new PolicyMatch { Tools = ["exec"] },
                    Rules = [new PolicyRule { Action = RuleAction.Deny, RawAction = "deny", When = new Condition { CommandMatches = ["rm -rf *"] }, Message = "no" }],
                },
            ],
        };
        var body = Bytes("{\"command\":\"rm -rf /tmp/\"}", (23, bad));
        var call = new ToolCall
        {
            Tool = "exec",
            Params = Parse(body).EnumerateObject().ToDictionary(p => p.Name, p => p.Value),
        };
        var decision = CompiledPolicySet.Compile(config).Evaluate(call, default, DateTimeOffset.UnixEpoch);
        Assert.Equal(DecisionAction.Deny, decision.Action);
        Assert.Equal<string>(["block-rm"], decision.MatchedPolicies);
    }
}
