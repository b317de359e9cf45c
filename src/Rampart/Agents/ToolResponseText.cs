using System.Text;
using System.Text.Json;

namespace Rampart.Agents;

/// <summary>What response rules see of a Claude Code <c>tool_response</c>, and what the model gets back when it is blocked (CLI-076, CLI-077).</summary>
internal static class ToolResponseText
{
    /// <summary>The replacement for every string of a blocked response (CLI-077).</summary>
    public const string BlockedPlaceholder = "[blocked by Rampart response policy]";

    // Output-bearing keys come first so the scanned text reads like the terminal did (CLI-076).
    static readonly string[] PriorityKeys = ["stdout", "stderr", "content", "output"];

    /// <summary>Every non-empty string leaf, depth-first, priority keys first then the rest sorted, joined with <c>\n</c>.</summary>
    public static string Extract(JsonElement response)
    {
        var parts = new List<string>();
        Collect(response, parts);
        return string.Join('\n', parts);
    }

    static void Collect(JsonElement value, List<string> parts)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var s = value.GetString();
                if (!string.IsNullOrEmpty(s)) parts.Add(s);
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray()) Collect(item, parts);
                break;
            case JsonValueKind.Object:
                var members = GoJson.SortedProperties(value);
                foreach (var key in PriorityKeys)
                {
                    foreach (var (k, v) in members)
                    {
                        if (k == key) { Collect(v, parts); break; }
                    }
                }
                foreach (var (k, v) in members)
                {
                    if (Array.IndexOf(PriorityKeys, k) < 0) Collect(v, parts);
                }
                break;
        }
    }

    /// <summary>The shape-preserving copy sent back as <c>updatedToolOutput</c>: every string replaced (CLI-077).</summary>
    public static string RedactedJson(JsonElement response)
    {
        var sb = new StringBuilder();
        GoJson.WriteValue(sb, response, BlockedPlaceholder);
        return sb.ToString();
    }
}
