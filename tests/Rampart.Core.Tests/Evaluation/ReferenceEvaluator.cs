using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Matching;
using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>
/// A slow, literal reading of POLICY.md §4–§5 for the differential test: no index, no compiled
/// sets, every pattern matched through <see cref="Glob"/> each time, every derived value
/// recomputed where the spec mentions it. Policies are ordered by <see cref="Properties.GoSortReference"/>
/// (POL-034), so lists of any length are valid.
/// </summary>
internal static class ReferenceEvaluator
{
    /// <summary>
    /// Null when <paramref name="got"/> has the reference's decision, message and matched policies (in order); otherwise
    /// both, for a differential test's failure list.
    /// </summary>
    public static string? Difference(Decision got, (DecisionAction Action, string Message, string[] Matched) want) =>
        got.Action == want.Action && got.Message == want.Message && got.MatchedPolicies.SequenceEqual(want.Matched)
            ? null
            : $"want {want.Action} \"{want.Message}\" [{string.Join(",", want.Matched)}], got {got.Action} \"{got.Message}\" [{string.Join(",", got.MatchedPolicies)}]";

    public static (DecisionAction Action, string Message, string[] Matched) Evaluate(PolicyConfig config, ToolCall call, DateTimeOffset now)
    {
        var def = config.EffectiveDefault switch
        {
            RuleAction.Allow => DecisionAction.Allow,
            RuleAction.Ask => DecisionAction.Ask,
            RuleAction.Watch => DecisionAction.Watch,
            _ => DecisionAction.Deny,
        };
        var inScope = config.Policies.Where(p => p.Enabled && InScope(p, call)).ToList();
        // POL-034: Go's unstable sort.Slice, from an independent transcription (stable for ≤ 12 entries).
        Properties.GoSortReference.Slice(inScope, (x, y) => x.EffectivePriority < y.EffectivePriority);

        (DecisionAction, string, string[])? durable = null;
        foreach (var p in inScope)
        {
            var kind = p.IsProject || p.Source.StartsWith("embedded:", StringComparison.Ordinal) ? "" : p.ProfileName.ToLowerInvariant();
            if (kind is not ("user-overrides" or "auto-allowed")) continue;
            var rule = p.Rules.FirstOrDefault(r => !Expired(r, now) && MatchesStrict(r, call));
            if (rule is null || rule.Action != RuleAction.Allow) continue;
            var message = rule.Message.Length > 0 ? rule.Message : kind == "auto-allowed" ? "auto-allowed by user rule" : "allowed by durable user override";
            durable = (DecisionAction.Allow, message, [p.Name]);
            break;
        }
        if (inScope.Count == 0) return durable ?? (def, "no matching policy; using default action", []);

        var final = DecisionAction.Allow;
        var msg = "";
        var matched = new List<string>();
        var globalFired = false;
        for (var i = 0; i < inScope.Count; i++)
        {
            var p = inScope[i];
            var rule = p.Rules.FirstOrDefault(r => !Expired(r, now) && Matches(r.When, r.IsRestrictive, call));
            if (rule is null) continue;
            matched.Add(p.Name);
            if (!p.IsProject) globalFired = true;
            switch (rule.Action)
            {
                case RuleAction.Deny:
                    return (DecisionAction.Deny, rule.Message, [.. matched, .. inScope.Skip(i + 1).Select(x => x.Name)]);
                case RuleAction.Webhook when final != DecisionAction.Webhook:
                    final = DecisionAction.Webhook; msg = rule.Message; break;
                case RuleAction.Ask when final is not (DecisionAction.Webhook or DecisionAction.Ask):
                    final = DecisionAction.Ask; msg = rule.Message; break;
                case RuleAction.Watch when final == DecisionAction.Allow:
                    final = DecisionAction.Watch; msg = rule.Message; break;
                case RuleAction.Allow when final == DecisionAction.Allow && msg.Length == 0:
                    msg = rule.Message; break;
            }
        }
        if (durable is { } d) return d;
        if (!globalFired)
        {
            if (def == DecisionAction.Deny) return (DecisionAction.Deny, "project policy cannot weaken global default deny", [.. matched]);
            if (def == DecisionAction.Ask) return (DecisionAction.Ask, "project policy cannot weaken global default ask", [.. matched]);
            if (def == DecisionAction.Watch && final == DecisionAction.Allow) return (DecisionAction.Watch, "project policy cannot weaken global default watch", [.. matched]);
        }
        if (matched.Count == 0) return (def, "no matching rule; using default action", []);
        return (final, msg, [.. matched]);
    }

