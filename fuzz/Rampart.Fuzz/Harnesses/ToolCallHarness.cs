using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;
using Rampart.Core.Tools;

namespace Rampart.Fuzz.Harnesses;

/// <summary>
/// A tool-call request body (API-020) through to a decision: input is the JSON body, read with
/// <see cref="JsonDocument"/> as the server does, then evaluated on the shipped profiles. Malformed JSON
/// and a body of the wrong shape are the clean rejections (400 in the server); past them nothing may throw.
/// </summary>
/// <remarks>
/// The body's optional <c>tool</c> field stands in for the URL segment (API-021) so one input carries
/// the whole request. The alias handling is the simple part of API-022 (top-level
/// <c>command/path/url/workdir</c> copied into <c>params</c> when absent); the full input preparation
/// belongs to the server and gets its own harness there.
/// </remarks>
internal static class ToolCallHarness
{
    static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    static readonly CompiledPolicySet[] Sets =
    [
        Load("standard"), Load("paranoid"), Load("mcp-server"), Load("openclaw"), Load("block-prompt-injection"),
    ];

    static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    static CompiledPolicySet Load(string profile) =>
        CompiledPolicySet.Compile(PolicyStore.LoadEmbeddedWithDirectory(profile, null));

    public static void Run(ReadOnlySpan<byte> data)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(data.ToArray(), Options);
        }
        catch (JsonException)
        {
            return;
        }
        using (document)
        {
            if (!TryRead(document.RootElement, out var call, out var response)) return;
            var counter = new CallCounter();
            counter.TryRecord(call.Tool, Now);
            foreach (var set in Sets)
            {
                _ = set.Evaluate(call, default, Now, counter);
                _ = set.Evaluate(call, new EvaluationOptions("standard", DefaultDeny: true), Now, counter);
                if (response.Length > 0) _ = set.EvaluateResponse(call, response, Now);
            }
            _ = Suggestions.For(call);
        }
    }

    /// <summary>API-020 shape checks; false is the server's 400.</summary>
    static bool TryRead(JsonElement body, out ToolCall call, out string response)
    {
        call = new ToolCall();
        response = "";
        if (body.ValueKind != JsonValueKind.Object) return false;
        // Not TryGetProperty: it unescapes every other name on the way and throws on a lone
        // surrogate escape in any of them.
        var root = Fields(body);
        if (!TryString(root, "tool", out var tool) || !TryString(root, "agent", out var agent) ||
            !TryString(root, "session", out var session) || !TryString(root, "run_id", out var runId) ||
            !TryString(root, "tool_call_id", out var toolCallId) || !TryString(root, "response", out response))
        {
            return false;
        }
        if (!ToolNames.TryCanonicalize(tool.Length == 0 ? "exec" : tool, out var canonical, out _)) return false;
        if (!TryObject(root, "params", out var parameters) || !TryObject(root, "input", out var input)) return false;
        parameters ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var alias in (ReadOnlySpan<string>)["command", "path", "url", "workdir", "cwd"])
        {
            if (!root.TryGetValue(alias, out var value) || value.ValueKind == JsonValueKind.Null) continue;
            if (value.ValueKind != JsonValueKind.String) return false;
            parameters.TryAdd(alias, value);
        }
        var depth = 0;
        if (root.TryGetValue("agent_depth", out var d) && (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out depth))) return false;
        var workdir = parameters.TryGetValue("workdir", out var w) && w.ValueKind == JsonValueKind.String ? JsonText.String(w) : "";
        call = new ToolCall
        {
            Tool = canonical,
            Agent = agent,
            Session = session,
            AgentDepth = depth,
            Workdir = workdir,
            Params = parameters,
            Input = input,
            RunId = runId,
            ToolCallId = toolCallId,
            Timestamp = Now,
        };
        return true;
    }

    static bool TryString(Dictionary<string, JsonElement> root, string name, out string value)
    {
        value = "";
        if (!root.TryGetValue(name, out var e) || e.ValueKind == JsonValueKind.Null) return true;
        if (e.ValueKind != JsonValueKind.String) return false;
        value = JsonText.String(e);
        return true;
    }

    static bool TryObject(Dictionary<string, JsonElement> root, string name, out Dictionary<string, JsonElement>? map)
    {
        map = null;
        if (!root.TryGetValue(name, out var e) || e.ValueKind == JsonValueKind.Null) return true;
        if (e.ValueKind != JsonValueKind.Object) return false;
        map = Fields(e);
        return true;
    }

    /// <summary>Go's decoder keeps the last of duplicate keys and turns invalid UTF-8 and unpaired surrogate escapes into U+FFFD; so does this.</summary>
    static Dictionary<string, JsonElement> Fields(JsonElement obj)
    {
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject()) map[JsonText.Name(p)] = p.Value;
        return map;
    }
}
