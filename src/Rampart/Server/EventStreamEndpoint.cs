using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Rampart.Server;

/// <summary><c>GET</c>/<c>HEAD /v1/events/stream</c> (admin; header or <c>?token=</c>): server-sent events (API-080).</summary>
internal sealed class EventStreamEndpoint(RunningService service, IHostApplicationLifetime lifetime)
{
    public void Map(IEndpointRouteBuilder app) =>
        app.MapMethods("/v1/events/stream", ["GET", "HEAD"], service.Authorized(TokenScopes.Admin, StreamAsync, allowQueryToken: true));

    async Task StreamAsync(HttpContext context, Caller caller)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        if (HttpMethods.IsHead(context.Request.Method)) return;

        var frames = service.Events.Subscribe(out var unsubscribe);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            await response.WriteAsync("data: {\"type\":\"connected\"}\n\n", stop.Token);
            await response.Body.FlushAsync(stop.Token);
            await foreach (var json in frames.ReadAllAsync(stop.Token))
            {
                await response.WriteAsync("data: " + json + "\n\n", stop.Token);
                await response.Body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Client went away or the service is stopping: the stream simply ends (API-080).
        }
        finally
        {
            unsubscribe();
        }
    }
}
