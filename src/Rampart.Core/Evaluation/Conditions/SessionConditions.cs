using Rampart.Core.Matching;
using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>POL-047 steps 7 and 10: who is calling — <c>agent_depth</c> and <c>session_matches</c>/<c>session_not_matches</c>.</summary>
internal static class SessionConditions
{
    public static bool MatchDepth(CallContext ctx, AgentDepthRange range)
    {
        var depth = ctx.Call.AgentDepth;
        if (range.Gte is { } gte && depth < gte) return false;
        if (range.Lte is { } lte && depth > lte) return false;
        if (range.Eq is { } eq && depth != eq) return false;
        return true;
    }

    public static bool MatchSession(CallContext ctx, GlobSet matches) => matches.IsMatchAny(ctx.Call.Session);

    public static bool NotMatchSession(CallContext ctx, GlobSet notMatches) => !notMatches.IsMatchAny(ctx.Call.Session);
}
