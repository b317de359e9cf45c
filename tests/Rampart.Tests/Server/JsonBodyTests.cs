using System.Text;
using System.Text.Json;
using Rampart.Server;

namespace Rampart.Tests.Server;

/// <summary>
/// The decision and error answers write themselves (<see cref="IJsonBody"/>, issue 3); their bytes
/// must be exactly what the generated serialiser (with the API's relaxed escaping) writes.
/// </summary>
public sealed class JsonBodyTests
{
    static readonly JsonWriterOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    static readonly ApiJsonContext Generated = new(new JsonSerializerOptions { Encoder = Relaxed.Encoder });

    static readonly Dictionary<string, ToolBody> Bodies = new()
    {
        ["allow"] = new ToolBody { Allowed = true, Decision = "allow", Message = "No standard rule objected", EvalDurationUs = 12, AuditId = "01ABC", Policy = "allow-ordinary-work", Suggestions = [] },
        ["deny with suggestions"] = new ToolBody { Decision = "deny", Message = "rm -rf / is \"destructive\" <&> ü 🙂 \u0001", EvalDurationUs = 3, Suggestions = ["use 'rm -i'", "ask"] },
        ["no optional fields"] = new ToolBody { Decision = "allow", Message = "" },
        ["null suggestions"] = new ToolBody { Decision = "allow", Message = "m", Suggestions = null! },
        ["every field"] = new ToolBody
            {
                Allowed = true, Decision = "allow", Message = "monitor", EvalDurationUs = long.MaxValue, AuditId = "a", Policy = "p",
                Suggestions = ["s"], Enforced = false, PolicyDecision = "deny", PolicyMessage = "pm", Response = "out\n\tput",
                ResponsePolicyDecision = "deny", ResponsePolicyMessage = "rpm", ResponseEvalDurationUs = 0, ResponsePolicy = "rp",
                ApprovalId = "ap", ApprovalStatus = "pending", ApprovalScope = "once", ApprovalResolvedBy = "me",
                ApprovalPolicyAuditId = "apa", ExpiresAt = "2026-12-01T00:00:00Z",
            },
        ["enforced true"] = new ToolBody { Decision = "deny", Message = "x", Enforced = true, ResponseEvalDurationUs = -1 },
    };

    public static TheoryData<string> ToolBodies => [.. Bodies.Keys];

    [Theory]
    [MemberData(nameof(ToolBodies))]
    public void Tool_body_writes_the_generated_serialisers_bytes(string name)
    {
        var body = Bodies[name];
        Assert.Equal(Serialized(body, Generated.ToolBody), Own(body));
    }

    [Theory]
    [InlineData("invalid request body: expected a JSON object, got array")]
    [InlineData("quotes \" and <tags> & ünïcode")]
    [InlineData("")]
    public void Error_body_writes_the_generated_serialisers_bytes(string message)
    {
        var body = new ErrorBody(message);
        Assert.Equal(Serialized(body, Generated.ErrorBody), Own(body));
    }

    static string Own(IJsonBody body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Relaxed)) body.Write(w);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    static string Serialized<T>(T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Relaxed)) JsonSerializer.Serialize(w, body, type);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
