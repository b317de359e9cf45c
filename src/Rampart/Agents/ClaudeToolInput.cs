using System.Text.Json;

namespace Rampart.Agents;

/// <summary>
/// PreToolUse parameter checks for Claude's built-in tools (CLI-073): resolve the aliases a tool may
/// use for its one policy-relevant value, refuse conflicts and blanks, write the value back under the
/// canonical key so policies match one spelling.
/// </summary>
internal static class ClaudeToolInput
{
    /// <summary>Normalises <paramref name="input"/> in place; returns the error text, or null when the input is acceptable.</summary>
    public static string? Normalise(string toolName, Dictionary<string, JsonElement> input)
    {
        switch (toolName)
        {
            case "Bash" or "PowerShell":
                return Resolve(toolName, input, "command", "command", ["command"]);
            case "code_execution":
                return Resolve(toolName, input, "command", "command", ["command", "code", "input"]);
            case "Monitor":
                return NormaliseMonitor(input);
            case "Read" or "ReadFile" or "Write" or "WriteFile" or "Edit" or "EditFile":
                return Resolve(toolName, input, "path", "file path", ["path", "file_path"]);
            case "LSP":
                return Resolve(toolName, input, "path", "file path", ["path", "filePath", "file_path"]);
            case "NotebookEdit":
                return Resolve(toolName, input, "path", "notebook path", ["path", "notebook_path", "file_path"]);
            case "EnterWorktree":
                // A worktree `name` is a label Claude turns into a location later; policies need the location.
                var error = Resolve(toolName, input, "path", "resolved worktree path", ["path"]);
                return error is not null && error.EndsWith("requires a non-empty resolved worktree path", StringComparison.Ordinal)
                    ? error + "; name is only an opaque label"
                    : error;
            case "Glob" or "Grep":
                return RequireNonBlank(toolName, input, "pattern", "search pattern");
            case "WebFetch" or "Fetch" or "web_fetch":
                return RequireNonBlank(toolName, input, "url", "URL");
            case "WebSearch" or "web_search":
                return RequireNonBlank(toolName, input, "query", "search query");
            default:
                return null;
        }
    }

    static string? Resolve(string tool, Dictionary<string, JsonElement> input, string canonical, string description, string[] aliases)
    {
        var chosen = "";
        foreach (var alias in aliases)
        {
            if (!input.TryGetValue(alias, out var value) || value.ValueKind == JsonValueKind.Null) continue;
            if (value.ValueKind != JsonValueKind.String)
                return $"hook: Claude Code {tool} requires {description} alias \"{alias}\" to be a string";
            var text = value.GetString()!.Trim();
            if (text.Length == 0) continue;
            if (chosen.Length == 0) chosen = text;
            else if (chosen != text) return $"hook: Claude Code {tool} has conflicting {description} aliases";
        }
        if (chosen.Length == 0) return $"hook: Claude Code {tool} requires a non-empty {description}";
        input[canonical] = JsonString(chosen);
        return null;
    }

    static string? RequireNonBlank(string tool, Dictionary<string, JsonElement> input, string key, string description)
    {
        if (input.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Trim().Length > 0)
            return null;
        if (input.TryGetValue(key, out value) && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            return $"hook: Claude Code {tool} requires {description} alias \"{key}\" to be a string";
        return $"hook: Claude Code {tool} requires a non-empty {description}";
    }

    /// <summary>Monitor runs a command, or watches a WebSocket (then it is a fetch of <c>ws.url</c>, CLI-072).</summary>
    static string? NormaliseMonitor(Dictionary<string, JsonElement> input)
    {
        const string description = "command or WebSocket URL";
        if (input.TryGetValue("ws", out var ws) && ws.ValueKind == JsonValueKind.Object)
        {
            if (ws.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String && url.GetString()!.Trim() is { Length: > 0 } u)
            {
                input["url"] = JsonString(u);
                return null;
            }
            return $"hook: Claude Code Monitor requires a non-empty {description}";
        }
        if (input.TryGetValue("command", out var command) && command.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            return "hook: Claude Code Monitor requires command alias \"command\" to be a string";
        if (command.ValueKind == JsonValueKind.String && command.GetString()!.Trim() is { Length: > 0 } c)
        {
            input["command"] = JsonString(c);
            return null;
        }
        return $"hook: Claude Code Monitor requires a non-empty {description}";
    }

    /// <summary>A string as a standalone <see cref="JsonElement"/> (no reflection-based serializer involved).</summary>
    public static JsonElement JsonString(string value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(value.Length + 8);
        using (var w = new Utf8JsonWriter(buffer)) w.WriteStringValue(value);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }
}
