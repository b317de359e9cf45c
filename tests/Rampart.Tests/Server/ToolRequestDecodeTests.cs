using System.Buffers;
using System.Text;
using System.Text.Json;
using Rampart.Server;

namespace Rampart.Tests.Server;

/// <summary>
/// <see cref="ToolRequest.Decode"/> reads common bodies in one reader pass (issue 3) and everything
/// else through the document; either way the request, or the 400 message, is the one the document
/// path (<see cref="RequestBody.Parse(ReadOnlySequence{byte}, string)"/> + <see cref="ToolRequest.TryDecode"/>) gives.
/// </summary>
public sealed class ToolRequestDecodeTests
{
    const string Prefix = "invalid request body: ";

    public static TheoryData<string> Bodies => new()
    {
        """{"agent":"bench","session":"load","command":"git status"}""",
        """  {"command":"echo \"hi\"\n","cwd":"/tmp","workdir":null,"enforce":true,"verification":false}  """,
        """{"command":"a","command":"b"}""",
        """{"command":"a","command":null}""",
        """{"params":{"command":"ls","nested":[1,2,{"x":null}]},"input":{},"approval_owner":{"mode":"x"}}""",
        """{"unknown":{"deep":[[[]]]},"also":12.5e3,"x":false,"url":"https://example.com/a?b=c","path":"/etc/passwd"}""",
        """{"response":"out","run_id":"r","tool_call_id":"t","openclaw_hosted":true,"skip_pending_approval":false}""",
        """{"command":"caf\u00e9"}""",
        """{"\u0063ommand":"escaped name"}""",
        """{"command":"\ud800 lone"}""",
        """{"command":"bad <FF> byte","agent":"<FF>"}""",
        """{"command":"ünïcode 🙂"}""",
        """{"command":1}""",
        """{"enforce":"yes"}""",
        """{"params":[]}""",
        """{"params":"x"}""",
        """[1,2]""",
        """ "text" """,
        """{"command":"x"} {"command":"y"}""",
        """{"command":"x"} garbage""",
        """{"command":""",
        """{"command":"x",}""",
        "",
        "   ",
        """{}""",
        """{"a":""" + new string('[', 70) + new string(']', 70) + "}",
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Decode_matches_the_document_path(string body)
    {
        var bytes = WithRawBytes(body);
        var sequence = new ReadOnlySequence<byte>(bytes);
        var actual = ToolRequest.Decode(sequence, Prefix);

        var parsed = RequestBody.Parse(sequence, Prefix);
        if (!parsed.IsOk)
        {
            Assert.Null(actual.Value);
            Assert.Equal((parsed.Status, parsed.Error), (actual.Status, actual.Error));
            return;
        }
        using var document = parsed.Document!;
        if (!ToolRequest.TryDecode(document.RootElement, out var expected, out var error))
        {
            Assert.Null(actual.Value);
            Assert.Equal((400, Prefix + error), (actual.Status, actual.Error));
            return;
        }
        Assert.Equal(200, actual.Status);
        Assert.Equal(Describe(expected), Describe(actual.Value!));
    }

    /// <summary>UTF-8 of the body with each <c>&lt;FF&gt;</c> replaced by the invalid byte 0xFF.</summary>
    static byte[] WithRawBytes(string body)
    {
        var parts = body.Split("<FF>");
        var bytes = new List<byte>();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0) bytes.Add(0xFF);
            bytes.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }
        return [.. bytes];
    }

    static string Describe(ToolRequest r) => string.Join("|",
        r.Agent, r.Session, r.RunId, r.ToolCallId, r.Command, r.Path, r.Url, r.Workdir, r.Cwd, r.Response,
        r.Enforce, r.Verification, r.OpenclawHosted, r.SkipPendingApproval,
        Raw(r.Params), Raw(r.Input), Raw(r.ApprovalOwner),
        Text(r.CommandJson), Text(r.PathJson), Text(r.UrlJson), Text(r.WorkdirJson), Text(r.CwdJson));

    static string Raw(JsonElement? e) => e is { } v ? v.GetRawText() : "-";

    static string Text(JsonElement? e) => e is { } v ? "json:" + v.GetString() : "-";
}
