namespace Rampart.Server;

/// <summary>Who sent a request (API-011): the admin token, or a per-agent token record.</summary>
internal sealed record Caller(AgentToken? Token)
{
    public static readonly Caller Admin = new((AgentToken?)null);

    /// <summary>The service's own admin token; it carries every scope and none of the per-agent effects (API-013).</summary>
    public bool IsAdminToken => Token is null;

    public bool HasScope(string scope) => Token is null || Token.HasScope(scope);
}
