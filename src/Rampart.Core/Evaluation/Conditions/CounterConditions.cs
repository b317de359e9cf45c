using Rampart.Core.Policies;

namespace Rampart.Core.Evaluation.Conditions;

/// <summary>A <c>call_count</c> condition with its trimmed target (POL-043).</summary>
internal sealed record CounterCondition(string TrimmedTool, int Gte, TimeSpan Window)
{
    public static CounterCondition From(CallCountCondition c) => new(c.Tool.Trim(), c.Gte, c.WindowSpan);
}

/// <summary>POL-043: recorded calls of the target tool inside <c>[now − window, now]</c> reach <c>gte</c>.</summary>
internal static class CounterConditions
{
    public static bool Match(CallContext ctx, CounterCondition condition)
    {
        if (ctx.Counter is not { } counter) return false;
        if (condition.Window <= TimeSpan.Zero) return false;
        var tool = condition.TrimmedTool.Length > 0 ? condition.TrimmedTool : ctx.Call.Tool;
        if (tool.Length == 0) return false;
        return counter.Count(tool, ctx.Now - condition.Window, ctx.Now) >= condition.Gte;
    }
}
