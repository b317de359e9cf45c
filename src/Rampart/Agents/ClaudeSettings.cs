using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Rampart.Agents;

/// <summary>
/// Rampart's entries in Claude Code's <c>settings.json</c> (CLI-090): install one owned hook per
/// event, remove only owned hooks, and leave every other setting, matcher and hook as it was.
/// </summary>
internal static partial class ClaudeSettings
{
    /// <summary>The events Rampart hooks (CLI-070).</summary>
    public static readonly string[] Events = ["PreToolUse", "PostToolUse", "PostToolUseFailure"];

    public const string Matcher = ".*";
    public const string HookPath = "/v1/hooks/claude-code";

    /// <summary>A command hook: <c>'&lt;abs path&gt;' hook --format claude-code[ --remote]</c>.</summary>
    public static JsonObject CommandHook(string command) => new() { ["type"] = "command", ["command"] = command };

    /// <summary>
    /// The HTTP hook form served by <c>POST /v1/hooks/claude-code</c>: no process per tool call; the eval
    /// token comes from an environment variable Claude Code may interpolate; failure blocks.
    /// </summary>
    public static JsonObject HttpHook(string baseUrl) => new()
    {
        ["type"] = "http",
        ["url"] = baseUrl.TrimEnd('/') + HookPath,
        ["headers"] = new JsonObject { ["Authorization"] = "Bearer $RAMPART_TOKEN" },
        ["allowedEnvVars"] = new JsonArray("RAMPART_TOKEN"),
        ["onFailure"] = "block",
    };

    /// <summary>POSIX single-quoted binary path + the hook arguments (CLI-090).</summary>
    public static string HookCommandLine(string binaryPath, bool isRemote) =>
        ClaudeHookOutput.ShellQuote(binaryPath) + " hook --format claude-code" + (isRemote ? " --remote" : "");

    // `<…/rampart> hook --format claude-code [flags]` or the legacy `<…/rampart> hook`, quoted or not.
    [GeneratedRegex(@"^\s*(?:'(?<path>[^']*)'|""(?<path>[^""]*)""|(?<path>\S+))\s+hook(?:\s+--format[ =]claude-code(?:\s+--\S+(?:\s+[^-\s]\S*)?)*)?\s*$")]
    private static partial Regex OwnedCommandPattern();

    /// <summary>Whether a hook entry is Rampart's (CLI-090): the current command, any rampart hook command, or the HTTP form.</summary>
    public static bool IsOwned(JsonNode? hook, string currentCommand)
    {
        if (hook is not JsonObject obj) return false;
        var type = obj["type"] is JsonValue t && t.TryGetValue<string>(out var ts) ? ts : "";
        if (type == "http")
            return obj["url"] is JsonValue u && u.TryGetValue<string>(out var url) && url.TrimEnd('/').EndsWith(HookPath, StringComparison.Ordinal);
        if (obj["command"] is not JsonValue c || !c.TryGetValue<string>(out var command)) return false;
        if (command == currentCommand) return true;
        var m = OwnedCommandPattern().Match(command);
        if (!m.Success) return false;
        var name = Path.GetFileName(m.Groups["path"].Value);
        return name == "rampart" || name.StartsWith("rampart-", StringComparison.Ordinal);
    }

    /// <summary>The binary a Rampart hook command runs (quotes removed), or null when the command is not Rampart's.</summary>
    public static string? CommandBinary(string command)
    {
        var m = OwnedCommandPattern().Match(command);
        return m.Success ? m.Groups["path"].Value : null;
    }

    /// <summary>Every Rampart-owned hook in the settings, with the event it is registered for (for <c>rampart doctor</c>).</summary>
    public static List<(string Event, JsonObject Hook)> OwnedHooks(JsonObject root, string currentCommand)
    {
        var result = new List<(string, JsonObject)>();
        if (root["hooks"] is not JsonObject hooks) return result;
        foreach (var ev in Events)
        {
            if (hooks[ev] is not JsonArray entries) continue;
            foreach (var entry in entries)
            {
                if (entry is not JsonObject e || e["hooks"] is not JsonArray list) continue;
                foreach (var h in list)
                {
                    if (IsOwned(h, currentCommand)) result.Add((ev, (JsonObject)h!));
                }
            }
        }
        return result;
    }

    /// <summary>Thrown for a settings file Rampart will not edit without <c>--force</c>.</summary>
    public sealed class ShapeException(string message) : Exception(message);

