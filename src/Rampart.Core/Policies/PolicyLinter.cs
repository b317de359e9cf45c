using System.Globalization;
using System.Text;

namespace Rampart.Core.Policies;

/// <summary>One lint finding: severity <c>error</c>/<c>warning</c>/<c>info</c>, 1-based line (0 = none), message (POL-094..POL-100).</summary>
public sealed record LintFinding(string Severity, int Line, string Message)
{
    public const string Error = "error";
    public const string Warning = "warning";
    public const string Info = "info";
}

/// <summary><c>rampart policy lint</c> checks (POL-094..POL-100); findings are in the order upstream produces them.</summary>
public static class PolicyLinter
{
    static readonly HashSet<string> ConditionKeys = new(StringComparer.Ordinal)
    {
        "command_matches", "command_not_matches", "command_contains", "command_env_assignments",
        "path_matches", "path_not_matches", "url_matches", "domain_matches", "session_matches",
        "session_not_matches", "agent_depth", "tool_param_matches", "call_count", "response_matches",
        "response_not_matches", "default",
    };

    static readonly Dictionary<string, string> ConditionTypos = new(StringComparer.Ordinal)
    {
        ["command_match"] = "command_matches", ["commands_match"] = "command_matches", ["commands_matches"] = "command_matches",
        ["path_match"] = "path_matches", ["paths_match"] = "path_matches", ["paths_matches"] = "path_matches",
        ["url_match"] = "url_matches", ["urls_match"] = "url_matches", ["urls_matches"] = "url_matches",
        ["domain_match"] = "domain_matches", ["domains_match"] = "domain_matches", ["domains_matches"] = "domain_matches",
    };

    static readonly Dictionary<string, string> ActionTypos = new(StringComparer.Ordinal)
    {
        ["block"] = "deny", ["blok"] = "deny", ["denyy"] = "deny",
        ["alow"] = "allow", ["allaw"] = "allow", ["permit"] = "allow",
        ["logging"] = "log", ["approve"] = "ask", ["approval"] = "ask",
    };

