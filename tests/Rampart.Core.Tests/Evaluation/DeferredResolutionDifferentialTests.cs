using System.Collections.Immutable;
using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Matching;
using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>
/// The indexed walk defers the POL-065 disk check until a rule's answer could differ on the resolved candidate
/// (<see cref="RuleIndex"/> remarks). These cases are built so that it would matter: links on disk whose resolved
/// path is the only spelling some rule matches (a workspace link into the key directory, a link named <c>.env</c>
/// leading elsewhere, a link out of the workspace, missing tails below links), rules of every action in every order —
/// a granting rule that the link must defeat before a deny, an earlier restrictive rule that only the resolved path
/// fires with another message, the same policy's earlier rules, asks and watches before the deny, durable allows and
/// project policies. Every decision (all fields but the duration) must equal the eager evaluation (the explanation
/// walk, which resolves up front) and <see cref="ReferenceEvaluator"/>.
/// </summary>
public sealed class DeferredResolutionDifferentialTests : IDisposable
{
    readonly string _root;
    readonly string[] _patterns;
    readonly string[] _paths;
    readonly string[] _workdirs;

    public DeferredResolutionDifferentialTests()
    {
        var temp = Path.Combine(Path.GetTempPath(), "rampart-deferred-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        _root = PathNames.Resolve(PathNames.Clean(temp));
        var real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        Directory.CreateDirectory(Path.Combine(real, ".ssh"));
        File.WriteAllText(Path.Combine(real, ".ssh", "id_rsa"), "");
        Directory.CreateDirectory(Path.Combine(real, "secrets"));
        File.WriteAllText(Path.Combine(real, "secrets", "x.txt"), "");
        var proj = Directory.CreateDirectory(Path.Combine(_root, "proj")).FullName;
        Directory.CreateDirectory(Path.Combine(proj, "src"));
        File.WriteAllText(Path.Combine(proj, "src", "main.go"), "");
        Directory.CreateSymbolicLink(Path.Combine(proj, "keys"), Path.Combine(real, ".ssh"));        // into the key directory
        File.CreateSymbolicLink(Path.Combine(proj, ".env"), Path.Combine(real, "secrets", "x.txt"));  // a .env that is not one
        File.CreateSymbolicLink(Path.Combine(proj, "notes"), Path.Combine(real, ".ssh", "id_rsa"));   // a key under another name
        Directory.CreateSymbolicLink(Path.Combine(proj, "out"), real);                                // out of the workspace
        Directory.CreateSymbolicLink(Path.Combine(proj, "rel"), "../real/secrets");                   // relative target
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), proj);                             // the workspace itself elsewhere
        File.CreateSymbolicLink(Path.Combine(proj, "dangling"), Path.Combine(_root, "nowhere", "id_rsa"));

        _patterns =
        [
            "**/.ssh/id_*", "**\\.ssh\\id_*", "**/*.pub", "**/.env", "**/.env.*", "**/secrets/**", "**/x.txt", "**/id_rsa",
            "**/keys/**", "**/notes", "**/out/**", "**/proj/**", "**/alias/**", "**/*.go", "**/nowhere/**", "**/missing/**",
            _root + "/real/**", _root + "/proj/**", _root + "/proj/*", _root + "/alias/**", "/etc/**",
            "*.go", "src/**", "keys/*", ".env", "notes", "out/**", "**", "*", "[",
        ];
        _paths =
        [
            _root + "/proj/keys/id_rsa", "keys/id_rsa", _root + "/proj/.env", ".env", _root + "/proj/notes", "notes",
            _root + "/proj/out/secrets/x.txt", "out/.ssh/id_rsa", _root + "/proj/rel/x.txt", "rel/x.txt",
            _root + "/alias/src/main.go", _root + "/alias/keys/id_rsa", _root + "/proj/src/main.go", "src/main.go",
            _root + "/proj/keys/missing/deeper", _root + "/proj/out/missing", _root + "/proj/missing/x", _root + "/proj/dangling",
            _root + "/real/.ssh/id_rsa", _root + "/real/.ssh/id_rsa.pub", "~/.ssh/id_rsa", "/etc/passwd", "./keys/../notes",
        ];
        _workdirs = ["", _root + "/proj", _root + "/alias", _root + "/real", "/elsewhere"];
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    static T Pick<T>(Random r, T[] from) => from[r.Next(from.Length)];

