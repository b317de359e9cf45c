using System.Text.Json;
using Rampart.Core.Evaluation;

namespace Rampart.Server;

/// <summary>The body of <c>POST /v1/tool/{tool}</c> and <c>POST /v1/preflight/{tool}</c> (API-020), as decoded.</summary>
internal sealed class ToolRequest
{
    public string Agent { get; set; } = "";
    public string Session { get; private set; } = "";
    public string RunId { get; private set; } = "";
    public string ToolCallId { get; private set; } = "";
    /// <summary>The <c>params</c> object, or null when absent/null (⇒ <c>{}</c>).</summary>
    public JsonElement? Params { get; private set; }
    /// <summary>The MCP-style <c>input</c> object when present (even empty).</summary>
    public JsonElement? Input { get; private set; }
    public string? Command { get; private set; }
    public string? Path { get; private set; }
    public string? Url { get; private set; }
    public string? Workdir { get; private set; }
    public string? Cwd { get; private set; }
    public string Response { get; private set; } = "";
    public bool Enforce { get; private set; }
    public bool Verification { get; private set; }
    public JsonElement? ApprovalOwner { get; private set; }
    public bool OpenclawHosted { get; private set; }
    public bool SkipPendingApproval { get; private set; }

    /// <summary>Decodes the fields; unknown fields are ignored, a known field of the wrong JSON type is an error (API-005).</summary>
    public static bool TryDecode(JsonElement root, out ToolRequest request, out string error)
    {
        var r = new ToolRequest();
        request = r;
        error = "";
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = $"expected a JSON object, got {Describe(root.ValueKind)}";
            return false;
        }
        foreach (var property in root.EnumerateObject())
        {
            var v = property.Value;
            var ok = JsonText.Name(property) switch
            {
                "agent" => String(v, s => r.Agent = s),
                "session" => String(v, s => r.Session = s),
                "run_id" => String(v, s => r.RunId = s),
                "tool_call_id" => String(v, s => r.ToolCallId = s),
                "command" => String(v, s => r.Command = s),
                "path" => String(v, s => r.Path = s),
                "url" => String(v, s => r.Url = s),
                "workdir" => String(v, s => r.Workdir = s),
                "cwd" => String(v, s => r.Cwd = s),
                "response" => String(v, s => r.Response = s),
                "enforce" => Bool(v, b => r.Enforce = b),
                "verification" => Bool(v, b => r.Verification = b),
                "openclaw_hosted" => Bool(v, b => r.OpenclawHosted = b),
                "skip_pending_approval" => Bool(v, b => r.SkipPendingApproval = b),
                "params" => Object(v, o => r.Params = o),
                "input" => Object(v, o => r.Input = o),
                "approval_owner" => Object(v, o => r.ApprovalOwner = o),
                _ => true,
            };
            if (!ok)
            {
                error = $"field \"{JsonText.Name(property)}\" has the wrong type ({Describe(v.ValueKind)})";
                return false;
            }
        }
        return true;
    }

    // JSON null leaves a field at its zero value, as Go's decoder does.
    static bool String(JsonElement v, Action<string> set)
    {
        if (v.ValueKind == JsonValueKind.Null) return true;
        if (v.ValueKind != JsonValueKind.String) return false;
        set(JsonText.String(v)); // invalid UTF-8 / lone surrogates → U+FFFD, as Go decodes them

        return true;
    }

    static bool Bool(JsonElement v, Action<bool> set)
    {
        if (v.ValueKind == JsonValueKind.Null) return true;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) return false;
        set(v.GetBoolean());
        return true;
    }

    static bool Object(JsonElement v, Action<JsonElement> set)
    {
        if (v.ValueKind == JsonValueKind.Null) return true;
        if (v.ValueKind != JsonValueKind.Object) return false;
        set(v);
        return true;
    }

    static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
