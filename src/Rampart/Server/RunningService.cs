using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Rampart.Server;

/// <summary>The live parts of one <c>rampart serve</c> that endpoints share (constructed once at start-up).</summary>
internal sealed class RunningService(
    ServeOptions options,
    LivePolicy policy,
    Authenticator authenticator,
    DecisionRecorder recorder,
    DecisionMetrics metrics,
    EventBroadcaster events,
    WebhookAction webhooks,
    TimeProvider time,
    ILogger log)
{
    public ServeOptions Options { get; } = options;
    /// <summary>Credential checks for routes that answer refusals in their own format (the Claude Code hook route).</summary>
    public Authenticator Authenticator { get; } = authenticator;
    public LivePolicy Policy { get; } = policy;
    public DecisionRecorder Recorder { get; } = recorder;
    public DecisionMetrics Metrics { get; } = metrics;
    public EventBroadcaster Events { get; } = events;
    public WebhookAction Webhooks { get; } = webhooks;
    public TimeProvider Time { get; } = time;
    public ILogger Log { get; } = log;
    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();
    readonly long _startedTimestamp = time.GetTimestamp();
    /// <summary>Time since start on the monotonic clock, like Go's <c>time.Since</c>: a wall-clock jump cannot make it negative (issue 8).</summary>
    public TimeSpan Uptime => Time.GetElapsedTime(_startedTimestamp);
    public ServiceMode Mode => Options.Mode;
    /// <summary>The approval queue and its routes' logic (API-040..API-053); set once at start-up.</summary>
    public Approvals.ApprovalService Approvals { get; set; } = null!;

    /// <summary>The caller of a request: the kernel's peer identity on the Unix socket (<see cref="SocketPeer"/>), else the bearer token.</summary>
    public AuthResult Authenticate(HttpContext context, string? token, string scope) =>
        SocketPeerOf(context) is { } peer ? peer.Authenticate(scope) : Authenticator.Authenticate(token, scope);

    /// <summary>
    /// The socket peer of a request. Only <see cref="UnixSocketListener"/> sets it, and only when
    /// serve listens on a socket, so without one the feature lookup (a scan past every known
    /// feature type on each request, issue 3) is skipped.
    /// </summary>
    SocketPeer? SocketPeerOf(HttpContext context) => Options.UnixSocket is null ? null : context.Features.Get<SocketPeer>();

    /// <summary>Wraps a handler with bearer authentication for <paramref name="scope"/> (API-010..API-012).</summary>
    /// <param name="allowQueryToken">Only the event stream accepts <c>?token=</c> (API-010), with a warning.</param>
    /// <remarks>
    /// Not an async lambda (issue 3): a handler that completes synchronously, like every decision
    /// without an approval wait, costs no extra state machine; a synchronous throw reaches the
    /// exception guard in front of the routes like a faulted task. The header's token is compared
    /// as a slice of the header, without a copy.
    /// </remarks>
    public RequestDelegate Authorized(string scope, Func<HttpContext, Caller, Task> handler, bool allowQueryToken = false) => context =>
    {
        var result = AuthenticateRequest(context, scope, allowQueryToken);
        return result.Caller is { } caller ? handler(context, caller) : ApiResponse.ErrorAsync(context, result.Status, result.Error);
    };

    AuthResult AuthenticateRequest(HttpContext context, string scope, bool allowQueryToken)
    {
        var hasBearer = Authenticator.TryBearer(context.Request.Headers.Authorization, out var bearer);
        string? token = null;
        if (!hasBearer && allowQueryToken && context.Request.Query.TryGetValue("token", out var q) && q.Count > 0)
        {
            token = q[0];
            Log.LogWarning("event stream authenticated with a ?token= query parameter; prefer the Authorization header");
        }
        if (SocketPeerOf(context) is { } peer) return peer.Authenticate(scope);
        return hasBearer ? Authenticator.Authenticate(bearer, scope) : Authenticator.Authenticate(token, scope);
    }
}