    ImmutableArray<string> Some(Random r, int max) => [.. Enumerable.Range(0, r.Next(1, max + 1)).Select(_ => Pick(r, _patterns))];

    Condition RandomCondition(Random r)
    {
        var c = new Condition { PathMatches = Some(r, 3) };
        if (r.Next(3) == 0) c = c with { PathNotMatches = Some(r, 2) };
        if (r.Next(15) == 0) c = c with { CommandMatches = ["cat *"] };        // keyed on the command instead
        if (r.Next(15) == 0) c = c with { SessionMatches = ["s"] };            // a second positive field
        if (r.Next(30) == 0) c = new Condition { Default = true };
        if (r.Next(30) == 0) c = new Condition { SessionMatches = ["s"] };     // no path at all
        return c;
    }

    PolicyConfig RandomConfig(Random r)
    {
        var policies = ImmutableArray.CreateBuilder<Policy>();
        var count = r.Next(1, 9);
        for (var i = 0; i < count; i++)
        {
            var rules = ImmutableArray.CreateBuilder<PolicyRule>();
            for (var j = r.Next(1, 5); j > 0; j--)
            {
                var action = Pick(r, [RuleAction.Allow, RuleAction.Deny, RuleAction.Deny, RuleAction.Watch, RuleAction.Ask, RuleAction.Webhook]);
                rules.Add(new PolicyRule
                {
                    Action = action,
                    RawAction = action.ToString().ToLowerInvariant(),
                    When = RandomCondition(r),
                    // Shared messages now and then: a rule the resolution would pick instead may say the same.
                    Message = r.Next(4) == 0 ? "shared" : $"p{i}r{j}",
                    Webhook = action == RuleAction.Webhook ? new WebhookOptions("https://hook.example/" + i, TimeSpan.FromSeconds(5), false) : null,
                    Ask = action == RuleAction.Ask && r.Next(2) == 0 ? new AskOptions(true, r.Next(2) == 0) : AskOptions.None,
                    Once = action == RuleAction.Allow && r.Next(5) == 0,
                });
            }
            var source = Pick(r, ["/p/custom.yaml", "/p/custom.yaml", "/p/user-overrides.yaml", "/p/auto-allowed.yaml"]);
            policies.Add(new Policy
            {
                Name = "p" + i,
                Priority = r.Next(0, 3),
                Match = new PolicyMatch { Tools = r.Next(4) == 0 ? [] : ["read"] },
                Rules = rules.ToImmutable(),
                Source = source,
                IsProject = source == "/p/custom.yaml" && r.Next(4) == 0,
            });
        }
        return new PolicyConfig { DefaultAction = Pick(r, ["allow", "deny", "ask", "watch"]), Policies = policies.ToImmutable() };
    }

    static JsonElement Json(string s) => JsonDocument.Parse(JsonSerializer.Serialize(s, DiffJson.Default.String)).RootElement.Clone();

