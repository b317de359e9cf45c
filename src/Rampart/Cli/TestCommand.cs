using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Matching;
using Rampart.Core.Policies;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart test</c>: run a policy test suite (POL-101..POL-107, CLI-046) or decide one call
/// (POL-108, CLI-045). Pure evaluation: no call counting, no once claims, no audit.
/// </summary>
internal static class TestCommand
{
    const string DefaultConfig = "rampart.yaml";

    static readonly string[] SingleCallTools = ["exec", "read", "write", "edit", "fetch", "web_fetch", "http", "browser"];

    static readonly JsonWriterOptions JsonOptions = new()
    {
        Indented = true,
        // Keep messages readable (em dashes, emoji) instead of \uXXXX escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    sealed record Options
    {
        public string Config { get; init; } = DefaultConfig;
        public bool ConfigGiven { get; init; }
        public string? Tool { get; init; }
        public string? Run { get; init; }
        public bool Verbose { get; init; }
        public bool Json { get; init; }
        public bool NoColor { get; init; }
        public string? Argument { get; init; }
        /// <summary>Set when the argument came from <c>--path</c>/<c>--url</c>/<c>--command</c> (issue 2 spelling) rather than positionally.</summary>
        public string? ArgumentFlag { get; init; }

        /// <summary>POL-104: <c>--config</c> counts only when it names something other than the default.</summary>
        public bool HasCustomConfig => ConfigGiven && Config != DefaultConfig;
    }

    public static Task<int> RunAsync(string[] args) => Task.FromResult(Run(args, Console.Out, Console.Error));

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        Options options;
        try
        {
            options = ParseArguments(args);
        }
        catch (UsageException e)
        {
            stderr.WriteLine(e.Message);
            return 1;
        }

        try
        {
            if (options.Tool is null && (options.Argument is null || IsYamlFile(options.Argument)))
                return RunSuite(options, stdout, stderr);
            return RunSingleCall(options, stdout, stderr);
        }
        catch (Exception e) when (e is TestSuiteException or CommandException)
        {
            stderr.WriteLine(e.Message);
            return 1;
        }
    }

    // ── Arguments ───────────────────────────────────────────────────────────────────────────

    sealed class UsageException(string message) : Exception(message);

    sealed class CommandException(string message) : Exception(message);

