using System.Text;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart policy explain &lt;arg&gt;</c> (CLI-051): why a call gets its decision — every in-scope
/// policy in evaluation order, the rule that fired and which spelling of the command matched which
/// pattern. Everything shown comes from <see cref="CompiledPolicySet.Explain"/>, i.e. from the
/// evaluator itself (POL-053), so the explanation cannot disagree with the decision.
/// </summary>
internal static class ExplainCommand
{
    const string Usage = "Usage: rampart policy explain <command|path|url> [--tool TOOL] [--agent A] [--session S] [--config FILE] [--verbose]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string tool = "exec", agent = "*", session = "*";
        string? config = null, argument = null;
        var verbose = false;
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            var eq = a.StartsWith("--", StringComparison.Ordinal) ? a.IndexOf('=') : -1;
            var name = eq > 0 ? a[..eq] : a;
            string Value()
            {
                if (eq > 0) return a[(eq + 1)..];
                if (i + 1 >= args.Length) throw new ArgumentException($"flag needs an argument: {name}");
                return args[++i];
            }
            try
            {
                switch (name)
                {
                    case "--tool": tool = Value(); break;
                    case "--agent": agent = Value(); break;
                    case "--session": session = Value(); break;
                    case "--config": config = Value(); break;
                    case "--verbose" or "-v": verbose = true; break;
                    case "-h" or "--help": stdout.WriteLine(Usage); return 0;
                    case "--": argument ??= i + 1 < args.Length ? args[++i] : null; break;
                    default:
                        if (a.Length > 1 && a[0] == '-') { stderr.WriteLine($"unknown flag: {name}\n{Usage}"); return 1; }
                        if (argument is not null) { stderr.WriteLine($"accepts 1 arg(s), received more\n{Usage}"); return 1; }
                        argument = a;
                        break;
                }
            }
            catch (ArgumentException e)
            {
                stderr.WriteLine(e.Message);
                return 1;
            }
        }
        if (argument is null)
        {
            stderr.WriteLine($"accepts 1 arg(s), received 0\n{Usage}");
            return 1;
        }

        if (FindConfig(config, stderr) is not { } file) return 1;
        CompiledPolicySet policies;
        try
        {
            policies = CompiledPolicySet.Compile(PolicyStore.LoadFile(file));
        }
        catch (PolicyLoadException e)
        {
            stderr.WriteLine($"policy: load {file}: {e.Message}{PolicyErrors.Location(e)}");
            return 1;
        }

        var parameters = TestCommand.BuildParams(tool, argument);
        var call = new ToolCall { Tool = tool, Agent = agent, Session = session, Params = parameters, Input = parameters };
        var explanation = policies.Explain(call, default, DateTimeOffset.UtcNow);
        stdout.Write(Format(tool, argument, agent, session, explanation, verbose));
        return 0;
    }

    /// <summary>CLI-051: explicit <c>--config</c> (must exist), else the installed standard policy, else ./rampart.yaml.</summary>
    static string? FindConfig(string? config, TextWriter stderr)
    {
        if (config is not null)
        {
            if (File.Exists(config)) return Path.GetFullPath(config);
            stderr.WriteLine($"policy: config not found: {config}");
            return null;
        }
        var home = Environment.GetEnvironmentVariable("HOME");
        if (!string.IsNullOrEmpty(home))
        {
            var installed = Path.Combine(home, ".rampart", "policies", "standard.yaml");
            if (File.Exists(installed)) return installed;
        }
        if (File.Exists("rampart.yaml")) return Path.GetFullPath("rampart.yaml");
        stderr.WriteLine("policy: no config found. Tried ~/.rampart/policies/standard.yaml and rampart.yaml; pass --config <path> or run 'rampart init'");
        return null;
    }

    internal static string Format(string tool, string argument, string agent, string session, Explanation e, bool verbose)
    {
        var w = new StringBuilder();
        var d = e.Decision;
        w.Append("Evaluating: ").Append(tool).Append(" \"").Append(argument).Append("\"\n");
        w.Append("  Agent: ").Append(agent).Append(" | Session: ").Append(session).Append(" | Tool: ").Append(tool).Append('\n');
        w.Append('\n');

        var winner = Winner(e);
        if (e.Policies.IsDefaultOrEmpty)
        {
            w.Append("No policy matched this call's scope.\n");
        }
        else
        {
            w.Append("Matching policies:\n");
            for (var i = 0; i < e.Policies.Length; i++)
            {
                var p = e.Policies[i];
                w.Append("  ").Append(i + 1).Append(". ").Append(p.Name).Append(" (priority ").Append(p.Priority).Append(')');
                if (ReferenceEquals(p, winner)) w.Append("  [WINNER]");
                w.Append('\n');
                w.Append("     Source: ").Append(p.Source.Length > 0 ? p.Source : "(built-in)").Append('\n');
                w.Append("     Scope: agent=").Append(p.Agent).Append(" session=").Append(p.Session)
                 .Append(" tool=").Append(p.Tools.IsDefaultOrEmpty ? "*" : string.Join(",", p.Tools)).Append('\n');
                if (!p.WasReached) w.Append("     (not evaluated by the engine: an earlier policy denied; shown for information)\n");
                if (p.FiredRule is not { } rule)
                {
                    w.Append("     -> Policy matched scope, but no rule matched this call\n");
                }
                else
                {
                    w.Append("     -> Rule ").Append(rule.Index + 1).Append(": ").Append(ActionLabel(rule.Action))
                     .Append(" \"").Append(rule.Message).Append("\"\n");
                    w.Append("        Matched: ").Append(Detail(rule)).Append('\n');
                    if (ReferenceEquals(p, winner)) w.Append("        Why it won: ").Append(WhyItWon(d.Action)).Append('\n');
                }
                if (verbose)
                {
                    foreach (var r in p.Rules)
                    {
                        w.Append("        rule ").Append(r.Index + 1).Append(' ').Append(ActionLabel(r.Action)).Append(": ")
                         .Append(r.Outcome switch
                         {
                             RuleOutcome.Expired => "expired, skipped",
                             RuleOutcome.Fired => "fired",
                             _ => "no match" + Failed(r),
                         }).Append('\n');
                        foreach (var m in r.CommandMatches) w.Append("          ").Append(MatchText(m)).Append('\n');
                    }
                }
            }
        }

        w.Append('\n');
        w.Append("Final decision: ").Append(d.Action.ToWire().ToUpperInvariant()).Append('\n');
        if (winner is not null) w.Append("  Winning policy: ").Append(winner.Name).Append('\n');
        else if (!d.MatchedPolicies.IsDefaultOrEmpty) w.Append("  Matched policies: ").Append(string.Join(", ", d.MatchedPolicies)).Append('\n');
        if (d.Message.Length > 0) w.Append("  Message: ").Append(d.Message).Append('\n');
        return w.ToString();
    }

    /// <summary>The first walked policy whose firing rule produced the final action (CLI-051 "[WINNER]").</summary>
    static PolicyExplanation? Winner(Explanation e)
    {
        foreach (var p in e.Policies)
        {
            if (!p.WasReached || p.FiredRule is not { } rule) continue;
            if (ToDecision(rule.Action) == e.Decision.Action && (rule.Message == e.Decision.Message || e.Decision.Action != DecisionAction.Deny)) return p;
        }
        return null;
    }

    static DecisionAction ToDecision(RuleAction a) => a switch
    {
        RuleAction.Allow => DecisionAction.Allow,
        RuleAction.Watch => DecisionAction.Watch,
        RuleAction.Ask => DecisionAction.Ask,
        RuleAction.Webhook => DecisionAction.Webhook,
        _ => DecisionAction.Deny,
    };

    static string ActionLabel(RuleAction a) => a switch
    {
        RuleAction.Invalid => "INVALID",
        _ => ToDecision(a).ToWire().ToUpperInvariant(),
    };

    static string WhyItWon(DecisionAction a) => a switch
    {
        DecisionAction.Deny => "deny wins over everything",
        DecisionAction.Ask or DecisionAction.Webhook => "ask/webhook beats allow and watch when nothing denies",
        DecisionAction.Watch => "watch beats allow",
        _ => "allow: nothing stronger matched",
    };

    static string Detail(RuleExplanation rule)
    {
        if (rule.Fields.Length == 1 && rule.Fields[0].Field == ConditionField.Default) return "default (unconditional rule)";
        var parts = new List<string>();
        var commandShown = false;
        foreach (var f in rule.Fields)
        {
            if (!f.Matched) continue;
            if (f.Field == ConditionField.Command && rule.CommandMatches.Length > 0)
            {
                if (commandShown) continue;
                commandShown = true;
                var shown = new List<string>();
                foreach (var m in rule.CommandMatches)
                {
                    if (m.Form == CommandForm.Exclusion) continue;
                    var text = MatchText(m);
                    if (!shown.Contains(text)) shown.Add(text);
                }
                parts.Add(string.Join("; ", shown));
                continue;
            }
            parts.Add(FieldName(f.Field));
        }
        return parts.Count == 0 ? "(condition)" : string.Join(" and ", parts);
    }

    static string Failed(RuleExplanation r)
    {
        foreach (var f in r.Fields)
        {
            if (!f.Matched) return $" ({FieldName(f.Field)} did not match)";
        }
        return "";
    }

    static string MatchText(CommandMatch m) => m.Form switch
    {
        CommandForm.Contains => $"command_contains \"{m.Pattern}\" in the command",
        CommandForm.ContainsNormalized => $"command_contains \"{m.Pattern}\" in the normalised command \"{m.Text}\"",
        CommandForm.CanonicalRmOverflow => $"too many rm operand spellings of \"{m.Text}\" to check (treated as a match)",
        CommandForm.Exclusion => $"excluded: command_not_matches \"{m.Pattern}\" on \"{m.Text}\"",
        _ => $"command_matches \"{m.Pattern}\" on {FormName(m.Form)} \"{m.Text}\"",
    };

    static string FormName(CommandForm f) => f switch
    {
        CommandForm.Raw => "the command as sent",
        CommandForm.BodyForm => "body form",
        CommandForm.Component => "component",
        CommandForm.CanonicalRm => "canonical rm alias",
        CommandForm.Normalized => "normalised form",
        CommandForm.SemanticAlias => "semantic alias",
        CommandForm.AlternateReading => "cmd/PowerShell reading (case-insensitive)",
        CommandForm.Composite => "the whole compound command",
        _ => f.ToString(),
    };

    static string FieldName(ConditionField f) => f switch
    {
        ConditionField.Default => "default",
        ConditionField.Command => "command_matches/command_contains",
        ConditionField.CommandEnvAssignments => "command_env_assignments",
        ConditionField.Path => "path_matches",
        ConditionField.Url => "url_matches",
        ConditionField.Domain => "domain_matches",
        ConditionField.AgentDepth => "agent_depth",
        ConditionField.ToolParamMatches => "tool_param_matches",
        ConditionField.CallCount => "call_count",
        ConditionField.SessionMatches => "session_matches",
        ConditionField.SessionNotMatches => "session_not_matches",
        _ => f.ToString(),
    };
}