    ToolCall RandomCall(Random r) => new()
    {
        Tool = "read",
        Agent = "a",
        Session = "s",
        Params = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [Pick(r, ["file_path", "path"])] = Json(Pick(r, _paths)) },
        Workdir = Pick(r, _workdirs),
    };

    static string Show(Decision d) =>
        $"{d.Action} \"{d.Message}\" [{string.Join(",", d.MatchedPolicies)}] project={d.FromProjectPolicy} audit={d.AskAudit} " +
        $"headless={d.HeadlessOnly} webhook={d.Webhook?.Url} once={d.Once} suggestions=[{string.Join(" | ", d.Suggestions)}]";

    [Fact]
    public void Deferred_resolution_decides_like_resolving_up_front()
    {
        var random = new Random(20261202);
        var now = DateTimeOffset.UtcNow;
        var failures = new List<string>();
        var outcomes = new Dictionary<DecisionAction, int>();
        var throughLinks = 0;
        for (var round = 0; round < 400 && failures.Count < 10; round++)
        {
            var config = RandomConfig(random);
            var set = CompiledPolicySet.Compile(config);
            for (var k = 0; k < 25; k++)
            {
                var call = RandomCall(random);
                var got = set.Evaluate(call, default, now);
                var eager = set.Explain(call, default, now).Decision;
                var want = ReferenceEvaluator.Evaluate(config, call, now);
                outcomes[got.Action] = outcomes.GetValueOrDefault(got.Action) + 1;
                var gotText = Show(got);
                if (gotText != Show(eager) || ReferenceEvaluator.Difference(got, want) is not null)
                {
                    failures.Add($"round {round} call {k} ({call.Params.Single().Value} in \"{call.Workdir}\"): got {gotText}; " +
                                 $"eager {Show(eager)}; reference {want.Action} \"{want.Message}\" [{string.Join(",", want.Matched)}]");
                }
                // How often the resolved path is a candidate of its own (the links are what the rules must see).
                var path = call.Params.Single().Value.GetString()!;
                if (PathNames.Candidates(path, CallInputs.Workdir(call)).Count > LexicalCount(path, CallInputs.Workdir(call))) throughLinks++;
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Every outcome kind occurs, so the ordering cases above were exercised.
        foreach (var action in Enum.GetValues<DecisionAction>()) Assert.True(outcomes.GetValueOrDefault(action) > 50, $"only {outcomes.GetValueOrDefault(action)} {action}");
        Assert.True(throughLinks > 3000, $"only {throughLinks} calls had a resolved candidate of their own");
    }

    static int LexicalCount(string path, string workdir)
    {
        var list = new List<string>();
        PathNames.AddLexicalCandidates(path, workdir, list);
        return list.Count;
    }

    [Fact]
    public void The_lexical_candidates_completed_by_the_resolution_are_the_eager_candidates()
    {
        foreach (var path in _paths)
        {
            foreach (var workdir in _workdirs)
            {
                var list = new List<string>();
                PathNames.AddLexicalCandidates(path, workdir, list);
                PathNames.AddResolvedCandidate(list);
                Assert.Equal(PathNames.Candidates(path, workdir), list);
            }
        }
    }

    [Theory]
    [InlineData("keys/id_rsa")]
    [InlineData("notes")]
    [InlineData("out/.ssh/id_rsa")]
    public void A_link_into_the_key_directory_is_denied_when_a_workspace_rule_comes_first(string path)
    {
        // The workspace watch fires on the lexical candidates; only the resolved one reaches the key rule.
        var config = new PolicyConfig
        {
            DefaultAction = "allow",
            Policies =
            [
                Policy("workspace", RuleAction.Watch, [_root + "/proj/**"], "workspace read"),
                Policy("keys", RuleAction.Deny, ["**/.ssh/id_*"], "SSH private key access blocked"),
            ],
        };
        var call = new ToolCall
        {
            Tool = "read", Agent = "a", Session = "s", Workdir = _root + "/proj",
            Params = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { ["file_path"] = Json(path) },
        };
        var decision = CompiledPolicySet.Compile(config).Evaluate(call, default, DateTimeOffset.UtcNow);
        Assert.Equal(DecisionAction.Deny, decision.Action);
        Assert.Equal("SSH private key access blocked", decision.Message);
        // The watch does not cover the resolved path (POL-055 granting: every candidate), so it does not fire.
        Assert.Equal(["keys"], decision.MatchedPolicies.ToArray());
    }

    [Fact]
    public void An_earlier_deny_that_only_the_resolved_path_matches_gives_its_message()
    {
        // Lexically the second policy's deny fires first; the link makes the first policy's deny fire.
        var config = new PolicyConfig
        {
            DefaultAction = "allow",
            Policies =
            [
                Policy("secrets", RuleAction.Deny, ["**/secrets/**"], "secrets blocked"),
                Policy("env", RuleAction.Deny, ["**/.env"], "env blocked"),
            ],
        };
        var call = new ToolCall
        {
            Tool = "read", Agent = "a", Session = "s",
            Params = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { ["file_path"] = Json(_root + "/proj/.env") },
        };
        var decision = CompiledPolicySet.Compile(config).Evaluate(call, default, DateTimeOffset.UtcNow);
        Assert.Equal("secrets blocked", decision.Message);
        Assert.Equal(["secrets", "env"], decision.MatchedPolicies.ToArray());
    }

    static Policy Policy(string name, RuleAction action, ImmutableArray<string> paths, string message) => new()
    {
        Name = name,
        Match = new PolicyMatch { Tools = ["read"] },
        Rules = [new PolicyRule { Action = action, RawAction = action.ToString().ToLowerInvariant(), When = new Condition { PathMatches = paths }, Message = message }],
        Source = "/p/custom.yaml",
    };
}