    /// <summary>Lints the file at <paramref name="path"/> (POL-094: unreadable → one error).</summary>
    public static IReadOnlyList<LintFinding> Lint(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException
                ? $"open {path}: no such file or directory" : ex.Message;
            return [new LintFinding(LintFinding.Error, 0, "cannot read file: " + reason)];
        }
        return LintText(text);
    }

    /// <summary>Lints YAML text (only the first document is read).</summary>
    public static IReadOnlyList<LintFinding> LintText(string yaml)
    {
        var findings = new List<LintFinding>();
        YamlNode? root;
        try
        {
            var documents = YamlTree.Parse(yaml, 1);
            root = documents.Count > 0 ? documents[0] : null;
        }
        catch (YamlSyntaxException ex)
        {
            findings.Add(new(LintFinding.Error, 0, "invalid YAML: " + ex.Message));
            return findings;
        }
        try
        {
            PolicyDecoder.CheckGenericMap(root);
        }
        catch (PolicyDecodeException ex)
        {
            findings.Add(new(LintFinding.Error, 0, "invalid YAML structure: " + ex.Message));
            return findings;
        }
        WalkTree(root, findings);
        PolicyDocument doc;
        try
        {
            doc = PolicyDecoder.Decode(root, knownFields: false);
        }
        catch (PolicyDecodeException ex)
        {
            findings.Add(new(LintFinding.Error, 0, "invalid policy structure: " + ex.Message));
            return findings;
        }
        CheckDocument(doc, RawPolicies(root), findings);
        return findings;
    }

    /// <summary>POL-100 text: one line per finding, the summary, and the note for warning-only results.</summary>
    public static string Format(string file, IReadOnlyList<LintFinding> findings)
    {
        var sb = new StringBuilder();
        int errors = 0, warnings = 0, infos = 0;
        foreach (var f in findings)
        {
            sb.Append(file);
            if (f.Line > 0) sb.Append(':').Append(f.Line.ToString(CultureInfo.InvariantCulture));
            sb.Append(": ").Append(f.Severity).Append(": ").Append(f.Message).Append('\n');
            switch (f.Severity)
            {
                case LintFinding.Error: errors++; break;
                case LintFinding.Warning: warnings++; break;
                default: infos++; break;
            }
        }
        var counts = new List<string>();
        if (errors > 0) counts.Add(errors.ToString(CultureInfo.InvariantCulture) + " error(s)");
        if (warnings > 0) counts.Add(warnings.ToString(CultureInfo.InvariantCulture) + " warning(s)");
        if (infos > 0) counts.Add(infos.ToString(CultureInfo.InvariantCulture) + " info(s)");
        sb.Append(file).Append(": ").Append(counts.Count == 0 ? "no issues found" : string.Join(", ", counts)).Append('\n');
        if (warnings > 0 && errors == 0)
        {
            sb.Append('\n');
            sb.Append("Warnings are informational — your policy still works.\n");
            sb.Append("Fix them to tighten your rules, or ignore if intentional.\n");
        }
        return sb.ToString();
    }

    /// <summary>True when any finding is an error (exit status 1, POL-100).</summary>
    public static bool HasErrors(IReadOnlyList<LintFinding> findings)
    {
        foreach (var f in findings)
        {
            if (f.Severity == LintFinding.Error) return true;
        }
        return false;
    }

    // ---- POL-095 tree walk ------------------------------------------------------------------

    static void WalkTree(YamlNode? root, List<LintFinding> findings)
    {
        var policies = Value(root, "policies");
        if (policies is not { Kind: YamlKind.Sequence }) return;
        foreach (var policy in policies.Items)
        {
            if (policy.Kind != YamlKind.Mapping) continue;
            var rules = Value(policy, "rules");
            if (rules is not { Kind: YamlKind.Sequence }) continue;
            foreach (var rule in rules.Items)
            {
                if (rule.Kind != YamlKind.Mapping) continue;
                for (var i = 0; i + 1 < rule.Items.Count; i += 2)
                {
                    var key = rule.Items[i];
                    var value = rule.Items[i + 1];
                    switch (key.Value)
                    {
                        case "match":
                            findings.Add(new(LintFinding.Warning, key.Line, "\"match\" is not valid in a rule — did you mean \"when\"?"));
                            break;
                        case "reason":
                            findings.Add(new(LintFinding.Warning, key.Line, "\"reason\" is not a valid field — did you mean \"message\"?"));
                            break;
                        case "when" when value.Kind == YamlKind.Mapping:
                            for (var j = 0; j + 1 < value.Items.Count; j += 2)
                            {
                                var condition = value.Items[j];
                                if (ConditionKeys.Contains(condition.Value)) continue;
                                var message = $"unknown condition field \"{condition.Value}\"";
                                if (ConditionTypos.TryGetValue(condition.Value, out var suggestion)) message += $" (did you mean \"{suggestion}\"?)";
                                findings.Add(new(LintFinding.Error, condition.Line, message));
                            }
                            break;
                    }
                }
            }
        }
    }

    static YamlNode? Value(YamlNode? map, string key)
    {
        if (map is not { Kind: YamlKind.Mapping }) return null;
        for (var i = 0; i + 1 < map.Items.Count; i += 2)
        {
            if (map.Items[i].Kind == YamlKind.Scalar && map.Items[i].Value == key) return map.Items[i + 1];
        }
        return null;
    }

    /// <summary>The raw policy mappings, index-aligned with the decoded policies (for the top-level <c>action</c> check).</summary>
    static List<YamlNode?> RawPolicies(YamlNode? root)
    {
        var result = new List<YamlNode?>();
        if (Value(root, "policies") is { Kind: YamlKind.Sequence } seq) result.AddRange(seq.Items);
        return result;
    }

    // ---- POL-096..POL-099 -------------------------------------------------------------------

    static void CheckDocument(PolicyDocument doc, List<YamlNode?> rawPolicies, List<LintFinding> findings)
    {
        if (doc.DefaultAction.Length == 0)
        {
            findings.Add(new(LintFinding.Info, 0, "default_action not explicitly set (implicit deny)"));
        }
        else if (doc.DefaultAction.Equals("allow", StringComparison.OrdinalIgnoreCase))
        {
            findings.Add(new(LintFinding.Warning, 0, "default_action is \"allow\" - tool calls not matched by any policy will be permitted. Consider using default_action: deny with explicit allow rules for stronger security."));
        }
        if (doc.Policies.IsDefaultOrEmpty)
        {
            findings.Add(new(LintFinding.Warning, 0, "policy has no rules"));
            return;
        }
        for (var index = 0; index < doc.Policies.Length; index++)
        {
            var raw = index < rawPolicies.Count ? rawPolicies[index] : null;
            CheckPolicy(doc, index, raw, findings);
        }
    }

    static void CheckPolicy(PolicyDocument doc, int index, YamlNode? raw, List<LintFinding> findings)
    {
        var policy = doc.Policies[index];
        var name = policy.Name;
        var match = policy.Match;
        AddGlobFindings(name, "", "match.agent", match.Agent, findings);
        AddGlobFindings(name, "", "match.session", match.Session, findings);
        foreach (var tool in match.Tools) AddGlobFindings(name, "", "match.tool", tool, findings);

        if (policy.Rules.IsDefaultOrEmpty)
        {
            findings.Add(new(LintFinding.Warning, 0, $"policy \"{name}\" has no rules"));
            if (Value(raw, "action") is not null)
            {
                findings.Add(new(LintFinding.Error, 0, $"policy \"{name}\" has an \"action\" field at the top level — did you mean to put it under \"rules:\"?"));
            }
        }

        for (var i = 0; i < policy.Rules.Length; i++)
        {
            var rule = policy.Rules[i];
            var number = i + 1;
            var label = string.Create(CultureInfo.InvariantCulture, $"policy \"{name}\" rule {number}");
            var action = rule.RawAction.ToLowerInvariant();
            if (action is not ("allow" or "deny" or "watch" or "log" or "webhook" or "ask"))
            {
                var message = $"unknown action \"{rule.RawAction}\"";
                if (ActionTypos.TryGetValue(action, out var suggestion)) message += $" (did you mean \"{suggestion}\"?)";
                findings.Add(new(LintFinding.Error, 0, message));
            }
            if (action == "log")
            {
                findings.Add(new(LintFinding.Warning, 0, label + ": action \"log\" is deprecated — use \"watch\" instead (same behavior, clearer name)"));
            }
            if (action == "require_approval")
            {
                findings.Add(new(LintFinding.Error, 0, "action \"require_approval\" was removed in v0.9.9; use \"ask\" instead"));
            }
            if (action == "ask" && match.EffectiveAgent != "claude-code")
            {
                findings.Add(new(LintFinding.Info, 0, label + ": action \"ask\" uses the native Claude Code permission prompt when available; other agents queue for approval via the dashboard. Add match.agent: [\"claude-code\"] to restrict to Claude Code only."));
            }
            if (IsEmpty(rule.When))
            {
                findings.Add(new(LintFinding.Info, 0, label + " has no conditions — matches all tool calls in scope"));
            }
            var ruleLabel = string.Create(CultureInfo.InvariantCulture, $" rule {number}");
            AddRuleGlobFindings(name, ruleLabel, rule.When, findings);
            var containsError = PolicyValidator.CommandContainsError(rule.When);
            if (containsError is not null) findings.Add(new(LintFinding.Error, 0, label + ": " + containsError));
            if (rule.When.CallCount is { } callCount && PolicyValidator.CallCountError(callCount, out _) is { } callCountError)
            {
                findings.Add(new(LintFinding.Error, 0, label + ": " + callCountError));
            }
        }

        // Shadowing inside the policy.
        for (var i = 0; i < policy.Rules.Length; i++)
        {
            if (!IsDenyAll(policy.Rules[i])) continue;
            for (var j = i + 1; j < policy.Rules.Length; j++)
            {
                findings.Add(new(LintFinding.Info, 0, string.Create(CultureInfo.InvariantCulture,
                    $"policy \"{name}\" rule {j + 1} will never match — shadowed by deny-all rule {i + 1}")));
            }
        }

        // Shadowing by a higher-priority deny-all policy with an overlapping scope (POL-099).
        for (var o = 0; o < doc.Policies.Length; o++)
        {
            if (o == index) continue;
            var other = doc.Policies[o];
            if (other.EffectivePriority >= policy.EffectivePriority) continue;
            var deniesAll = false;
            foreach (var rule in other.Rules) deniesAll |= IsDenyAll(rule);
            if (!deniesAll || !ScopesOverlap(policy.Match, other.Match)) continue;
            findings.Add(new(LintFinding.Info, 0, $"policy \"{name}\" may never match — higher-priority policy \"{other.Name}\" denies all matching tool calls"));
        }
    }

    static bool IsDenyAll(PolicyRule rule) => rule.RawAction.Equals("deny", StringComparison.OrdinalIgnoreCase) && rule.When.Default;

    static bool ScopesOverlap(PolicyMatch a, PolicyMatch b)
    {
        var agentA = a.EffectiveAgent;
        var agentB = b.EffectiveAgent;
        if (agentA != agentB && agentA != "*" && agentB != "*") return false;
        if (a.Tools.IsDefaultOrEmpty || b.Tools.IsDefaultOrEmpty) return true;
        foreach (var x in a.Tools)
        {
            foreach (var y in b.Tools)
            {
                if (x == y || x == "*" || y == "*") return true;
            }
        }
        return false;
    }

    static bool IsEmpty(Condition c) =>
        c.CommandMatches.IsDefaultOrEmpty && c.CommandNotMatches.IsDefaultOrEmpty && c.CommandContains.IsDefaultOrEmpty &&
        c.CommandEnvAssignments.IsDefaultOrEmpty && c.PathMatches.IsDefaultOrEmpty && c.PathNotMatches.IsDefaultOrEmpty &&
        c.UrlMatches.IsDefaultOrEmpty && c.DomainMatches.IsDefaultOrEmpty && c.SessionMatches.IsDefaultOrEmpty &&
        c.SessionNotMatches.IsDefaultOrEmpty && c.ResponseMatches.IsDefaultOrEmpty && c.ResponseNotMatches.IsDefaultOrEmpty &&
        c.AgentDepth is null && c.ToolParamMatches.IsDefaultOrEmpty && c.CallCount is null && !c.Default;

    static void AddRuleGlobFindings(string policy, string label, Condition when, List<LintFinding> findings)
    {
        foreach (var (key, patterns) in PolicyValidator.GlobFields(when))
        {
            foreach (var pattern in patterns) AddGlobFindings(policy, label, key, pattern, findings);
        }
        foreach (var (param, pattern) in when.ToolParamMatches)
        {
            AddGlobFindings(policy, label, "tool_param_matches." + param, pattern, findings);
        }
    }

    /// <summary>POL-098: like POL-019 but every applicable bound is reported (the 8192 one alone).</summary>
    static void AddGlobFindings(string policy, string label, string field, string pattern, List<LintFinding> findings)
    {
        foreach (var error in PolicyValidator.GlobBoundErrors(field, pattern))
        {
            findings.Add(new(LintFinding.Error, 0, $"policy \"{policy}\"{label}: {error}; policy loading rejects this pattern"));
        }
    }
}
