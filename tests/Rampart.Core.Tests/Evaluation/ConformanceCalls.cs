using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>Turns conformance YAML into tool calls and compares decisions field by field.</summary>
internal static class ConformanceCalls
{
    public static ToolCall ToCall(Dictionary<string, object?> call) => new()
    {
        Tool = call.Str("tool"),
        Agent = call.Str("agent"),
        Session = call.Str("session"),
        AgentDepth = call.TryGetValue("agent_depth", out var d) && d is long depth ? (int)depth : 0,
        Workdir = call.Str("workdir"),
        Params = call.Map("params") is { } p ? ConformanceYaml.ToJsonMap(p) : ToolCall.NoParams,
        Input = call.TryGetValue("input", out var i) && i is Dictionary<string, object?> input ? ConformanceYaml.ToJsonMap(input) : null,
    };

    public static DecisionAction ParseAction(string wire) => wire switch
    {
        "allow" => DecisionAction.Allow,
        "deny" => DecisionAction.Deny,
        "watch" or "log" => DecisionAction.Watch,
        "ask" => DecisionAction.Ask,
        "webhook" => DecisionAction.Webhook,
        _ => throw new InvalidDataException("unknown action " + wire),
    };

    static List<string> Strings(Dictionary<string, object?> map, string key)
    {
        var result = new List<string>();
        if (map.List(key) is { } list)
        {
            foreach (var item in list) result.Add(item?.ToString() ?? "");
        }
        return result;
    }

    /// <summary>Every difference between <paramref name="expect"/> and <paramref name="actual"/>; empty when equal.</summary>
    public static string Compare(Dictionary<string, object?> expect, Decision actual, bool compareSuggestions = true)
    {
        var diffs = new StringBuilder();
        void Diff(string field, object? want, object? got) =>
            diffs.Append(CultureInfo.InvariantCulture, $" {field}: want <{want}> got <{got}>;");

        var action = expect.Str("action");
        if (actual.Action.ToWire() != action) Diff("action", action, actual.Action.ToWire());
        if (expect.ContainsKey("message") && actual.Message != expect.Str("message")) Diff("message", expect.Str("message"), actual.Message);
        if (expect.ContainsKey("matched_policies"))
        {
            var want = string.Join(",", Strings(expect, "matched_policies"));
            var got = string.Join(",", actual.MatchedPolicies);
            if (want != got) Diff("matched_policies", want, got);
        }
        if (compareSuggestions)
        {
            var want = string.Join(" | ", Strings(expect, "suggestions"));
            var got = string.Join(" | ", actual.Suggestions);
            if (want != got) Diff("suggestions", want, got);
        }
        Flag("from_project_policy", actual.FromProjectPolicy);
        Flag("ask_audit", actual.AskAudit);
        Flag("headless_only", actual.HeadlessOnly);
        Flag("webhook_fail_open", actual.Webhook?.FailOpen ?? false);
        var url = expect.Str("webhook_url");
        if (url != (actual.Webhook?.Url ?? "")) Diff("webhook_url", url, actual.Webhook?.Url);
        if (expect.ContainsKey("webhook_timeout"))
        {
            var text = expect.Str("webhook_timeout");
            if (!GoDuration.TryParse(text, out var want, out _) || actual.Webhook?.EffectiveTimeout != want)
                Diff("webhook_timeout", text, actual.Webhook?.EffectiveTimeout);
        }
        return diffs.ToString();

        void Flag(string key, bool got)
        {
            var want = expect.TryGetValue(key, out var v) && v is true;
            if (want != got) Diff(key, want, got);
        }
    }

    /// <summary>JSON text (valid YAML flow syntax) without HTML-safe escaping, for embedding conditions in policy YAML.</summary>
    public static string ToYamlFlow(object? value) =>
        ConformanceYaml.ToJson(value, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The case list of one conformance file, by id.</summary>
    public static Dictionary<string, Dictionary<string, object?>> ById(string file)
    {
        var result = new Dictionary<string, Dictionary<string, object?>>(StringComparer.Ordinal);
        foreach (var item in ConformanceYaml.LoadList(SharedFiles.Conformance(file)))
        {
            var map = (Dictionary<string, object?>)item!;
            result[map.Str("id")] = map;
        }
        return result;
    }

    public static ImmutableArray<string> Empty => [];
}
