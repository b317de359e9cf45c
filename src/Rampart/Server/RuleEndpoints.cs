using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Rampart.Core.Policies;

namespace Rampart.Server;

/// <summary>
/// The always-allow rules written by approvals (API-060/API-061, admin only):
/// <c>GET /v1/rules/auto-allowed</c> and <c>DELETE /v1/rules/auto-allowed/{name}</c>.
/// </summary>
internal sealed class RuleEndpoints(RunningService service)
{
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/rules/auto-allowed", service.Authorized(TokenScopes.Admin, ListAsync));
        app.MapDelete("/v1/rules/auto-allowed/{name}", service.Authorized(TokenScopes.Admin, DeleteAsync));
    }

    /// <summary>API-060.</summary>
    async Task ListAsync(HttpContext context, Caller caller)
    {
        IReadOnlyList<Approvals.AutoAllowedRule> rules;
        try
        {
            rules = service.Approvals.AutoAllow.List();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PolicyLoadException)
        {
            service.Log.LogError("auto-allowed rules unreadable: error={Error}", e.Message);
            await ApiResponse.ErrorAsync(context, 500, "failed to read auto-allowed rules: " + e.Message);
            return;
        }
        await ApiResponse.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("rules");
            w.WriteStartArray();
            foreach (var r in rules)
            {
                w.WriteStartObject();
                w.WriteNumber("index", r.Index);
                w.WriteString("tool", r.Tool);
                w.WriteString("command_pattern", r.CommandPattern);
                if (r.PathPattern.Length > 0) w.WriteString("path_pattern", r.PathPattern);
                w.WriteString("name", r.Name);
                if (r.Created is { } created) w.WriteString("created", created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>API-061: remove under the file lock, then reload.</summary>
    async Task DeleteAsync(HttpContext context, Caller caller)
    {
        // Route values arrive decoded once (API-006: a path parameter is a URL-decoded single segment).
        var name = context.Request.RouteValues["name"] as string ?? "";
        bool removed;
        try
        {
            removed = service.Approvals.AutoAllow.Remove(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException or PolicyLoadException or YamlDotNet.Core.YamlException)
        {
            service.Log.LogError("auto-allowed rule not removed: name={Name} error={Error}", name, e.Message);
            await ApiResponse.ErrorAsync(context, 500, "failed to remove rule: " + e.Message);
            return;
        }
        if (!removed)
        {
            await ApiResponse.ErrorAsync(context, 404, $"no rule with name \"{name}\"");
            return;
        }
        var outcome = service.Policy.Reload("rule removed");
        if (!outcome.Succeeded)
        {
            await ApiResponse.ErrorAsync(context, 500, "policy written but reload failed: " + outcome.Error);
            return;
        }
        service.Log.LogInformation("auto-allowed rule removed: name={Name}", name);
        await ApiResponse.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("deleted", true);
            w.WriteEndObject();
        });
    }
}