    static bool Expired(PolicyRule r, DateTimeOffset now) => r.ExpiresAt is { } at && now > at;

    static bool InScope(Policy p, ToolCall call) =>
        Glob.Match(p.Match.EffectiveAgent, call.Agent) && Glob.Match(p.Match.EffectiveSession, call.Session) &&
        (p.Match.Tools.IsDefaultOrEmpty || p.Match.Tools.Any(t => Glob.Match(t, call.Tool)));

    // ---- accessors (POL-002, POL-003)

    static string Lookup(ToolCall call, params string[] keys)
    {
        foreach (var map in new[] { call.Params, call.Input })
        {
            if (map is null) continue;
            foreach (var k in keys)
            {
                if (map.TryGetValue(k, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Trim().Length > 0) return v.GetString()!;
            }
        }
        return "";
    }

    static string Tool(ToolCall c) => c.Tool.Trim().ToLowerInvariant();
    static string Command(ToolCall c) => Tool(c) == "exec" ? Lookup(c, "command", "cmd", "input") : Lookup(c, "command");
    static string PathOf(ToolCall c) => Tool(c) is "read" or "write" or "edit" or "mcp-destructive" ? Lookup(c, "file_path", "path", "file", "filepath", "target") : Lookup(c, "file_path", "path");
    static string Url(ToolCall c) => Tool(c) is "fetch" or "http" or "web_fetch" or "browser" ? Lookup(c, "url", "uri", "href") : Lookup(c, "url");
    static string Domain(ToolCall c) => UrlHost.TryGetHost(Url(c), out var h) && h.Length > 0 ? h : Lookup(c, "domain");
    static string Workdir(ToolCall c) => c.Workdir.Trim() is { Length: > 0 } w ? w : Lookup(c, "workdir").Trim() is { Length: > 0 } w2 ? w2 : Lookup(c, "cwd").Trim();

    // ---- POL-047

    static bool Empty(Condition c) =>
        c.CommandMatches.IsDefaultOrEmpty && c.CommandNotMatches.IsDefaultOrEmpty && c.CommandContains.IsDefaultOrEmpty &&
        c.CommandEnvAssignments.IsDefaultOrEmpty && c.PathMatches.IsDefaultOrEmpty && c.PathNotMatches.IsDefaultOrEmpty &&
        c.UrlMatches.IsDefaultOrEmpty && c.DomainMatches.IsDefaultOrEmpty && c.SessionMatches.IsDefaultOrEmpty &&
        c.SessionNotMatches.IsDefaultOrEmpty && c.ResponseMatches.IsDefaultOrEmpty && c.ResponseNotMatches.IsDefaultOrEmpty &&
        c.AgentDepth is null && c.ToolParamMatches.IsDefaultOrEmpty && c.CallCount is null;

    static bool Matches(Condition c, bool restrictive, ToolCall call)
    {
        if (c.Default || Empty(c)) return true;
        var positive = false;
        var cmd = Command(call);
        if (!c.CommandMatches.IsDefaultOrEmpty || !c.CommandContains.IsDefaultOrEmpty)
        {
            if (cmd.Length == 0) return false;
            if (!(restrictive ? Restrictive(c, cmd) : Granting(c, cmd))) return false;
            positive = true;
        }
        if (!c.CommandEnvAssignments.IsDefaultOrEmpty)
        {
            if (cmd.Length == 0 || !Env(c, cmd)) return false;
            positive = true;
        }
        if (!c.PathMatches.IsDefaultOrEmpty)
        {
            if (!Paths(c, restrictive, call)) return false;
            positive = true;
        }
        if (!c.UrlMatches.IsDefaultOrEmpty)
        {
            var url = Url(call);
            if (url.Length == 0 || !c.UrlMatches.Any(p => Glob.Match(p, url))) return false;
            positive = true;
        }
        if (!c.DomainMatches.IsDefaultOrEmpty)
        {
            var domain = Domain(call);
            if (domain.Length == 0 || !c.DomainMatches.Any(p => Glob.MatchDomain(p, domain))) return false;
            positive = true;
        }
        if (c.AgentDepth is { } d)
        {
            var depth = call.AgentDepth;
            if ((d.Gte is { } g && depth < g) || (d.Lte is { } l && depth > l) || (d.Eq is { } e && depth != e)) return false;
            positive = true;
        }
        if (!c.ToolParamMatches.IsDefaultOrEmpty)
        {
            var hit = call.Input is { } input && c.ToolParamMatches.Any(kv =>
                input.TryGetValue(kv.Key, out var v) && Glob.Match(kv.Value.ToLowerInvariant(), ParamText.Format(v).ToLowerInvariant()));
            if (!hit) return false;
            positive = true;
        }
        if (c.CallCount is not null) return false; // no counter in the differential test
        if (!c.SessionMatches.IsDefaultOrEmpty)
        {
            if (!c.SessionMatches.Any(p => Glob.Match(p, call.Session))) return false;
            positive = true;
        }
        if (!c.SessionNotMatches.IsDefaultOrEmpty && c.SessionNotMatches.Any(p => Glob.Match(p, call.Session))) return false;
        return positive;
    }

    static bool MatchesStrict(PolicyRule r, ToolCall call)
    {
        var c = r.When;
        if (c.Default || Empty(c)) return true;
        var hasCommand = !c.CommandMatches.IsDefaultOrEmpty || !c.CommandContains.IsDefaultOrEmpty;
        if (!hasCommand && c.CommandEnvAssignments.IsDefaultOrEmpty) return Matches(c, restrictive: false, call);
        var cmd = Command(call);
        if (cmd.Length == 0) return false;
        if (!((hasCommand && Granting(c, cmd)) || (!c.CommandEnvAssignments.IsDefaultOrEmpty && Env(c, cmd)))) return false;
        var a = CommandAnalysis.Of(cmd);
        var spellings = new List<string> { cmd, a.Normalized };
        spellings.AddRange(a.Components);
        if (c.CommandNotMatches.Any(p => spellings.Any(s => Glob.Match(p, s)))) return false;
        var rest = c with { CommandMatches = [], CommandNotMatches = [], CommandContains = [], CommandEnvAssignments = [] };
        return Empty(rest) || Matches(rest, restrictive: false, call);
    }

    // ---- command fields

    static bool AnyGlob(IEnumerable<string> patterns, string text) => patterns.Any(p => Glob.Match(p, text));

    /// <summary>POL-083 for one command: every candidate and every spelling of it.</summary>
    static bool CandidatesMatch(IReadOnlyList<string> patterns, string command)
    {
        if (patterns.Count == 0) return false;
        foreach (var k in ShellForms.RestrictiveCandidates(command))
        {
            if (AnyGlob(patterns, k)) return true;
            var aliases = ShellForms.CanonicalRmAliases(k, out var overflow);
            if (overflow) return true;
            if (aliases.Any(a => AnyGlob(patterns, a))) return true;
            var n = ShellText.Normalize(k);
            if (n != k && AnyGlob(patterns, n)) return true;
            if (ShellForms.SemanticAliases(k).Any(a => AnyGlob(patterns, a))) return true;
            if (ShellForms.AlternateReadings(k).Any(r => patterns.Any(p => Glob.Match(p.ToLowerInvariant(), r.ToLowerInvariant())))) return true;
        }
        return false;
    }

    static bool ContainsHit(IReadOnlyList<string> contains, string text)
    {
        var lower = text.ToLowerInvariant();
        if (contains.Any(s => lower.Contains(s.ToLowerInvariant(), StringComparison.Ordinal))) return true;
        if (text.IndexOfAny(['\'', '"', '\\']) < 0) return false;
        var n = ShellText.Normalize(text);
        return n != text && contains.Any(s => n.ToLowerInvariant().Contains(s.ToLowerInvariant(), StringComparison.Ordinal));
    }

    static bool Restrictive(Condition c, string cmd)
    {
        var matches = (IReadOnlyList<string>)(c.CommandMatches.IsDefault ? [] : c.CommandMatches);
        var contains = (IReadOnlyList<string>)(c.CommandContains.IsDefault ? [] : c.CommandContains);
        var not = (IReadOnlyList<string>)(c.CommandNotMatches.IsDefault ? [] : c.CommandNotMatches);
        if (!CandidatesMatch(matches, cmd) && !(contains.Count > 0 && ContainsHit(contains, cmd))) return false;
        if (not.Count == 0) return true;

        bool Excluded(string comp) => ShellForms.RestrictiveCandidates(comp).Any(k => AnyGlob(not, k) || AnyGlob(not, ShellText.Normalize(k)));

        // (matched, positive) per POL-052
        (bool, bool) Component(string comp)
        {
            var positive = false;
            if (contains.Count > 0 && ContainsHit(contains, comp))
            {
                positive = true;
                if (matches.Count > 0 || !Excluded(comp)) return (true, true);
            }
            var aliases = ShellForms.CanonicalRmAliases(comp, out var overflow);
            var aliasPositive = false;
            foreach (var a in aliases)
            {
                if (!AnyGlob(matches, a)) continue;
                aliasPositive = true;
                if (!AnyGlob(not, a)) return (true, true);
            }
            if (overflow && matches.Count > 0) return (true, true);
            if (aliasPositive) return (false, true);
            if (CandidatesMatch(matches, comp))
            {
                positive = true;
                if (!Excluded(comp)) return (true, true);
            }
            return (false, positive);
        }

        var analysis = CommandAnalysis.Of(cmd);
        if (!analysis.IsComposite)
        {
            var (m, p) = Component(cmd);
            return m || !p;
        }
        var any = false;
        foreach (var comp in analysis.Components)
        {
            var (m, p) = Component(comp);
            if (m) return true;
            any |= p;
        }
        return !any;
    }

    static string LowerFirstWord(string s)
    {
        var i = 0;
        while (i < s.Length && !char.IsWhiteSpace(s[i])) i++;
        return s[..i].ToLowerInvariant() + s[i..];
    }

    static bool Granting(Condition c, string cmd)
    {
        var matches = c.CommandMatches.IsDefault ? [] : c.CommandMatches;
        var contains = c.CommandContains.IsDefault ? [] : c.CommandContains;
        var fold = ShellText.WrapperDialect(cmd) is ShellDialect.Cmd or ShellDialect.PowerShell;
        bool GlobMatch(string p, string text) => Glob.Match(p, text) || (fold && Glob.Match(LowerFirstWord(p), LowerFirstWord(text)));

        var a = CommandAnalysis.Of(cmd);
        var positive = a.IsComposite && matches.Any(p => CommandAnalysis.Of(p).IsComposite && (GlobMatch(p, cmd) || (a.Normalized != cmd && GlobMatch(p, a.Normalized))));
        if (!positive)
        {
            if (a.Components.Count == 0) return false;
            foreach (var comp in a.Components)
            {
                if (!matches.Any(p => GlobMatch(p, comp)) && !contains.Any(s => s.Length > 0 && comp.Contains(s, StringComparison.Ordinal))) return false;
            }
        }
        var not = c.CommandNotMatches.IsDefault ? [] : c.CommandNotMatches;
        return !not.Any(p => Glob.Match(p, cmd) || Glob.Match(p, a.Normalized) || a.Components.Any(x => Glob.Match(p, x)));
    }

    static bool Env(Condition c, string cmd)
    {
        if (!ShellForms.EnvAssignmentNames(cmd).Any(n => AnyGlob(c.CommandEnvAssignments, n))) return false;
        var not = c.CommandNotMatches.IsDefault ? [] : c.CommandNotMatches;
        return !not.Any(p => Glob.Match(p, cmd) || Glob.Match(p, CommandAnalysis.Of(cmd).Normalized));
    }

    static bool Paths(Condition c, bool restrictive, ToolCall call)
    {
        var path = PathOf(call);
        var w = Workdir(call);
        var candidates = path.Length == 0 ? [] : PathNames.Candidates(path, w);
        if (candidates.Count == 0) return false;
        bool Hit(ImmutableArrayView patterns, string k) => patterns.Items.Any(p => PathNames.PatternMatchesCandidate(PathGlob.Compile(p), k, w));
        var pos = new ImmutableArrayView(c.PathMatches);
        var neg = new ImmutableArrayView(c.PathNotMatches);
        var covered = restrictive ? candidates.Any(k => Hit(pos, k)) : candidates.All(k => Hit(pos, k));
        if (!covered) return false;
        if (neg.Items.Length == 0) return true;
        return restrictive ? !candidates.All(k => Hit(neg, k)) : !candidates.Any(k => Hit(neg, k));
    }

    readonly record struct ImmutableArrayView(System.Collections.Immutable.ImmutableArray<string> Raw)
    {
        public string[] Items => Raw.IsDefault ? [] : [.. Raw];
    }
}
