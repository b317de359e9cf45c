using System.Collections.Immutable;
using System.Globalization;

namespace Rampart.Core.Policies;

/// <summary>Whether a freshly loaded configuration may replace the active one (POL-032).</summary>
public static class PolicyReload
{
    /// <summary>
    /// Null when <paramref name="candidate"/> may replace <paramref name="active"/>; otherwise the
    /// spec's rejection message. The initial load (<paramref name="active"/> null) is never rejected,
    /// and the reload right after a <c>once</c> rule was consumed may drop to zero policies (POL-044).
    /// </summary>
    public static string? RejectionReason(PolicyConfig? active, PolicyConfig candidate, bool afterOnceClaim)
    {
        if (active is null) return null;
        if (candidate.DefaultAction.Length == 0 && candidate.Policies.IsDefaultOrEmpty)
        {
            return "engine: reload rejected — empty config (file may be mid-write)";
        }
        if (!afterOnceClaim && active.Policies.Length > 0 && candidate.Policies.IsDefaultOrEmpty)
        {
            return string.Create(CultureInfo.InvariantCulture, $"engine: reload rejected — policy count dropped from {active.Policies.Length} to 0");
        }
        return null;
    }

    /// <summary>
    /// "Parsed content identical" (POL-032): structural equality of default action, notify and every
    /// policy. Line numbers and warnings are not content (moving a comment changes nothing).
    /// </summary>
    public static bool HasSameContent(PolicyConfig a, PolicyConfig b)
    {
        if (a.DefaultAction != b.DefaultAction || !SameNotify(a.Notify, b.Notify)) return false;
        return Same(a.Policies, b.Policies, SamePolicy);
    }

    static bool SameNotify(NotifyConfig? a, NotifyConfig? b) =>
        a is null ? b is null : b is not null && a.Url == b.Url && a.Platform == b.Platform && SameStrings(a.On, b.On);

    static bool SamePolicy(Policy a, Policy b) =>
        a.Name == b.Name && a.Description == b.Description && a.Priority == b.Priority && a.Enabled == b.Enabled &&
        a.Source == b.Source && a.IsProject == b.IsProject &&
        SameStrings(a.Match.Tools, b.Match.Tools) && a.Match.Agent == b.Match.Agent && a.Match.Session == b.Match.Session &&
        Same(a.Rules, b.Rules, SameRule);

    static bool SameRule(PolicyRule a, PolicyRule b) =>
        a.Action == b.Action && a.RawAction == b.RawAction && a.Message == b.Message && a.Ask == b.Ask &&
        a.Webhook == b.Webhook && a.ExpiresAt == b.ExpiresAt && a.Once == b.Once && a.Added == b.Added &&
        SameCondition(a.When, b.When);

    static bool SameCondition(Condition a, Condition b) =>
        SameStrings(a.CommandMatches, b.CommandMatches) && SameStrings(a.CommandNotMatches, b.CommandNotMatches) &&
        SameStrings(a.CommandContains, b.CommandContains) && SameStrings(a.CommandEnvAssignments, b.CommandEnvAssignments) &&
        SameStrings(a.PathMatches, b.PathMatches) && SameStrings(a.PathNotMatches, b.PathNotMatches) &&
        SameStrings(a.UrlMatches, b.UrlMatches) && SameStrings(a.DomainMatches, b.DomainMatches) &&
        SameStrings(a.SessionMatches, b.SessionMatches) && SameStrings(a.SessionNotMatches, b.SessionNotMatches) &&
        SameStrings(a.ResponseMatches, b.ResponseMatches) && SameStrings(a.ResponseNotMatches, b.ResponseNotMatches) &&
        a.AgentDepth == b.AgentDepth && a.CallCount == b.CallCount && a.Default == b.Default &&
        Same(a.ToolParamMatches, b.ToolParamMatches, static (x, y) => x.Key == y.Key && x.Value == y.Value);

    static bool SameStrings(ImmutableArray<string> a, ImmutableArray<string> b) => Same(a, b, string.Equals);

    static bool Same<T>(ImmutableArray<T> a, ImmutableArray<T> b, Func<T, T, bool> equal)
    {
        var left = a.IsDefault ? [] : a;
        var right = b.IsDefault ? [] : b;
        if (left.Length != right.Length) return false;
        for (var i = 0; i < left.Length; i++)
        {
            if (!equal(left[i], right[i])) return false;
        }
        return true;
    }
}