    /// <summary>
    /// Installs <paramref name="hook"/> for every event. Returns false when the settings already hold
    /// exactly one owned entry per event equal to it (then nothing changes).
    /// </summary>
    public static bool Install(JsonObject root, JsonObject hook, string currentCommand, bool force)
    {
        var hooks = HooksObject(root, force, create: true)!;
        if (IsExactlyConfigured(hooks, hook, currentCommand)) return false;
        foreach (var ev in Events)
        {
            var entries = EventArray(hooks, ev, force, create: true)!;
            RemoveOwned(entries, currentCommand);
            entries.Add((JsonNode)new JsonObject { ["matcher"] = Matcher, ["hooks"] = new JsonArray(hook.DeepClone()) });
        }
        return true;
    }

    /// <summary>Removes Rampart's hooks only; emptied event arrays and an emptied <c>hooks</c> object go too. Returns the count removed per event.</summary>
    public static Dictionary<string, int> Remove(JsonObject root, string currentCommand)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (HooksObject(root, force: false, create: false) is not { } hooks) return counts;
        foreach (var ev in Events)
        {
            if (EventArray(hooks, ev, force: false, create: false) is not { } entries) continue;
            var removed = RemoveOwned(entries, currentCommand);
            if (removed > 0) counts[ev] = removed;
            if (removed > 0 && entries.Count == 0) hooks.Remove(ev);
        }
        if (hooks.Count == 0 && counts.Count > 0) root.Remove("hooks");
        return counts;
    }

    static bool IsExactlyConfigured(JsonObject hooks, JsonObject hook, string currentCommand)
    {
        foreach (var ev in Events)
        {
            if (hooks[ev] is not JsonArray entries) return false;
            var owned = 0;
            var exact = false;
            foreach (var entry in entries)
            {
                if (entry is not JsonObject e || e["hooks"] is not JsonArray list) continue;
                foreach (var h in list)
                {
                    if (!IsOwned(h, currentCommand)) continue;
                    owned++;
                    exact = e["matcher"] is JsonValue m && m.TryGetValue<string>(out var ms) && ms == Matcher && JsonNode.DeepEquals(h, hook);
                }
            }
            if (owned != 1 || !exact) return false;
        }
        return true;
    }

    /// <summary>Drops owned hooks from each matcher entry, and entries left without hooks; returns how many hooks went.</summary>
    static int RemoveOwned(JsonArray entries, string currentCommand)
    {
        var removed = 0;
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            if (entries[i] is not JsonObject entry || entry["hooks"] is not JsonArray list) continue;
            var before = list.Count;
            for (var j = list.Count - 1; j >= 0; j--)
            {
                if (IsOwned(list[j], currentCommand)) list.RemoveAt(j);
            }
            removed += before - list.Count;
            if (before > 0 && list.Count == 0) entries.RemoveAt(i);
        }
        return removed;
    }

    static JsonObject? HooksObject(JsonObject root, bool force, bool create)
    {
        var node = root["hooks"];
        if (node is JsonObject obj) return obj;
        if (node is null)
        {
            if (!create) return null;
        }
        else if (!force)
        {
            throw new ShapeException("\"hooks\" in Claude Code settings is not an object; fix it or rerun with --force to replace it");
        }
        else if (!create)
        {
            return null;
        }
        var fresh = new JsonObject();
        root["hooks"] = fresh;
        return fresh;
    }

    static JsonArray? EventArray(JsonObject hooks, string ev, bool force, bool create)
    {
        var node = hooks[ev];
        if (node is JsonArray arr) return arr;
        if (node is null)
        {
            if (!create) return null;
        }
        else if (!force)
        {
            throw new ShapeException($"\"hooks.{ev}\" in Claude Code settings is not an array; fix it or rerun with --force to replace it");
        }
        else if (!create)
        {
            return null;
        }
        var fresh = new JsonArray();
        hooks[ev] = fresh;
        return fresh;
    }

    /// <summary>Parses settings text; "" or whitespace is an empty object. Invalid JSON throws <see cref="ShapeException"/> unless <paramref name="force"/>.</summary>
    public static JsonObject Parse(string text, bool force)
    {
        if (text.Trim().Length == 0) return new JsonObject();
        try
        {
            if (JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) is JsonObject obj)
                return obj;
            if (force) return new JsonObject();
            throw new ShapeException("Claude Code settings are not a JSON object; fix the file or rerun with --force to replace it");
        }
        catch (JsonException ex)
        {
            if (force) return new JsonObject();
            throw new ShapeException($"Claude Code settings are not valid JSON ({ex.Message}); fix the file or rerun with --force to replace it");
        }
    }

    /// <summary>Two-space indented JSON with a trailing newline (CLI-090); non-ASCII text stays readable.</summary>
    public static string Format(JsonObject root)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, IndentSize = 2, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            root.WriteTo(w);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }
}
