using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation;

/// <summary>Which field of a <c>when</c> block an explanation line is about.</summary>
public enum ConditionField
{
    Default,
    Command,
    CommandEnvAssignments,
    Path,
    Url,
    Domain,
    AgentDepth,
    ToolParamMatches,
    CallCount,
    SessionMatches,
    SessionNotMatches,
}

/// <summary>The spelling of a command that a pattern was matched against (POL-049, POL-050, POL-083..POL-086).</summary>
public enum CommandForm
{
    /// <summary>The command as sent (the trace reports every restrictive candidate as Raw; the explanation refines it).</summary>
    Raw,
    /// <summary>A POL-084 body form (the body of <c>bash -c</c>, <c>eval</c>, a wrapper's command …).</summary>
    BodyForm,
    /// <summary>One executed component of a compound command (POL-082).</summary>
    Component,
    /// <summary>A canonical <c>rm</c> alias, one operand at a time (POL-083 2b).</summary>
    CanonicalRm,
    /// <summary>Too many <c>rm</c> aliases to check: counted as a match (POL-083 2b, fail closed).</summary>
    CanonicalRmOverflow,
    /// <summary>The §8.5 normalised form (quotes, backslashes removed).</summary>
    Normalized,
    /// <summary>A POL-085 semantic alias (e.g. <c>/bin/rm</c> read as <c>rm</c>).</summary>
    SemanticAlias,
    /// <summary>A POL-086 cmd.exe / PowerShell reading, compared case-insensitively.</summary>
    AlternateReading,
    /// <summary><c>command_contains</c> on the raw text.</summary>
    Contains,
    /// <summary><c>command_contains</c> on the normalised text (POL-051).</summary>
    ContainsNormalized,
    /// <summary>A composite pattern against the whole command (POL-050 step 2).</summary>
    Composite,
    /// <summary>A <c>command_not_matches</c> exclusion hit (POL-050 step 4, POL-052).</summary>
    Exclusion,
}

/// <summary>
/// Receives the evaluator's own decision points while it runs (POL-053). Null on the hot path: every
/// hook is a single null check, so the explanation can never disagree with the decision.
/// </summary>
internal interface IEvaluationTrace
{
    /// <summary>The in-scope policies in evaluation order (after the POL-034 sort and any policy filter).</summary>
    void InScope(ReadOnlySpan<CompiledPolicy> sorted);

    void RuleExpired(CompiledPolicy policy, CompiledRule rule);

    void RuleStart(CompiledPolicy policy, CompiledRule rule);

    void RuleEnd(bool fired);

    void Field(ConditionField field, bool matched);

    /// <summary><paramref name="text"/> (a <paramref name="form"/> spelling) matched some pattern of <paramref name="patterns"/>.</summary>
    void CommandHit(CommandForm form, string text, GlobSet patterns);

    /// <summary><paramref name="text"/> contained <paramref name="needle"/>.</summary>
    void CommandContains(CommandForm form, string text, string needle);
}
