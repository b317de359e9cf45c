using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>POL-055: <c>path_matches</c> / <c>path_not_matches</c> over the path candidates (POL-066, POL-067).</summary>
internal static class PathConditions
{
    public static bool Match(CallContext ctx, PathGlob[] matches, PathGlob[] notMatches, bool restrictive)
    {
        var candidates = ctx.PathCandidates;
        if (candidates.Count == 0) return false;
        var workdir = ctx.Workdir;

        // Restrictive: one covered candidate suffices; granting: every spelling (symlink-resolved
        // included) must be covered, so an allow cannot be widened through a link.
        var covered = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (AnyMatches(matches, candidates[i], workdir))
            {
                covered++;
                if (restrictive) break;
            }
            else if (!restrictive)
            {
                return false;
            }
        }
        if (covered == 0) return false;
        if (notMatches.Length == 0) return true;

        if (restrictive)
        {
            // Excluded only when every spelling is excluded: an exception for the workspace cannot
            // be used to reach /etc through a workspace symlink.
            for (var i = 0; i < candidates.Count; i++)
            {
                if (!AnyMatches(notMatches, candidates[i], workdir)) return true;
            }
            return false;
        }
        for (var i = 0; i < candidates.Count; i++)
        {
            if (AnyMatches(notMatches, candidates[i], workdir)) return false;
        }
        return true;
    }

    static bool AnyMatches(PathGlob[] patterns, string candidate, string workdir) =>
        PathNames.AnyPatternMatches(patterns, candidate, workdir);
}
