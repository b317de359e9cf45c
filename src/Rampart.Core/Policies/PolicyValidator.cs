using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Rampart.Core.Matching;

namespace Rampart.Core.Policies;

/// <summary>
/// Load-time validation of a decoded document (POL-014..POL-022), in upstream's order: version,
/// default action, then per policy its name checks, its match globs, then per rule the POL-020
/// checks followed by the rule's glob bounds. The first failure wins.
/// </summary>
internal static class PolicyValidator
{
    public const int MaxPatternBytes = 8192;
    public const int MaxDoubleStarPatternBytes = 256;
    public const int MaxDoubleStars = 2;
    public const int MaxResponseRegexBytes = 500;
    static readonly TimeSpan MaxCallCountWindow = TimeSpan.FromHours(720);

    /// <summary>Validates and resolves actions/windows; throws <see cref="PolicyLoadException"/>.</summary>
    public static PolicyDocument Validate(PolicyDocument doc, string source, List<string> warnings)
    {
        var version = doc.Version.Trim();
        if (version is not ("" or "1"))
        {
            throw new PolicyLoadException($"engine: unsupported policy version {YamlScalars.GoQuote(doc.Version)}");
        }
        if (doc.DefaultAction.Trim().ToLowerInvariant() is not ("" or "allow" or "deny" or "ask" or "watch" or "log"))
        {
            throw new PolicyLoadException($"engine: invalid default_action {YamlScalars.GoQuote(doc.DefaultAction)}");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var checkedRegexes = new HashSet<string>(StringComparer.Ordinal);
        var policies = ImmutableArray.CreateBuilder<Policy>(doc.Policies.Length);
        for (var index = 0; index < doc.Policies.Length; index++)
        {
            var policy = doc.Policies[index];
            if (policy.Name.Length == 0)
            {
                throw new PolicyLoadException(string.Create(CultureInfo.InvariantCulture, $"engine: policy at index {index} has no name")) { Line = policy.Line };
            }
            if (!names.Add(policy.Name))
            {
                throw new PolicyLoadException($"engine: duplicate policy name {YamlScalars.GoQuote(policy.Name)}") { Line = policy.Line };
            }
            var prefix = $"engine: policy {YamlScalars.GoQuote(policy.Name)}: ";
            var matchError = MatchGlobError(policy.Match);
            if (matchError is not null) throw new PolicyLoadException(prefix + matchError) { Line = policy.Line };

            var rules = ImmutableArray.CreateBuilder<PolicyRule>(policy.Rules.Length);
            for (var r = 0; r < policy.Rules.Length; r++)
            {
                var rule = policy.Rules[r];
                var rulePrefix = prefix + string.Create(CultureInfo.InvariantCulture, $"rule {r}: ");
                if (!TryParseAction(rule.RawAction, out var action, out var actionError))
                {
                    throw new PolicyLoadException(rulePrefix + actionError) { Line = rule.Line };
                }
                if (action == RuleAction.Webhook && string.IsNullOrWhiteSpace(rule.Webhook?.Url))
                {
                    throw new PolicyLoadException(rulePrefix + "webhook action requires webhook.url") { Line = rule.Line };
                }
                if (rule.Webhook is { } hook && hook.Url.Trim().StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                {
                    warnings.Add($"policy {YamlScalars.GoQuote(policy.Name)} rule {r}: webhook URL {hook.Url} uses plain http://");
                }
                var regexError = ResponseRegexError(rule.When.ResponseMatches, checkedRegexes, warnings)
                    ?? ResponseRegexError(rule.When.ResponseNotMatches, checkedRegexes, warnings);
                if (regexError is not null) throw new PolicyLoadException(rulePrefix + regexError) { Line = rule.Line };
                var containsError = CommandContainsError(rule.When);
                if (containsError is not null) throw new PolicyLoadException(rulePrefix + containsError) { Line = rule.Line };
                var when = rule.When;
                if (when.CallCount is { } callCount)
                {
                    var callCountError = CallCountError(callCount, out var window);
                    if (callCountError is not null) throw new PolicyLoadException(rulePrefix + callCountError) { Line = rule.Line };
                    when = when with { CallCount = callCount with { WindowSpan = window } };
                }
                var globError = RuleGlobError(rule.When, string.Create(CultureInfo.InvariantCulture, $"rule {r} "));
                if (globError is not null) throw new PolicyLoadException(prefix + globError) { Line = rule.Line };
                rules.Add(rule with { Action = action, When = when });
            }
            policies.Add(policy with { Rules = rules.MoveToImmutable(), Source = source });
        }
        return doc with { Policies = policies.MoveToImmutable() };
    }

    /// <summary>POL-017: case-insensitive action names, not trimmed; <c>log</c> = watch.</summary>
    public static bool TryParseAction(string raw, out RuleAction action, out string error)
    {
        error = "";
        switch (raw.ToLowerInvariant())
        {
            case "allow": action = RuleAction.Allow; return true;
            case "deny": action = RuleAction.Deny; return true;
            case "watch" or "log": action = RuleAction.Watch; return true;
            case "ask": action = RuleAction.Ask; return true;
            case "webhook": action = RuleAction.Webhook; return true;
            case "require_approval":
                action = RuleAction.Invalid;
                error = "action \"require_approval\" was removed in v0.9.9; use \"ask\" instead (see migration guide)";
                return false;
            default:
                action = RuleAction.Invalid;
                error = $"engine: unknown action {YamlScalars.GoQuote(raw)}";
                return false;
        }
    }

    /// <summary>POL-019 for the match block: <c>match.agent</c>, <c>match.session</c>, every <c>match.tool</c>.</summary>
    public static string? MatchGlobError(PolicyMatch match) =>
        GlobBoundError("match.agent", match.Agent) ?? GlobBoundError("match.session", match.Session) ?? FirstGlobError("match.tool", match.Tools);

    /// <summary>The glob-valued condition keys in POL-019's order.</summary>
    public static (string Key, ImmutableArray<string> Patterns)[] GlobFields(Condition when) =>
    [
        ("command_matches", when.CommandMatches), ("command_not_matches", when.CommandNotMatches),
        ("command_env_assignments", when.CommandEnvAssignments), ("path_matches", when.PathMatches),
        ("path_not_matches", when.PathNotMatches), ("url_matches", when.UrlMatches),
        ("domain_matches", when.DomainMatches), ("session_matches", when.SessionMatches),
        ("session_not_matches", when.SessionNotMatches),
    ];

    /// <summary>POL-019 for a rule's condition, field by field in the spec's order; <paramref name="label"/> is <c>"rule 3 "</c>.</summary>
    static string? RuleGlobError(Condition when, string label)
    {
        foreach (var (key, patterns) in GlobFields(when))
        {
            var error = FirstGlobError(label + key, patterns);
            if (error is not null) return error;
        }
        foreach (var (param, pattern) in when.ToolParamMatches)
        {
            var error = GlobBoundError(label + "tool_param_matches." + param, pattern);
            if (error is not null) return error;
        }
        return null;
    }

    static string? FirstGlobError(string field, ImmutableArray<string> patterns)
    {
        foreach (var p in patterns)
        {
            var error = GlobBoundError(field, p);
            if (error is not null) return error;
        }
        return null;
    }

    /// <summary>POL-019: the first violated bound of one pattern, or null.</summary>
    public static string? GlobBoundError(string field, string pattern)
    {
        foreach (var error in GlobBoundErrors(field, pattern)) return error;
        return null;
    }

    /// <summary>POL-019/POL-098: length (alone when violated), double-star length, double-star count (UTF-8 bytes).</summary>
    public static IEnumerable<string> GlobBoundErrors(string field, string pattern)
    {
        if (pattern.Length == 0) yield break;
        var bytes = Encoding.UTF8.GetByteCount(pattern);
        if (bytes > MaxPatternBytes)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{field} pattern is {bytes} bytes (max {MaxPatternBytes})");
            yield break;
        }
        if (pattern.Contains("**", StringComparison.Ordinal) && bytes > MaxDoubleStarPatternBytes)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{field} double-star pattern is {bytes} bytes (max {MaxDoubleStarPatternBytes})");
        }
        var count = CountDoubleStars(pattern);
        if (count > MaxDoubleStars)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{field} pattern {YamlScalars.GoQuote(pattern)} has {count} ** occurrences (max {MaxDoubleStars})");
        }
    }

    /// <summary>Non-overlapping <c>**</c> occurrences left to right (<c>***</c> = 1, <c>****</c> = 2).</summary>
    public static int CountDoubleStars(string pattern)
    {
        var count = 0;
        for (var i = 0; i + 1 < pattern.Length; i++)
        {
            if (pattern[i] == '*' && pattern[i + 1] == '*')
            {
                count++;
                i++;
            }
        }
        return count;
    }

    /// <summary>POL-020: every <c>command_contains</c> entry non-blank.</summary>
    public static string? CommandContainsError(Condition when)
    {
        for (var k = 0; k < when.CommandContains.Length; k++)
        {
            if (string.IsNullOrWhiteSpace(when.CommandContains[k]))
            {
                return string.Create(CultureInfo.InvariantCulture, $"command_contains pattern {k} must not be empty or whitespace-only");
            }
        }
        return null;
    }

    /// <summary>POL-022 checks in order; <paramref name="window"/> is the parsed window when valid.</summary>
    public static string? CallCountError(CallCountCondition callCount, out TimeSpan window)
    {
        window = TimeSpan.Zero;
        if (callCount.Gte < 0) return "call_count.gte must be >= 0";
        if (callCount.Gte > 1000) return "call_count.gte must be <= 1000";
        if (string.IsNullOrWhiteSpace(callCount.Window)) return "call_count.window is required";
        if (!GoDuration.TryParse(callCount.Window, out window, out var detail))
        {
            return $"invalid call_count.window {YamlScalars.GoQuote(callCount.Window)}: {detail}";
        }
        if (window <= TimeSpan.Zero) return "call_count.window must be > 0";
        if (window > MaxCallCountWindow) return "call_count.window must be <= " + GoDuration.Format(MaxCallCountWindow);
        return null;
    }

    /// <summary>POL-021 for one list of response patterns; each distinct pattern is checked once per document.</summary>
    static string? ResponseRegexError(ImmutableArray<string> patterns, HashSet<string> checkedPatterns, List<string> warnings)
    {
        foreach (var pattern in patterns)
        {
            if (!checkedPatterns.Add(pattern)) continue;
            var error = ResponseRegexError(pattern, warnings);
            if (error is not null) return error;
        }
        return null;
    }

    public static string? ResponseRegexError(string pattern, List<string>? warnings)
    {
        var quoted = YamlScalars.GoQuote(pattern);
        var bytes = Encoding.UTF8.GetByteCount(pattern);
        if (bytes > MaxResponseRegexBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"invalid response regex {quoted}: pattern too long ({bytes} > {MaxResponseRegexBytes} characters)");
        }
        if (HasNestedQuantifiers(pattern)) return $"invalid response regex {quoted}: nested quantifiers are not allowed";
        if (warnings is not null && HasBackReferenceLookalike(pattern))
        {
            warnings.Add($"response regex {quoted} contains a back-reference-like escape; RE2 does not support back-references");
        }
        if (!Re2Regex.TryValidate(pattern, out var compileError)) return $"invalid response regex {quoted}: {compileError}";
        return null;
    }

    static bool HasBackReferenceLookalike(string pattern)
    {
        for (var i = 0; i + 1 < pattern.Length; i++)
        {
            if (pattern[i] == '\\' && pattern[i + 1] is >= '1' and <= '9') return true;
        }
        return false;
    }

    /// <summary>
    /// POL-021's nested-quantifier scan: a quantifier directly after a closed group that itself
    /// contained a quantifier (at any depth) is rejected, e.g. <c>(a+)+</c>, <c>((a)+)*</c>.
    /// </summary>
    public static bool HasNestedQuantifiers(string pattern)
    {
        var marked = new Stack<bool>();
        var lastClosedMarked = false;
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                i += 2;
                lastClosedMarked = false;
                continue;
            }
            if (c == '[')
            {
                i = SkipClass(pattern, i);
                lastClosedMarked = false;
                continue;
            }
            if (c == '(')
            {
                marked.Push(false);
                lastClosedMarked = false;
                i++;
                continue;
            }
            if (c == ')')
            {
                var wasMarked = marked.Count > 0 && marked.Pop();
                if (wasMarked && marked.Count > 0)
                {
                    marked.Pop();
                    marked.Push(true);
                }
                lastClosedMarked = wasMarked;
                i++;
                continue;
            }
            var quantifierLength = QuantifierLength(pattern, i);
            if (quantifierLength > 0)
            {
                if (lastClosedMarked) return true;
                if (marked.Count > 0)
                {
                    marked.Pop();
                    marked.Push(true);
                }
                i += quantifierLength;
                lastClosedMarked = false;
                continue;
            }
            lastClosedMarked = false;
            i++;
        }
        return false;
    }

    static int SkipClass(string pattern, int start)
    {
        var i = start + 1;
        if (i < pattern.Length && pattern[i] == '^') i++;
        if (i < pattern.Length && pattern[i] == ']') i++;
        while (i < pattern.Length && pattern[i] != ']')
        {
            if (pattern[i] == '\\') i++;
            i++;
        }
        return Math.Min(i + 1, pattern.Length + 1);
    }

    /// <summary>Length of a quantifier at <paramref name="i"/>: <c>*</c>, <c>+</c>, <c>?</c> or a brace form with at least one digit.</summary>
    static int QuantifierLength(string pattern, int i)
    {
        var c = pattern[i];
        if (c is '*' or '+' or '?') return 1;
        if (c != '{') return 0;
        var j = i + 1;
        var digits = 0;
        while (j < pattern.Length && char.IsAsciiDigit(pattern[j])) { j++; digits++; }
        if (j < pattern.Length && pattern[j] == ',')
        {
            j++;
            while (j < pattern.Length && char.IsAsciiDigit(pattern[j])) { j++; digits++; }
        }
        if (j < pattern.Length && pattern[j] == '}' && digits > 0) return j - i + 1;
        return 0;
    }
}
