using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>POL-047 steps 5 and 6: <c>url_matches</c> (general glob on the raw url) and <c>domain_matches</c> (POL-061).</summary>
internal static class UrlConditions
{
    public static bool MatchUrl(CallContext ctx, GlobSet patterns) =>
        ctx.Url.Length > 0 && patterns.IsMatchAny(ctx.Url);

    public static bool MatchDomain(CallContext ctx, DomainGlob[] patterns)
    {
        var domain = ctx.Domain;
        if (domain.Length == 0) return false;
        foreach (var pattern in patterns)
        {
            if (pattern.IsMatch(domain)) return true;
        }
        return false;
    }
}
