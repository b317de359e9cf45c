using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;

namespace Rampart.Server;

/// <summary>Policy introspection and control (admin): <c>/v1/test</c>, <c>/v1/policy/summary</c>, <c>/v1/policies</c>, <c>/v1/policy/reload</c> (API-091..API-094).</summary>
internal sealed class PolicyEndpoints(RunningService service)
{
    static readonly TimeSpan ReloadSpacing = TimeSpan.FromSeconds(1);
    readonly Lock _reloadGate = new();
    DateTimeOffset _lastReloadRequest = DateTimeOffset.MinValue;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/test", service.Authorized(TokenScopes.Admin, TestAsync));
        app.MapGet("/v1/policy/summary", service.Authorized(TokenScopes.Admin, SummaryAsync));
        app.MapGet("/v1/policies", service.Authorized(TokenScopes.Admin, ListAsync));
        app.MapPost("/v1/policy/reload", service.Authorized(TokenScopes.Admin, ReloadAsync));
    }

    /// <summary>API-094: a pure preview of one command, no options, no audit.</summary>
    async Task TestAsync(HttpContext context, Caller caller)
    {
        var body = await RequestBody.ReadJsonAsync(context, "invalid request body: ");
        if (!body.IsOk)
        {
            await ApiResponse.ErrorAsync(context, body.Status, body.Status == 400 ? "invalid request body" : body.Error);
            return;
        }
        using var document = body.Document!;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !TryString(root, "command", out var command) || !TryString(root, "tool", out var tool)
            || !TryString(root, "agent", out var agent) || !TryString(root, "session", out var session))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid request body");
            return;
        }
        if (command.Length == 0)
        {
            await ApiResponse.ErrorAsync(context, 400, "command is required");
            return;
        }
        if (tool.Length == 0) tool = "exec";
        var key = tool is "read" or "write" ? "path" : "command";
        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [key] = CallPreparation.Str(command) };
        var call = new ToolCall { Tool = tool, Agent = agent, Session = session, Params = parameters, Timestamp = service.Time.GetUtcNow() };
        var decision = service.Policy.Engine.Evaluate(call, default);
        await ApiResponse.WriteAsync(context, 200,
            new PolicyTestBody(command, tool, decision.Action.ToWire(), decision.Message,
                decision.MatchedPolicies.IsDefaultOrEmpty ? null : decision.MatchedPolicies, "global"),
            ApiJsonContext.Default.PolicyTestBody);
    }

    /// <summary>API-091: one entry per rule of every enabled policy.</summary>
    Task SummaryAsync(HttpContext context, Caller caller)
    {
        var config = service.Policy.Config;
        var rules = new List<RuleSummaryEntry>();
        foreach (var policy in config.Policies)
        {
            if (!policy.Enabled) continue;
            foreach (var rule in policy.Rules)
            {
                var action = (rule.RawAction.Length > 0 ? rule.RawAction : rule.Action.ToString()).Trim().ToLowerInvariant();
                var summary = rule.Message.Trim() is { Length: > 0 } m ? m : policy.Name.Replace('-', ' ').Replace('_', ' ');
                rules.Add(new RuleSummaryEntry(policy.Name, action, summary));
            }
        }
        var defaultAction = DefaultActionName(config);
        return ApiResponse.WriteAsync(context, 200,
            new PolicySummaryBody(defaultAction, rules, $"{rules.Count} active rules loaded; default action: {defaultAction}"),
            ApiJsonContext.Default.PolicySummaryBody);
    }

    /// <summary>API-092.</summary>
    Task ListAsync(HttpContext context, Caller caller)
    {
        var config = service.Policy.Config;
        var entries = new List<PolicyListEntry>(config.Policies.Length);
        foreach (var p in config.Policies)
        {
            entries.Add(new PolicyListEntry
            {
                Name = p.Name,
                Priority = p.Priority == 0 ? null : p.Priority,
                SourceFile = p.Source,
                MatchTools = p.Match.Tools.IsDefaultOrEmpty ? null : p.Match.Tools,
                MatchAgent = p.Match.Agent.Length == 0 ? null : p.Match.Agent,
                RuleCount = p.Rules.Length,
            });
        }
        return ApiResponse.WriteAsync(context, 200, new PolicyListBody(entries, config.DefaultAction, entries.Count), ApiJsonContext.Default.PolicyListBody);
    }

    /// <summary>API-093: at most one reload request per second; failure keeps the active set.</summary>
    async Task ReloadAsync(HttpContext context, Caller caller)
    {
        var now = service.Time.GetUtcNow();
        lock (_reloadGate)
        {
            if (now - _lastReloadRequest < ReloadSpacing)
            {
                now = DateTimeOffset.MinValue;
            }
            else
            {
                _lastReloadRequest = now;
            }
        }
        if (now == DateTimeOffset.MinValue)
        {
            await ApiResponse.ErrorAsync(context, 429, "reload rate limited, try again in 1 second");
            return;
        }
        var outcome = service.Policy.Reload("api");
        if (!outcome.Succeeded)
        {
            await ApiResponse.WriteAsync(context, 500, new ReloadFailureBody(false, outcome.Error ?? "reload failed"), ApiJsonContext.Default.ReloadFailureBody);
            return;
        }
        await ApiResponse.WriteAsync(context, 200, new ReloadBody(true, outcome.PolicyCount, outcome.RuleCount, (long)outcome.ElapsedMs),
            ApiJsonContext.Default.ReloadBody);
    }

    internal static string DefaultActionName(PolicyConfig config) => config.EffectiveDefault switch
    {
        RuleAction.Allow => "allow",
        RuleAction.Ask => "ask",
        RuleAction.Watch => "watch",
        _ => "deny",
    };

    static bool TryString(JsonElement obj, string name, out string value)
    {
        value = "";
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return true;
        if (v.ValueKind != JsonValueKind.String) return false;
        value = v.GetString()!;
        return true;
    }
}
