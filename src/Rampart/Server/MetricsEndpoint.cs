using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Rampart.Server;

/// <summary><c>GET /metrics</c> (admin), registered only with <c>--metrics</c> (API-100).</summary>
internal sealed class MetricsEndpoint(RunningService service)
{
    public void Map(IEndpointRouteBuilder app) => app.MapGet("/metrics", service.Authorized(TokenScopes.Admin, RenderAsync));

    Task RenderAsync(HttpContext context, Caller caller)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        return context.Response.WriteAsync(service.Metrics.Render(), context.RequestAborted);
    }
}
