using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
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

    /// <summary>
    /// The string fields' own JSON values when they are plain (valid UTF-8, no <c>\u</c> escapes:
    /// exactly the strings <see cref="JsonText.String"/> reads without re-decoding), so call
    /// preparation can put them into the params map as they are instead of re-serialising the text.
    /// </summary>
    internal JsonElement? CommandJson { get; private set; }
    internal JsonElement? PathJson { get; private set; }
    internal JsonElement? UrlJson { get; private set; }
    internal JsonElement? WorkdirJson { get; private set; }
    internal JsonElement? CwdJson { get; private set; }

    enum Field
    {
        Unknown, Agent, Session, RunId, ToolCallId, Command, Path, Url, Workdir, Cwd, Response,
        Enforce, Verification, OpenclawHosted, SkipPendingApproval, Params, Input, ApprovalOwner,
    }

    /// <summary>
    /// API-020/API-005: decodes a whole body. The common body (an object of plain strings, booleans
    /// and objects) is decoded in one pass of a <see cref="Utf8JsonReader"/> straight from the
    /// request's bytes (issue 3: no document for the top level, no per-field closures). Anything
    /// else — not an object, a known field of the wrong type, escaped names, strings with
    /// <c>\u</c> escapes or invalid UTF-8, syntax errors, trailing data, a body split across
    /// buffer segments — is decoded again by the document path (<see cref="TryDecode"/>), which
    /// gives the same result and is what produces every error message.
    /// </summary>
    public static BodyResult<ToolRequest> Decode(in ReadOnlySequence<byte> utf8, string errorPrefix)
    {
        if (utf8.IsSingleSegment && TryDecodeFast(utf8.FirstSpan) is { } fast) return new(fast, 200, "");
        if (!RequestBody.TryParseElement(utf8, errorPrefix, out var root, out var failure)) return new(null, failure.Status, failure.Error);
        return TryDecode(root, out var request, out var error) ? new(request, 200, "") : new(null, 400, errorPrefix + error);
    }

    /// <summary>The one-pass decode; null = take the document path.</summary>
    static ToolRequest? TryDecodeFast(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, RequestBody.ReaderOptions);
        var r = new ToolRequest();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject) return reader.Read() ? null : r;
                if (reader.ValueIsEscaped) return null;
                var field = FieldOf(reader.ValueSpan);
                if (!reader.Read()) return null;
                if (field == Field.Unknown)
                {
                    reader.Skip();
                    continue;
                }
                switch (reader.TokenType)
                {
                    case JsonTokenType.Null:
                        break; // JSON null leaves a field at its zero value, as Go's decoder does.
                    case JsonTokenType.String when IsStringField(field):
                        var raw = reader.ValueSpan;
                        if (!Utf8.IsValid(raw) || raw.IndexOf("\\u"u8) >= 0) return null;
                        JsonElement? json = IsCallField(field) ? JsonElement.ParseValue(ref reader) : null;
                        r.Set(field, json is { } j ? j.GetString()! : reader.GetString()!, json);
                        break;
                    case JsonTokenType.True or JsonTokenType.False when IsBoolField(field):
                        r.Set(field, reader.TokenType == JsonTokenType.True);
                        break;
                    case JsonTokenType.StartObject when IsObjectField(field):
                        r.Set(field, JsonElement.ParseValue(ref reader));
                        break;
                    default:
                        return null; // the wrong type: the document path words the error
                }
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

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
            var name = JsonText.Name(property);
            var field = FieldOf(name.AsSpan());
            var ok = v.ValueKind switch
            {
                _ when field == Field.Unknown => true,
                JsonValueKind.Null => true, // JSON null leaves a field at its zero value, as Go's decoder does.
                JsonValueKind.String when IsStringField(field) => r.Set(field, JsonText.String(v), IsCallField(field) && IsPlain(v) ? v : null),
                JsonValueKind.True or JsonValueKind.False when IsBoolField(field) => r.Set(field, v.GetBoolean()),
                JsonValueKind.Object when IsObjectField(field) => r.Set(field, v),
                _ => false,
            };
            if (!ok)
            {
                error = $"field \"{name}\" has the wrong type ({Describe(v.ValueKind)})";
                return false;
            }
        }
        return true;
    }

    static bool IsPlain(JsonElement v)
    {
        var raw = JsonMarshal.GetRawUtf8Value(v);
        return Utf8.IsValid(raw) && raw.IndexOf("\\u"u8) < 0;
    }

    static Field FieldOf(ReadOnlySpan<byte> name)
    {
        // Only ASCII names are known; anything else is an unknown field either way.
        if (name.Length > 32 || !Ascii.IsValid(name)) return Field.Unknown;
        Span<char> chars = stackalloc char[name.Length];
        Ascii.ToUtf16(name, chars, out _);
        return FieldOf(chars);
    }

    static Field FieldOf(ReadOnlySpan<char> name) => name switch
    {
        "agent" => Field.Agent,
        "session" => Field.Session,
        "run_id" => Field.RunId,
        "tool_call_id" => Field.ToolCallId,
        "command" => Field.Command,
        "path" => Field.Path,
        "url" => Field.Url,
        "workdir" => Field.Workdir,
        "cwd" => Field.Cwd,
        "response" => Field.Response,
        "enforce" => Field.Enforce,
        "verification" => Field.Verification,
        "openclaw_hosted" => Field.OpenclawHosted,
        "skip_pending_approval" => Field.SkipPendingApproval,
        "params" => Field.Params,
        "input" => Field.Input,
        "approval_owner" => Field.ApprovalOwner,
        _ => Field.Unknown,
    };

    static bool IsStringField(Field f) => f is >= Field.Agent and <= Field.Response;
    static bool IsCallField(Field f) => f is >= Field.Command and <= Field.Cwd;
    static bool IsBoolField(Field f) => f is >= Field.Enforce and <= Field.SkipPendingApproval;
    static bool IsObjectField(Field f) => f is >= Field.Params and <= Field.ApprovalOwner;

    bool Set(Field field, string value, JsonElement? json)
    {
        switch (field)
        {
            case Field.Agent: Agent = value; break;
            case Field.Session: Session = value; break;
            case Field.RunId: RunId = value; break;
            case Field.ToolCallId: ToolCallId = value; break;
            case Field.Command: Command = value; CommandJson = json; break;
            case Field.Path: Path = value; PathJson = json; break;
            case Field.Url: Url = value; UrlJson = json; break;
            case Field.Workdir: Workdir = value; WorkdirJson = json; break;
            case Field.Cwd: Cwd = value; CwdJson = json; break;
            case Field.Response: Response = value; break;
        }
        return true;
    }

    bool Set(Field field, bool value)
    {
        switch (field)
        {
            case Field.Enforce: Enforce = value; break;
            case Field.Verification: Verification = value; break;
            case Field.OpenclawHosted: OpenclawHosted = value; break;
            case Field.SkipPendingApproval: SkipPendingApproval = value; break;
        }
        return true;
    }

    bool Set(Field field, JsonElement value)
    {
        switch (field)
        {
            case Field.Params: Params = value; break;
            case Field.Input: Input = value; break;
            case Field.ApprovalOwner: ApprovalOwner = value; break;
        }
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
