using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>One compiled <c>tool_param_matches</c> entry: the param name and its lower-cased glob.</summary>
internal sealed record ParamPattern(string Key, GlobPattern LowerGlob);

/// <summary>POL-047 step 8: <c>tool_param_matches</c> reads only the <c>input</c> map, case-insensitively.</summary>
internal static class ParamConditions
{
    public static bool Match(CallContext ctx, ParamPattern[] patterns)
    {
        foreach (var p in patterns)
        {
            var text = ctx.ParamTextLower(p.Key);
            if (text is not null && p.LowerGlob.IsMatch(text)) return true;
        }
        return false;
    }
}