    static Options ParseArguments(string[] args)
    {
        var o = new Options();
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                positional.AddRange(args[(i + 1)..]);
                break;
            }
            if (arg.Length < 2 || arg[0] != '-')
            {
                positional.Add(arg);
                continue;
            }
            var (name, inline) = SplitFlag(arg);
            switch (name)
            {
                case "--config": o = o with { Config = Value(args, ref i, name, inline), ConfigGiven = true }; break;
                case "--tool": o = o with { Tool = Value(args, ref i, name, inline) }; break;
                case "--path" or "--url" or "--command":
                    if (o.ArgumentFlag is not null) throw new UsageException($"only one of --command, --path, --url may be given\n{Usage}");
                    o = o with { ArgumentFlag = name, Argument = Value(args, ref i, name, inline) };
                    break;
                case "--run": o = o with { Run = Value(args, ref i, name, inline) }; break;
                case "--verbose" or "-v": o = o with { Verbose = Bool(name, inline) }; break;
                case "--json": o = o with { Json = Bool(name, inline) }; break;
                case "--no-color": o = o with { NoColor = Bool(name, inline) }; break;
                case "-h" or "--help": throw new UsageException(Usage);
                default: throw new UsageException($"unknown flag: {name}\n{Usage}");
            }
        }
        if (positional.Count > 1) throw new UsageException($"accepts at most 1 arg(s), received {positional.Count}\n{Usage}");
        if (o.ArgumentFlag is { } flag)
        {
            if (positional.Count > 0) throw new UsageException($"{flag} and a positional argument cannot both be given\n{Usage}");
            return FlagCall(o, flag);
        }
        return o with { Argument = positional.Count == 1 ? positional[0] : null };
    }

    const string Usage =
        "Usage: rampart test [file.yaml | command] [--config FILE] [--run GLOB] [--verbose] [--json] [--no-color] [--tool TOOL]\n" +
        "       rampart test --tool read --path FILE | --tool fetch --url URL | --command CMD";

    /// <summary>
    /// Issue 2's <c>--path</c>/<c>--url</c>/<c>--command</c> spellings of the POL-108/CLI-045 single
    /// call, whose positional argument they replace. The tool defaults to the flag's kind (read,
    /// fetch, exec) and must be one that takes that kind of value, so a path is never sent as a command.
    /// </summary>
    static Options FlagCall(Options o, string flag)
    {
        var (defaultTool, allowed) = flag switch
        {
            "--path" => ("read", (string[])["read", "write", "edit"]),
            "--url" => ("fetch", ["fetch", "web_fetch", "http", "browser"]),
            _ => ("exec", ["exec"]),
        };
        var tool = o.Tool ?? defaultTool;
        if (Array.IndexOf(SingleCallTools, tool) >= 0 && Array.IndexOf(allowed, tool) < 0)
            throw new UsageException($"{flag} does not apply to tool \"{tool}\" (use it with: {string.Join(", ", allowed)})");
        return o with { Tool = tool };
    }

    static (string Name, string? Inline) SplitFlag(string arg)
    {
        var eq = arg.IndexOf('=');
        return eq > 0 && arg.StartsWith("--", StringComparison.Ordinal) ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }

    static string Value(string[] args, ref int i, string name, string? inline)
    {
        if (inline is not null) return inline;
        if (i + 1 >= args.Length) throw new UsageException($"flag needs an argument: {name}");
        return args[++i];
    }

    static bool Bool(string name, string? inline) => inline switch
    {
        null or "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new UsageException($"invalid argument \"{inline}\" for \"{name}\" flag"),
    };

    static bool IsYamlFile(string arg) =>
        arg.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || arg.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    // ── Suites (POL-102..POL-107) ───────────────────────────────────────────────────────────

    static int RunSuite(Options options, TextWriter stdout, TextWriter stderr)
    {
        var file = options.Argument ?? FindDefaultSuite();
        var suite = TestSuiteFile.Load(file);

        // POL-104: --config (non-default) beats the suite's `policy`; a policy file with inline
        // tests is its own policy. A suite with neither names no policy at all: upstream then loads
        // the suite file itself as an empty policy, so every case gets "no matching policy" — issue 2
        // asks for the embedded default policy instead, which is what a user writing such a suite
        // means (a strict suite file cannot contain `policies:`, so nothing that worked is lost).
        CompiledPolicySet policies;
        try
        {
            if (options.HasCustomConfig) policies = CompiledPolicySet.Compile(PolicyStore.LoadFile(Path.GetFullPath(options.Config)));
            else if (suite.PolicyPath is { } policyPath) policies = CompiledPolicySet.Compile(PolicyStore.LoadFile(policyPath));
            else
            {
                stderr.WriteLine("⚠ The suite names no policy — using embedded standard policy");
                policies = CompiledPolicySet.Compile(PolicyStore.LoadEmbeddedWithDirectory("standard", null));
            }
        }
        catch (PolicyLoadException e)
        {
            throw new CommandException($"test: load policy: {e.Message}{PolicyErrors.Location(e)}");
        }

        var cases = suite.Cases;
        if (options.Run is { } filter)
        {
            var kept = ImmutableArray.CreateBuilder<PolicyTestCase>();
            foreach (var c in cases)
            {
                if (Glob.FilepathMatch(filter, c.Name, backslashEscapes: true)) kept.Add(c);
            }
            if (kept.Count == 0) throw new CommandException($"test: no tests match filter \"{filter}\"");
            cases = kept.ToImmutable();
        }

        var results = new List<CaseResult>(cases.Length);
        foreach (var c in cases) results.Add(RunCase(policies, c));

        if (options.Json) WriteSuiteJson(stdout, results);
        else WriteSuiteText(stdout, results, options.Verbose, UseColor(options));

        foreach (var r in results)
        {
            if (r.Outcome != CaseOutcome.Passed) return 1;
        }
        return 0;
    }

    static string FindDefaultSuite()
    {
        foreach (var candidate in (ReadOnlySpan<string>)["rampart-tests.yaml", "rampart.yaml"])
        {
            if (File.Exists(candidate)) return candidate;
        }
        throw new CommandException("test: no test file found; pass a file path or create rampart-tests.yaml");
    }

    enum CaseOutcome { Passed, Failed, Error }

    sealed record CaseResult(PolicyTestCase Case, CaseOutcome Outcome, string Expected = "", Decision? Decision = null,
        TimeSpan Elapsed = default, string Error = "");

    static CaseResult RunCase(CompiledPolicySet policies, PolicyTestCase test)
    {
        if (!TryParseExpect(test.Expect, out var expected, out var error))
            return new CaseResult(test, CaseOutcome.Error, Error: error);
        if (test.Tool.Length == 0)
            return new CaseResult(test, CaseOutcome.Error, Error: $"test case \"{test.Name}\": tool is required");

        // POL-105: {tool, agent, params}; empty session, no input map; a preview (no state changes).
        var call = new ToolCall { Tool = test.Tool, Agent = test.Agent, Params = ParseParams(test.ParamsJson) };
        var (decision, elapsed) = Evaluate(policies, call);
        var passed = decision.Action == expected &&
            (string.IsNullOrEmpty(test.ExpectMessage) || Glob.FilepathMatch(test.ExpectMessage, decision.Message, backslashEscapes: true));
        return new CaseResult(test, passed ? CaseOutcome.Passed : CaseOutcome.Failed, expected.ToWire(), decision, elapsed);
    }

    static bool TryParseExpect(string expect, out DecisionAction action, out string error)
    {
        error = "";
        switch (expect)
        {
            case "allow": action = DecisionAction.Allow; return true;
            case "deny": action = DecisionAction.Deny; return true;
            case "watch" or "log": action = DecisionAction.Watch; return true;
            case "ask": action = DecisionAction.Ask; return true;
            case "webhook": action = DecisionAction.Webhook; return true;
        }
        action = DecisionAction.Deny;
        error = expect == "require_approval"
            ? "invalid expect value \"require_approval\": action \"require_approval\" was removed in v0.9.9; use \"ask\" instead (see migration guide)"
            : $"invalid expect value \"{expect}\": unknown action: \"{expect}\"";
        return false;
    }

    static Dictionary<string, JsonElement> ParseParams(string json)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var property in doc.RootElement.EnumerateObject()) result[property.Name] = property.Value.Clone();
        return result;
    }

    static (Decision Decision, TimeSpan Elapsed) Evaluate(CompiledPolicySet policies, ToolCall call)
    {
        var started = Stopwatch.GetTimestamp();
        var decision = policies.Evaluate(call, default, DateTimeOffset.UtcNow);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return (decision, decision.EvalDuration > TimeSpan.Zero ? decision.EvalDuration : elapsed);
    }

    static void WriteSuiteText(TextWriter w, List<CaseResult> results, bool verbose, bool color)
    {
        int passed = 0, failed = 0, errors = 0;
        foreach (var r in results)
        {
            var name = r.Case.Name;
            switch (r.Outcome)
            {
                case CaseOutcome.Error:
                    errors++;
                    w.WriteLine($"  ⚠️ {Paint(name, Yellow, color)} — {r.Error}");
                    continue;
                case CaseOutcome.Passed:
                    passed++;
                    w.WriteLine($"  ✅ {Paint(name, Green, color)}");
                    break;
                default:
                    failed++;
                    w.WriteLine($"  ❌ {Paint(name, Red, color)} — expected {r.Expected}, got {r.Decision!.Action.ToWire()}");
                    break;
            }
            if (verbose)
            {
                var d = r.Decision!;
                if (d.Message.Length > 0) w.WriteLine($"       message: {d.Message}");
                if (!d.MatchedPolicies.IsDefaultOrEmpty) w.WriteLine($"       matched: {string.Join(", ", d.MatchedPolicies)}");
                w.WriteLine($"       eval:    {FormatDuration(r.Elapsed)}");
            }
        }
        w.WriteLine();
        var summary = $"{Paint($"{passed} passed", Green, color)}, {Paint($"{failed} failed", failed > 0 ? Red : "", color)}";
        if (errors > 0) summary += $", {errors} error(s)";
        w.WriteLine($"{summary} ({results.Count} total)");
    }

    static void WriteSuiteJson(TextWriter w, List<CaseResult> results)
    {
        int passed = 0, failed = 0, errors = 0;
        foreach (var r in results)
        {
            if (r.Outcome == CaseOutcome.Passed) passed++;
            else if (r.Outcome == CaseOutcome.Failed) failed++;
            else errors++;
        }
        w.WriteLine(WriteJson(j =>
        {
            j.WriteStartObject();
            j.WriteNumber("passed", passed);
            j.WriteNumber("failed", failed);
            j.WriteNumber("errors", errors);
            j.WriteNumber("total", results.Count);
            j.WriteStartArray("tests");
            foreach (var r in results)
            {
                j.WriteStartObject();
                j.WriteString("name", r.Case.Name);
                j.WriteBoolean("passed", r.Outcome == CaseOutcome.Passed);
                if (r.Outcome == CaseOutcome.Failed)
                {
                    j.WriteString("expected", r.Expected);
                    j.WriteString("got", r.Decision!.Action.ToWire());
                    if (r.Decision.Message.Length > 0) j.WriteString("message", r.Decision.Message);
                }
                else if (r.Outcome == CaseOutcome.Error)
                {
                    j.WriteString("error", r.Error);
                }
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }));
    }

    // ── One call (POL-108, CLI-045) ─────────────────────────────────────────────────────────

    static int RunSingleCall(Options options, TextWriter stdout, TextWriter stderr)
    {
        var tool = options.Tool ?? "exec";
        if (Array.IndexOf(SingleCallTools, tool) < 0)
            throw new CommandException($"test: unsupported tool \"{tool}\" (supported: {string.Join(", ", SingleCallTools)})");
        var argument = options.Argument ?? throw new CommandException("test: missing argument: pass a command, path or URL to test");

        var parameters = BuildParams(tool, argument);
        var call = new ToolCall { Tool = tool, Params = parameters, Input = parameters };
        var policies = CompiledPolicySet.Compile(LoadSingleCallPolicy(options, stderr));
        var (decision, elapsed) = Evaluate(policies, call);

        if (options.Json)
        {
            stdout.WriteLine(WriteJson(j =>
            {
                j.WriteStartObject();
                j.WriteString("command", argument);
                j.WriteString("action", decision.Action.ToWire());
                j.WriteString("message", decision.Message);
                j.WriteStartArray("matched_policies");
                foreach (var p in decision.MatchedPolicies.IsDefault ? [] : decision.MatchedPolicies) j.WriteStringValue(p);
                j.WriteEndArray();
                j.WriteString("policy_scope", "global");
                j.WriteEndObject();
            }));
            return 0;
        }

        var color = UseColor(options);
        stdout.WriteLine($"{Paint(Label(decision.Action), LabelColor(decision.Action), color)} — {(decision.Message.Length > 0 ? decision.Message : "no details")}");
        var matched = decision.MatchedPolicies.IsDefault ? [] : decision.MatchedPolicies;
        if (matched.Length is > 0 and <= 3)
        {
            stdout.WriteLine($"   Policy: {string.Join(", ", matched)}");
        }
        else if (matched.Length > 3)
        {
            stdout.WriteLine($"   Policies ({matched.Length}):");
            foreach (var p in matched) stdout.WriteLine($"     • {p}");
        }
        stdout.WriteLine($"   Eval: {FormatDuration(elapsed)}");
        if (decision.Action == DecisionAction.Deny && !decision.Suggestions.IsDefaultOrEmpty)
        {
            stdout.WriteLine();
            stdout.WriteLine("   💡 To allow this:");
            foreach (var s in decision.Suggestions) stdout.WriteLine($"      {s}");
        }
        return decision.Action == DecisionAction.Deny ? 1 : 0;
    }

    // POL-108 labels deny, watch and everything else (ask included) as ALLOW — an upstream quirk
    // that CLI-045 fixes: an ask is not an allow, so it is labelled ASK. Webhook keeps ALLOW (its
    // outcome depends on the webhook, which a dry run does not call).
    static string Label(DecisionAction action) => action switch
    {
        DecisionAction.Deny => "🛡️ DENY",
        DecisionAction.Watch => "📝 LOG",
        DecisionAction.Ask => "❓ ASK",
        _ => "✅ ALLOW",
    };

    static string LabelColor(DecisionAction action) => action switch
    {
        DecisionAction.Deny => Red,
        DecisionAction.Watch or DecisionAction.Ask => Yellow,
        _ => Green,
    };

    /// <summary>CLI-045: the params a single-call test (and <c>policy explain</c>, CLI-051) sends for <paramref name="tool"/>.</summary>
    internal static Dictionary<string, JsonElement> BuildParams(string tool, string argument)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (tool)
        {
            case "exec":
                values["command"] = argument;
                break;
            case "read" or "write" or "edit":
                values["path"] = argument;
                break;
            default:
                values["url"] = argument;
                if (UrlHost.TryGetHost(argument, out var host) && host.Length > 0)
                {
                    values["domain"] = host;
                    values["scheme"] = UrlScheme(argument);
                    values["path"] = UrlPath(argument);
                }
                break;
        }
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (k, v) in values) result[k] = JsonString(v);
        return result;
    }

    static JsonElement JsonString(string value)
    {
        using var doc = JsonDocument.Parse(WriteJson(j => j.WriteStringValue(value)));
        return doc.RootElement.Clone();
    }

    // The URL parsed with a host (POL-008), so it has a scheme followed by "//authority".
    // Go's url.URL gives the scheme lower-cased and the path without query or fragment.
    static string UrlScheme(string url)
    {
        var colon = url.IndexOf(':');
        return colon > 0 ? url[..colon].ToLowerInvariant() : "";
    }

    static string UrlPath(string url)
    {
        var rest = url;
        var hash = rest.IndexOf('#');
        if (hash >= 0) rest = rest[..hash];
        var query = rest.IndexOf('?');
        if (query >= 0) rest = rest[..query];
        var authority = rest.IndexOf("//", StringComparison.Ordinal);
        if (authority < 0) return "";
        var slash = rest.IndexOf('/', authority + 2);
        return slash < 0 ? "" : Uri.UnescapeDataString(rest[slash..]);
    }

    static PolicyConfig LoadSingleCallPolicy(Options options, TextWriter stderr)
    {
        var useDirectory = !options.HasCustomConfig;
        var home = Environment.GetEnvironmentVariable("HOME");
        var policyDir = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".rampart", "policies");
        var mergeDir = useDirectory && policyDir is not null && Directory.Exists(policyDir) ? policyDir : null;
        try
        {
            if (File.Exists(options.Config))
            {
                var config = Path.GetFullPath(options.Config);
                return mergeDir is null ? PolicyStore.LoadFile(config) : PolicyStore.LoadFileWithDirectory(config, mergeDir);
            }
            var installed = policyDir is null ? null : Path.Combine(policyDir, "standard.yaml");
            if (installed is not null && File.Exists(installed))
                return mergeDir is null ? PolicyStore.LoadFile(installed) : PolicyStore.LoadFileWithDirectory(installed, mergeDir);
            stderr.WriteLine("⚠ No policy file found — using embedded standard policy");
            stderr.WriteLine();
            return PolicyStore.LoadEmbeddedWithDirectory("standard", mergeDir);
        }
        catch (PolicyLoadException e)
        {
            throw new CommandException($"test: load policy: {e.Message}{PolicyErrors.Location(e)}");
        }
    }

    // ── Shared formatting ───────────────────────────────────────────────────────────────────

    const string Green = "\e[32m";
    const string Red = "\e[31m";
    const string Yellow = "\e[33m";
    const string Reset = "\e[0m";

    static string Paint(string text, string color, bool enabled) =>
        enabled && color.Length > 0 ? color + text + Reset : text;

    // CLI-008: colour only on a terminal and without NO_COLOR; --no-color always wins.
    static bool UseColor(Options options) =>
        !options.NoColor && Environment.GetEnvironmentVariable("NO_COLOR") is null && !Console.IsOutputRedirected;

    /// <summary>POL-106: whole microseconds below 1 ms, else whole milliseconds.</summary>
    internal static string FormatDuration(TimeSpan d) =>
        d < TimeSpan.FromMilliseconds(1) ? $"{(long)(d.Ticks / 10)}μs" : $"{(long)d.TotalMilliseconds}ms";

    static string WriteJson(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions)) write(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
