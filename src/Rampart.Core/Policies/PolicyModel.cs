using System.Collections.Immutable;

namespace Rampart.Core.Policies;

// The validated policy model (POL-014..POL-023). The YAML loader produces it; the compiler turns
// it into a CompiledPolicySet. Everything here is immutable so a loaded configuration can be
// shared by concurrent evaluations and swapped atomically on reload (POL-032).

/// <summary>What a rule does when its condition matches (POL-017).</summary>
public enum RuleAction
{
    Allow,
    Deny,
    /// <summary>Allow, but highlight. YAML <c>log</c> is an alias.</summary>
    Watch,
    Ask,
    Webhook,
    /// <summary>Never produced from YAML; kept so the runtime "invalid action" path (POL-035) exists.</summary>
    Invalid,
}

/// <summary>One policy file as decoded and validated (POL-014).</summary>
public sealed record PolicyDocument
{
    /// <summary>Trimmed <c>version</c>: "" or "1".</summary>
    public string Version { get; init; } = "";
    /// <summary>The configured default action exactly as written (may be ""; see <see cref="PolicyConfig.EffectiveDefault"/>).</summary>
    public string DefaultAction { get; init; } = "";
    public NotifyConfig? Notify { get; init; }
    public ImmutableArray<Policy> Policies { get; init; } = [];
    public ImmutableArray<PolicyTestCase> Tests { get; init; } = [];
    /// <summary>Non-fatal findings of validation (plain-http webhooks, back-reference-like regex escapes).</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];
}

/// <summary>A named group of rules with a scope (POL-015).</summary>
public sealed record Policy
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    /// <summary>Priority as written; 0 or absent means 100 (see <see cref="EffectivePriority"/>).</summary>
    public int Priority { get; init; }
    public bool Enabled { get; init; } = true;
    public PolicyMatch Match { get; init; } = PolicyMatch.Everything;
    public ImmutableArray<PolicyRule> Rules { get; init; } = [];
    /// <summary>Absolute path of the file, or <c>embedded:NAME</c> for a built-in profile (POL §3).</summary>
    public string Source { get; init; } = "";
    /// <summary>Layered from a repository's <c>.rampart/policy.yaml</c> (POL-031): may only restrict.</summary>
    public bool IsProject { get; init; }
    /// <summary>1-based line of the policy in its file, for error messages and lint; 0 when unknown.</summary>
    public int Line { get; init; }

    /// <summary>POL-015: <c>priority: 0</c> is the same as no priority (Doc/code disagreement kept).</summary>
    public int EffectivePriority => Priority == 0 ? 100 : Priority;

    /// <summary>Base name of <see cref="Source"/> without <c>.yaml</c>/<c>.yml</c>; <c>embedded:standard</c> → <c>standard</c>.</summary>
    public string ProfileName => ProfileNames.Of(Source);
}

/// <summary>Which calls a policy applies to (POL-016).</summary>
public sealed record PolicyMatch
{
    public static readonly PolicyMatch Everything = new();

    /// <summary>Tool patterns; empty = every tool. <c>tool: ""</c> is a list holding "" (matches nothing).</summary>
    public ImmutableArray<string> Tools { get; init; } = [];
    /// <summary>Agent glob as written; "" means <c>*</c>.</summary>
    public string Agent { get; init; } = "";
    /// <summary>Session glob as written; "" means <c>*</c>.</summary>
    public string Session { get; init; } = "";

    public string EffectiveAgent => Agent.Length == 0 ? "*" : Agent;
    public string EffectiveSession => Session.Length == 0 ? "*" : Session;
}

/// <summary>One rule of a policy (POL-017).</summary>
public sealed record PolicyRule
{
    public RuleAction Action { get; init; }
    /// <summary>The action text as written (for lint and error messages).</summary>
    public string RawAction { get; init; } = "";
    public Condition When { get; init; } = Condition.Unconditional;
    public string Message { get; init; } = "";
    public AskOptions Ask { get; init; } = AskOptions.None;
    public WebhookOptions? Webhook { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool Once { get; init; }
    public DateTimeOffset? Added { get; init; }
    /// <summary>1-based line of the rule in its file; 0 when unknown.</summary>
    public int Line { get; init; }

    /// <summary>POL-046: deny and ask resolve ambiguity towards matching.</summary>
    public bool IsRestrictive => Action is RuleAction.Deny or RuleAction.Ask or RuleAction.Invalid;
}

/// <summary>A rule's <c>when</c> block (POL-018). Empty lists mean "field not set".</summary>
public sealed record Condition
{
    public static readonly Condition Unconditional = new();

