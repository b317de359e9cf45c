using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rampart.Cli;

namespace Rampart.Server;

/// <summary><c>GET /healthz</c> (API-095), <c>GET /v1/status</c> (API-090) and its <c>GET /v1/policy</c> alias (API-096).</summary>
internal sealed class StatusEndpoints(RunningService service)
{
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (RequestDelegate)HealthAsync);
        app.MapGet("/v1/status", service.Authorized(TokenScopes.Admin, StatusAsync));
        // API-096: upstream does not serve it (doctor's probe then passes vacuously); we do.
        app.MapGet("/v1/policy", service.Authorized(TokenScopes.Admin, StatusAsync));
    }

    Task HealthAsync(HttpContext context)
    {
        var uptime = (long)service.Uptime.TotalSeconds;
        // A degraded audit keeps status "ok" — clients use /healthz to recognise a Rampart server and
        // would otherwise treat it as a foreign service (API-095) — and adds "audit":"unavailable".
        var audit = service.Recorder.IsHealthy ? null : "unavailable";
        return ApiResponse.WriteAsync(context, 200, new HealthBody("rampart", "ok", service.Mode.ToWire(), uptime, VersionCommand.Version, audit),
            ApiJsonContext.Default.HealthBody);
    }

    Task StatusAsync(HttpContext context, Caller caller)
    {
        var config = service.Policy.Config;
        var recorder = service.Recorder;
        var body = new StatusBody
        {
            ConfigPath = service.Policy.Sources.DisplayPath,
            Mode = service.Mode.ToWire(),
            DefaultAction = PolicyEndpoints.DefaultActionName(config),
            PolicyCount = config.Policies.Length,
            RuleCount = LivePolicy.RuleCount(config),
            CallCounts = service.Policy.Engine.CallCounts,
            ReloadError = service.Policy.LastReloadError,
            Audit = !recorder.IsConfigured ? "disabled" : recorder.IsHealthy ? "ok" : "unavailable",
            AuditError = recorder.IsHealthy ? null : recorder.LastError,
        };
        return ApiResponse.WriteAsync(context, 200, body, ApiJsonContext.Default.StatusBody);
    }
}
