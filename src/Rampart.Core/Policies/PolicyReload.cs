namespace Rampart.Core.Policies;

/// <summary>Whether a freshly loaded configuration may replace the active one (POL-032).</summary>
public static class PolicyReload
{
    public static string? RejectionReason(PolicyConfig? active, PolicyConfig candidate, bool afterOnceClaim) => throw new NotImplementedException();
    public static bool HasSameContent(PolicyConfig a, PolicyConfig b) => throw new NotImplementedException();
}
