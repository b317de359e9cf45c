namespace Rampart.Core.Evaluation;

/// <summary>Per-call evaluation options (POL-033 steps 3 and 6).</summary>
/// <param name="PolicyFilter">Keep only policies whose source profile name equals this, case-insensitively; null/"" = no filter.</param>
/// <param name="DefaultDeny">Force the default action to deny (per-agent eval tokens, API-013).</param>
public readonly record struct EvaluationOptions(string? PolicyFilter = null, bool DefaultDeny = false);
