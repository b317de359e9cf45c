using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>POL-055: <c>path_matches</c> / <c>path_not_matches</c> over the path candidates (POL-066, POL-067).</summary>
internal static class PathConditions
{
    public static bool Match(CallContext ctx, PathGlob[] matches, PathGlob[] notMatches, bool restrictive)
    {
        var candidates = ctx.PathCandidates;
        if (candidates.Count == 0) return false;
        // In an indexed walk the bucket's path index has marked, per candidate, the patterns whose literal
        // occurs; the lists are the rule's own, numbered there (RuleIndex.PathsOf).
        var lists = ctx.LivePaths;
        var index = ctx.PathIndex;
        PathCandidateMarks? marks = null;
        if (lists is not null && index is not null)
        {
            marks = ctx.PathMarks;
            if (!marks.IsFor(index)) index.Fill(ctx, marks);
        }
        var workdir = ctx.Workdir;

        // Restrictive: one covered candidate suffices; granting: every spelling (symlink-resolved
        // included) must be covered, so an allow cannot be widened through a link.
        var covered = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (marks is null ? AnyMatches(matches, candidates[i], workdir) : lists!.Matches.AnyMatches(index!, marks, i))
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
                if (!(marks is null ? AnyMatches(notMatches, candidates[i], workdir) : lists!.NotMatches.AnyMatches(index!, marks, i))) return true;
            }
            return false;
        }
        for (var i = 0; i < candidates.Count; i++)
        {
            if (marks is null ? AnyMatches(notMatches, candidates[i], workdir) : lists!.NotMatches.AnyMatches(index!, marks, i)) return false;
        }
        return true;
    }

    static bool AnyMatches(PathGlob[] patterns, string candidate, string workdir) =>
        PathNames.AnyPatternMatches(patterns, candidate, workdir);
}
