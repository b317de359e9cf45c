using System.Text;
using System.Text.Json;
using Rampart.Core.Tools;

namespace Rampart.Agents;

/// <summary>Reads one Claude Code hook payload into a <see cref="HookEvent"/> (CLI-071..CLI-074).</summary>
internal static class ClaudeHookParser
{
    /// <summary>Largest stdin accepted (CLI-071); one byte more is a parse error.</summary>
    public const int MaxInputBytes = 4 * 1024 * 1024;

    public const string Agent = "claude-code";

    public static HookInput Parse(ReadOnlySpan<byte> utf8, HookEnvironment env)
    {
        if (utf8.Length > MaxInputBytes)
            return Invalid($"hook: input exceeds {MaxInputBytes} bytes", isPost: false, response: null);
        if (IsBlank(utf8)) return HookInput.EmptyInput;

        JsonElement root;
        try
        {
            // Like upstream's stream decoder: the first JSON value counts, anything after it is not read.
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            using var doc = JsonDocument.ParseValue(ref reader);
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return Invalid(DescribeSyntaxError(utf8, ex), isPost: false, response: null);
        }
        if (root.ValueKind != JsonValueKind.Object)
            return Invalid($"json: cannot unmarshal {GoKind(root)} into Go value of type cli.claudeCodeInput", false, null);

        var fields = new RawFields();
        foreach (var p in root.EnumerateObject())
        {
            // Go's decoder matches struct fields case-insensitively; the last occurrence wins.
            var name = p.Name.ToLowerInvariant();
            switch (name)
            {
                case "session_id": fields.SessionId = p.Value; break;
                case "transcript_path": fields.TranscriptPath = p.Value; break;
                case "cwd": fields.Cwd = p.Value; break;
                case "permission_mode": fields.PermissionMode = p.Value; break;
                case "hook_event_name": fields.EventName = p.Value; break;
                case "tool_use_id": fields.ToolUseId = p.Value; break;
                case "tool_name": fields.ToolName = p.Value; break;
                case "tool_input": fields.ToolInput = p.Value; break;
                case "tool_response": fields.ToolResponse = p.Value; break;
            }
        }

        JsonElement? response = fields.ToolResponse is { ValueKind: not JsonValueKind.Null } r ? r : null;
        var strings = new (string Field, JsonElement? Value)[]
        {
            ("session_id", fields.SessionId), ("transcript_path", fields.TranscriptPath), ("cwd", fields.Cwd),
            ("permission_mode", fields.PermissionMode), ("hook_event_name", fields.EventName),
            ("tool_use_id", fields.ToolUseId), ("tool_name", fields.ToolName),
        };
        foreach (var (field, value) in strings)
        {
            if (value is { ValueKind: not (JsonValueKind.String or JsonValueKind.Null) } bad)
                return Invalid($"json: cannot unmarshal {GoKind(bad)} into Go struct field claudeCodeInput.{field} of type string", response is not null, response);
        }
        if (fields.ToolInput is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) } badInput)
            return Invalid($"json: cannot unmarshal {GoKind(badInput)} into Go struct field claudeCodeInput.tool_input of type map[string]interface {{}}", response is not null, response);

        var eventName = Str(fields.EventName);
        HookEventKind kind;
        switch (eventName)
        {
            case "PreToolUse": kind = HookEventKind.PreToolUse; break;
            case "PostToolUse": kind = HookEventKind.PostToolUse; break;
            case "PostToolUseFailure": kind = HookEventKind.PostToolUseFailure; break;
            default:
                return Invalid($"hook: unsupported Claude Code hook_event_name \"{eventName}\"", response is not null, response);
        }
        var isPost = kind != HookEventKind.PreToolUse;

        // Classified exactly as sent (CLI-072 is case- and space-sensitive); only a blank name is malformed.
        var toolName = Str(fields.ToolName);
        if (toolName.Trim().Length == 0) return Invalid("hook: Claude Code tool_name is required", isPost, response);

        var toolUseId = Str(fields.ToolUseId);
        foreach (var c in toolUseId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                return Invalid($"hook: invalid character '{c}' in tool_use_id", isPost, response);
        }

        var input = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (fields.ToolInput is { ValueKind: JsonValueKind.Object } ti)
        {
            foreach (var p in ti.EnumerateObject()) input[p.Name] = p.Value;
        }

        var tool = ClaudeCodeTools.Classify(toolName, input);
        // CLI-072: a Monitor watching a WebSocket is network access, judged by the fetch rules.
        if (toolName == "Monitor" && input.TryGetValue("ws", out var ws) && ws.ValueKind == JsonValueKind.Object) tool = "fetch";
        if (!isPost)
        {
            if (tool == "unknown")
                return Invalid($"hook: unsupported Claude Code tool_name \"{toolName}\"; update Rampart before allowing this tool", false, response);
            var error = ClaudeToolInput.Normalise(toolName, input);
            if (error is not null) return Invalid(error, false, response);
        }
        else
        {
            // Post events are scanned whatever their input looked like (the call already ran); the
            // aliases are still resolved when they can be, so response rules see the same params.
            var copy = new Dictionary<string, JsonElement>(input, StringComparer.Ordinal);
            if (ClaudeToolInput.Normalise(toolName, copy) is null) input = copy;
        }

        var sessionId = Str(fields.SessionId);
        // `?? ""`: default(HookEnvironment) carries nulls.
        var runOverride = env.RunOverride ?? "";
        var runId = runOverride.Length > 0 ? runOverride : sessionId.Length > 0 ? sessionId : env.ConversationId ?? "";
        return HookInput.Valid(new HookEvent
        {
            Kind = kind,
            Agent = Agent,
            ToolName = toolName,
            Tool = tool,
            Params = input,
            SessionId = sessionId,
            Cwd = Str(fields.Cwd),
            ToolUseId = toolUseId,
            RunId = runId,
            AgentDepth = env.AgentDepth + (tool == "agent" ? 1 : 0),
            ToolResponse = response,
            ResponseText = response is { } resp ? ToolResponseText.Extract(resp) : "",
        });
    }

    struct RawFields
    {
        public JsonElement? SessionId, TranscriptPath, Cwd, PermissionMode, EventName, ToolUseId, ToolName, ToolInput, ToolResponse;
    }

    static HookInput Invalid(string error, bool isPost, JsonElement? response) =>
        new(HookInputStatus.Invalid, null, error, isPost, response);

    static string Str(JsonElement? value) => value is { ValueKind: JsonValueKind.String } s ? s.GetString() ?? "" : "";

    static bool IsBlank(ReadOnlySpan<byte> utf8)
    {
        foreach (var b in utf8)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return false;
        }
        return true;
    }

    static string GoKind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };

    /// <summary>Go's decoder wording for the two failures users meet: truncated input and a stray character.</summary>
    static string DescribeSyntaxError(ReadOnlySpan<byte> utf8, JsonException ex)
    {
        // Input that is merely incomplete reads cleanly as a non-final block.
        var partial = new Utf8JsonReader(utf8, isFinalBlock: false, state: default);
        try
        {
            while (partial.Read()) { if (partial.CurrentDepth == 0 && partial.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray) break; }
            return "unexpected EOF";
        }
        catch (JsonException)
        {
        }
        var position = ex.BytePositionInLine is long p ? p : 0;
        var line = ex.LineNumber ?? 0;
        var offset = OffsetOf(utf8, line, position);
        if (offset < utf8.Length)
        {
            var c = (char)utf8[(int)offset];
            return c >= 0x20 && c < 0x7f
                ? $"invalid character '{c}' in hook input"
                : $"invalid character {Encoding.UTF8.GetString(utf8.Slice((int)offset, 1))} in hook input";
        }
        return "invalid JSON in hook input";
    }

    static long OffsetOf(ReadOnlySpan<byte> utf8, long line, long bytePositionInLine)
    {
        long offset = 0;
        for (var l = 0L; l < line && offset < utf8.Length; offset++)
        {
            if (utf8[(int)offset] == (byte)'\n') l++;
        }
        return offset + bytePositionInLine;
    }
}
