using System.Collections.Frozen;
using System.Text.Json;

namespace Rampart.Core.Tools;

/// <summary>MCP tool names to policy tool classes (POL-011), and the "most sensitive candidate" rule of native hooks (POL-013).</summary>
public static class McpToolClasses
{
    public const string Mcp = "mcp";
    public const string Dangerous = "mcp-dangerous";
    public const string Destructive = "mcp-destructive";

    // POL-011: upstream's code checks ten keywords per class (its docs list four).
    private static readonly string[] DestructiveKeywords =
        ["delete", "destroy", "remove", "drop", "purge", "kill", "format", "wipe", "truncate", "reset"];

    private static readonly string[] DangerousKeywords =
        ["stop", "shutdown", "reboot", "restart", "migrate", "resize", "modify", "update", "patch",
         "configure", "execute", "exec", "run", "send", "post"];

    private static readonly FrozenDictionary<string, string> BuiltIn = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["read_file"] = "read",
        ["list_directory"] = "read",
        ["write_file"] = "write",
        ["create_directory"] = "write",
        ["delete_file"] = Destructive,
        ["move_file"] = Dangerous,
        ["execute_command"] = "exec",
        ["run_command"] = "exec",
        ["shell"] = "exec",
        ["fetch"] = "fetch",
        ["http_request"] = "fetch",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // POL-013 ranking; anything else (including plain "mcp") ranks lowest.
    private static readonly FrozenDictionary<string, int> Rank = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [Destructive] = 7,
        ["exec"] = 6,
        [Dangerous] = 5,
        ["write"] = 4,
        ["fetch"] = 3,
        ["read"] = 2,
        [Mcp] = 1,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly string[] WrappedNameParams = ["mcp_tool", "tool_name", "toolName"];

    /// <summary>
    /// Classifies one MCP tool name. The custom map is consulted with the trimmed lower-cased name first and then
    /// with the name as given (POL-011 does not say which spelling a user's map uses; either should work).
    /// </summary>
    public static string Classify(string name, IReadOnlyDictionary<string, string>? customMap = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        if (customMap is not null)
        {
            if (customMap.TryGetValue(key, out var mapped) && !string.IsNullOrEmpty(mapped)) return mapped;
            if (customMap.TryGetValue(name, out mapped) && !string.IsNullOrEmpty(mapped)) return mapped;
        }
        if (ContainsAny(key, DestructiveKeywords)) return Destructive;
        if (BuiltIn.TryGetValue(key, out var builtIn)) return builtIn;
        if (ContainsAny(key, DangerousKeywords)) return Dangerous;
        if (customMap is not null && customMap.TryGetValue("_default", out var fallback) && !string.IsNullOrEmpty(fallback)) return fallback;
        return Mcp;
    }

    /// <summary>
    /// The most sensitive class among every MCP name a native hook can see (POL-013): the host tool name, its
    /// <c>mcp__server__tool</c> or <c>mcp:</c> remainder, and the <c>mcp_tool</c>/<c>tool_name</c>/<c>toolName</c> params.
    /// </summary>
    public static string ClassifyNative(string hostToolName, IReadOnlyDictionary<string, JsonElement>? toolInput = null)
    {
        ArgumentNullException.ThrowIfNull(hostToolName);
        var trimmed = hostToolName.Trim();
        var best = Mcp;
        Consider(trimmed, ref best);
        if (trimmed.StartsWith("mcp__", StringComparison.OrdinalIgnoreCase))
        {
            var remainder = trimmed[5..].ToLowerInvariant();
            var last = remainder.LastIndexOf("__", StringComparison.Ordinal);
            Consider(last < 0 ? remainder : remainder[(last + 2)..], ref best);
        }
        else if (trimmed.StartsWith("mcp:", StringComparison.OrdinalIgnoreCase))
        {
            Consider(trimmed[4..].Trim().ToLowerInvariant(), ref best);
        }
        if (toolInput is not null)
        {
            foreach (var param in WrappedNameParams)
            {
                if (toolInput.TryGetValue(param, out var value) && value.ValueKind == JsonValueKind.String &&
                    Evaluation.JsonText.String(value) is { Length: > 0 } wrapped)
                {
                    Consider(wrapped, ref best);
                }
            }
        }
        return best;
    }

    private static void Consider(string candidate, ref string best)
    {
        if (candidate.Length == 0) return;
        var cls = Classify(candidate);
        if (RankOf(cls) > RankOf(best)) best = cls;
    }

    private static int RankOf(string cls) => Rank.TryGetValue(cls, out var r) ? r : 0;

    private static bool ContainsAny(string text, string[] keywords)
    {
        foreach (var k in keywords)
        {
            if (text.Contains(k, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