    public ImmutableArray<string> CommandMatches { get; init; } = [];
    public ImmutableArray<string> CommandNotMatches { get; init; } = [];
    public ImmutableArray<string> CommandContains { get; init; } = [];
    public ImmutableArray<string> CommandEnvAssignments { get; init; } = [];
    public ImmutableArray<string> PathMatches { get; init; } = [];
    public ImmutableArray<string> PathNotMatches { get; init; } = [];
    public ImmutableArray<string> UrlMatches { get; init; } = [];
    public ImmutableArray<string> DomainMatches { get; init; } = [];
    public ImmutableArray<string> SessionMatches { get; init; } = [];
    public ImmutableArray<string> SessionNotMatches { get; init; } = [];
    public ImmutableArray<string> ResponseMatches { get; init; } = [];
    public ImmutableArray<string> ResponseNotMatches { get; init; } = [];
    public AgentDepthRange? AgentDepth { get; init; }
    /// <summary>param name → glob, in file order (upstream iterates a Go map; order is unspecified there).</summary>
    public ImmutableArray<KeyValuePair<string, string>> ToolParamMatches { get; init; } = [];
    public CallCountCondition? CallCount { get; init; }
    public bool Default { get; init; }
}

/// <summary><c>agent_depth: {gte, lte, eq}</c>; each bound optional.</summary>
public sealed record AgentDepthRange(int? Gte, int? Lte, int? Eq);

/// <summary><c>call_count: {tool, gte, window}</c> (POL-022, POL-043).</summary>
public sealed record CallCountCondition(string Tool, int Gte, string Window, TimeSpan WindowSpan);

/// <summary><c>ask: {audit, headless_only}</c> (POL-017, POL-036).</summary>
public sealed record AskOptions(bool Audit, bool HeadlessOnly)
{
    public static readonly AskOptions None = new(false, false);
}

/// <summary><c>webhook: {url, timeout, fail_open}</c>; <see cref="EffectiveTimeout"/> is 5 s when unset or ≤ 0, capped at 30 s.</summary>
public sealed record WebhookOptions(string Url, TimeSpan EffectiveTimeout, bool FailOpen);

/// <summary>The EXTENDED <c>notify</c> block (POL-023); only the notifier reads it.</summary>
public sealed record NotifyConfig(string Url, string Platform, ImmutableArray<string> On);

/// <summary>An inline or suite test case (POL-101).</summary>
public sealed record PolicyTestCase
{
    public string Name { get; init; } = "";
    public string Tool { get; init; } = "";
    public string Agent { get; init; } = "test";
    /// <summary>Parameters as JSON text of an object (the loader converts YAML to JSON), "{}" when absent.</summary>
    public string ParamsJson { get; init; } = "{}";
    public string Expect { get; init; } = "";
    public string? ExpectMessage { get; init; }
}

/// <summary>
/// A merged configuration from one or more sources (POL-025..POL-031): what the compiler compiles
/// and what reload swaps.
/// </summary>
public sealed record PolicyConfig
{
    public static readonly PolicyConfig Empty = new();

    /// <summary>Configured default action as written; "" means deny.</summary>
    public string DefaultAction { get; init; } = "";
    public NotifyConfig? Notify { get; init; }
    public ImmutableArray<Policy> Policies { get; init; } = [];
    /// <summary>Warnings produced while merging (skipped duplicates, http:// webhooks …).</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];

    /// <summary>POL-014: empty means deny, <c>log</c> means watch.</summary>
    public RuleAction EffectiveDefault => DefaultAction.Trim().ToLowerInvariant() switch
    {
        "allow" => RuleAction.Allow,
        "ask" => RuleAction.Ask,
        "watch" or "log" => RuleAction.Watch,
        _ => RuleAction.Deny,
    };
}

/// <summary>Profile names of policy sources (POL §3).</summary>
public static class ProfileNames
{
    public const string EmbeddedPrefix = "embedded:";

    /// <summary>Base name without <c>.yaml</c>/<c>.yml</c>; for <c>embedded:NAME</c> the NAME.</summary>
    public static string Of(string source)
    {
        if (source.Length == 0) return "";
        if (source.StartsWith(EmbeddedPrefix, StringComparison.Ordinal)) return source[EmbeddedPrefix.Length..];
        var name = Path.GetFileName(source);
        if (name.EndsWith(".yaml", StringComparison.Ordinal)) return name[..^5];
        if (name.EndsWith(".yml", StringComparison.Ordinal)) return name[..^4];
        return name;
    }
}

/// <summary>A policy that could not be loaded; <see cref="Exception.Message"/> is the user-facing text (e.g. <c>engine: duplicate policy name "x"</c>).</summary>
public sealed class PolicyLoadException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// Where the problem is (issue 2: file:line:column), kept out of <see cref="Exception.Message"/>
    /// because the message text is fixed by the spec (POL-024). "" / 0 when unknown.
    /// </summary>
    public string File { get; init; } = "";
    public int Line { get; init; }
    public int Column { get; init; }

    /// <summary><c>file:line[:column]</c>, or "" when the loader does not know the line.</summary>
    public string Location => File.Length == 0 || Line <= 0 ? ""
        : Column > 0 ? $"{File}:{Line}:{Column}" : $"{File}:{Line}";

    /// <summary>The same error, placed in <paramref name="file"/> (keeps a position it already has).</summary>
    internal PolicyLoadException In(string file, string? message = null) =>
        new(message ?? Message, message is null ? InnerException : this) { File = File.Length > 0 ? File : file, Line = Line, Column = Column };
}
