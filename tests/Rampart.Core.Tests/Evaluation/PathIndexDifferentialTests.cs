using System.Collections.Immutable;
using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Matching;
using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>
/// Keeps the rule index's path part (one automaton per tool bucket over every path pattern's own and
/// workdir-joined variants, rules keyed on their <c>path_matches</c>) honest against
/// <see cref="ReferenceEvaluator"/>, which matches every pattern on its own: generated path rules of
/// every action over generated paths and working directories, with symbolic links on disk so the
/// resolved candidate differs from the cleaned one, and the workdir changing from call to call.
/// </summary>
public sealed class PathIndexDifferentialTests : IDisposable
{
    readonly string _root;
    readonly string[] _patterns;
    readonly string[] _paths;
    readonly string[] _workdirs;

    public PathIndexDifferentialTests()
    {
        var temp = Path.Combine(Path.GetTempPath(), "rampart-pathindex-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        _root = PathNames.Resolve(PathNames.Clean(temp));
        var real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        Directory.CreateDirectory(Path.Combine(real, ".ssh"));
        File.WriteAllText(Path.Combine(real, ".ssh", "id_rsa"), "");
        File.WriteAllText(Path.Combine(real, "notes.txt"), "");
        Directory.CreateDirectory(Path.Combine(_root, "proj", "src"));
        // A workspace link to the key directory, and a link that makes the workdir itself resolve elsewhere.
        Directory.CreateSymbolicLink(Path.Combine(_root, "proj", "keys"), Path.Combine(real, ".ssh"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), real);

        _patterns =
        [
            // literal text after a leading **/ (the standard profile's shape), both slash spellings, repeated
            "**/.ssh/id_*", "**\\.ssh\\id_*", "**/.ssh/id_*", "**/*.pub", "**/.env", "**/.env.*", "**/etc/shadow",
            "**/.aws/credentials", "**/ID_RSA", "**/Library/Keychains/**", "**/É/*.txt",
            // absolute patterns, with and without meta, one through a link
            "/etc/**", "/etc/passwd", _root + "/real/**", _root + "/alias/*.txt", _root + "/proj/keys/id_*", "/proj/*.env",
            // relative patterns: joined onto the workdir against absolute candidates
            "*.go", "src/**", "src/*.go", "keys/*", "../secret/*.key", "./src/main.go", "notes.txt", "alias/*.txt",
            // literal-free, and patterns that match nothing
            "**", "*", "?*", "[a-z]*", "", "[", "**/a/**/b/**/c/**",
        ];
        _paths =
        [
            "/home/u/.ssh/id_rsa", "/home/u/.ssh/id_rsa.pub", "~/.ssh/id_rsa", "/HOME/U/.SSH/ID_RSA", "C:\\Users\\u\\.ssh\\id_rsa",
            "/etc/passwd", "/x/etc/shadow", "/proj/a.env", "a.env", ".env", "src/main.go", "./src/../src/main.go", "main.go",
            "/home/user/project/src/main.go", _root + "/proj/src/main.go", _root + "/proj/keys/id_rsa", "keys/id_rsa",
            _root + "/alias/notes.txt", _root + "/alias/.ssh/id_rsa", "notes.txt", "../secret/a.key", "/p/É/f.txt",
            "a\\b.env", "/", ".", "x", new string('a', 5000),
        ];
        _workdirs = ["", "", "/proj", "/home/user/project", _root + "/proj", _root + "/alias", "  /w/../proj  ", "rel", "/a[b", "C:\\w"];
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    static T Pick<T>(Random r, T[] from) => from[r.Next(from.Length)];

    ImmutableArray<string> Some(Random r, int max) => [.. Enumerable.Range(0, r.Next(1, max + 1)).Select(_ => Pick(r, _patterns))];

    Condition RandomCondition(Random r)
    {
        var c = new Condition { PathMatches = Some(r, 4) };
        if (r.Next(3) == 0) c = c with { PathNotMatches = Some(r, 3) };
        // Now and then a rule keyed elsewhere (the command) whose path lists are still numbered in the index.
        if (r.Next(12) == 0) c = c with { CommandMatches = ["cat *"] };
        if (r.Next(25) == 0) c = c with { Default = true };
        return c;
    }

    PolicyConfig RandomConfig(Random r)
    {
        var policies = ImmutableArray.CreateBuilder<Policy>();
        var count = r.Next(2, 25);
        for (var i = 0; i < count; i++)
        {
            var rules = ImmutableArray.CreateBuilder<PolicyRule>();
            for (var j = r.Next(1, 4); j > 0; j--)
            {
                var action = Pick(r, [RuleAction.Allow, RuleAction.Deny, RuleAction.Watch, RuleAction.Ask]);
                rules.Add(new PolicyRule
                {
                    Action = action,
                    RawAction = action.ToString().ToLowerInvariant(),
                    When = RandomCondition(r),
                    Message = $"p{i}r{j}",
                });
            }
            policies.Add(new Policy
            {
                Name = "p" + i,
                Priority = r.Next(0, 4),
                Match = new PolicyMatch { Tools = r.Next(4) == 0 ? [] : [Pick(r, ["read", "write", "read"])] },
                Rules = rules.ToImmutable(),
                Source = "/p/custom.yaml",
            });
        }
        return new PolicyConfig { DefaultAction = Pick(r, ["allow", "deny", "ask"]), Policies = policies.ToImmutable() };
    }

    static JsonElement Json(string s) => JsonDocument.Parse(JsonSerializer.Serialize(s, DiffJson.Default.String)).RootElement.Clone();

    static Dictionary<string, JsonElement> Map(string key, string value) => new(StringComparer.Ordinal) { [key] = Json(value) };

    ToolCall RandomCall(Random r)
    {
        var p = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (r.Next(10) != 0) p[Pick(r, ["file_path", "path"])] = Json(Pick(r, _paths));
        if (r.Next(10) == 0) p["command"] = Json("cat /etc/passwd");
        return new ToolCall { Tool = Pick(r, ["read", "read", "write", "exec"]), Agent = "a", Session = "s", Params = p, Workdir = Pick(r, _workdirs) };
    }

    static string Short(string text) => text.Length <= 80 ? text : text[..80] + "…";

    [Fact]
    public void Indexed_path_decisions_equal_the_reference_evaluator()
    {
        var random = new Random(20261202);
        var now = DateTimeOffset.UtcNow;
        var failures = new List<string>();
        var denyByRule = 0;
        var allowByRule = 0;
        for (var round = 0; round < 120 && failures.Count < 10; round++)
        {
            var config = RandomConfig(random);
            var set = CompiledPolicySet.Compile(config);
            for (var k = 0; k < 40; k++)
            {
                var call = RandomCall(random);
                var want = ReferenceEvaluator.Evaluate(config, call, now);
                var got = set.Evaluate(call, default, now);
                if (got.Message.StartsWith('p')) _ = got.Action == DecisionAction.Deny ? denyByRule++ : allowByRule++;
                if (ReferenceEvaluator.Difference(got, want) is { } difference)
                {
                    failures.Add($"round {round} call {k} ({call.Tool} {Short(string.Join(",", call.Params.Select(kv => kv.Key + "=" + kv.Value)))} in \"{call.Workdir}\"): {difference}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(denyByRule > 200 && allowByRule > 200, $"only {denyByRule} rule denies and {allowByRule} other rule decisions");
    }

    [Fact]
    public void Every_list_answers_like_its_patterns_one_by_one()
    {
        // The list check alone (PathList.AnyMatches through the index's marks) against PatternMatchesCandidate.
        var random = new Random(7);
        var now = DateTimeOffset.UtcNow;
        var failures = new List<string>();
        for (var round = 0; round < 60; round++)
        {
            var rules = Enumerable.Range(0, 8).Select(j => new PolicyRule
            {
                Action = RuleAction.Deny,
                RawAction = "deny",
                When = new Condition { PathMatches = Some(random, 5) },
                Message = "r" + j,
            }).ToImmutableArray();
            var set = CompiledPolicySet.Compile(new PolicyConfig
            {
                DefaultAction = "allow",
                Policies = [new Policy { Name = "p", Match = new PolicyMatch { Tools = ["read"] }, Rules = rules, Source = "/p.yaml" }],
            });
            var index = set.IndexFor("read");
            var policy = set.SortedFor("read")[0];
            foreach (var path in _paths)
            {
                foreach (var workdir in _workdirs)
                {
                    var call = new ToolCall { Tool = "read", Agent = "a", Session = "s", Workdir = workdir, Params = Map("path", path) };
                    var ctx = CallContext.Rent(call, now, null);
                    try
                    {
                        var bits = new ulong[index.Words];
                        Assert.True(index.TryMark(ctx, bits));
                        var w = PathNames.NormalizeWorkdir(CallInputs.Workdir(call));
                        for (var r = 0; r < policy.Rules.Length; r++)
                        {
                            var lists = index.PathsOf(r)!;
                            var patterns = lists.Matches.Patterns;
                            for (var i = 0; i < ctx.PathCandidates.Count; i++)
                            {
                                var candidate = ctx.PathCandidates[i];
                                var want = patterns.Any(g => PathNames.PatternMatchesCandidate(g, candidate, w));
                                if (want != lists.Matches.AnyMatches(ctx.PathIndex!, ctx.PathMarks, i))
                                    failures.Add($"{Short(candidate)} in \"{workdir}\" against [{string.Join(", ", patterns.Select(g => g.Pattern))}]: want {want}");
                                // A rule whose slot is unmarked cannot have a matching pattern for any candidate.
                                if (want && (bits[r >> 6] & (1UL << (r & 63))) == 0)
                                    failures.Add($"slot {r} unmarked for {Short(candidate)} in \"{workdir}\"");
                            }
                        }
                    }
                    finally
                    {
                        CallContext.Return(ctx);
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Theory]
    [InlineData("/home/user/project/src/main.go", "")]
    [InlineData("/home/user/project/src/main.go", "/home/user/project")]
    [InlineData("src/main.go", "")]
    [InlineData("src/main.go", "/home/user/project")]
    public void A_project_file_read_marks_no_rule_of_the_standard_profile(string path, string workdir)
    {
        // The standard profile's read rules all name credential or system paths: none can fire for a
        // project file, so the index must leave every one of them unwalked.
        var set = CompiledPolicySet.Compile(PolicyStore.LoadFile(SharedFiles.Fixture("standard.yaml")));
        var index = set.IndexFor("read");
        var call = new ToolCall { Tool = "read", Agent = "a", Session = "s", Workdir = workdir, Params = Map("file_path", path) };
        var ctx = CallContext.Rent(call, DateTimeOffset.UtcNow, null);
        try
        {
            var bits = new ulong[index.Words];
            Assert.True(index.TryMark(ctx, bits));
            var marked = new List<string>();
            var sorted = set.SortedFor("read");
            for (var slot = 0; slot < bits.Length * 64; slot++)
            {
                if ((bits[slot >> 6] & (1UL << (slot & 63))) == 0) continue;
                var rule = sorted[index.PolicyOf(slot)].Rules[index.RuleOf(slot)];
                marked.Add(sorted[index.PolicyOf(slot)].Name + "/" + rule.Message + (index.PathsOf(slot) is null ? "" : " (path)"));
            }
            Assert.Equal([], marked.Where(m => m.EndsWith("(path)")));
            // What is left is the unconditional catch-all (response-only rules never fire on a request, POL-047 step 11).
            Assert.Equal(["allow-unmatched/No matching standard policy rule"], marked);
        }
        finally
        {
            CallContext.Return(ctx);
        }
    }

    [Fact]
    public void A_key_read_through_a_workspace_link_marks_the_key_rule()
    {
        var set = CompiledPolicySet.Compile(PolicyStore.LoadFile(SharedFiles.Fixture("standard.yaml")));
        var call = new ToolCall
        {
            Tool = "read", Agent = "a", Session = "s", Workdir = _root + "/proj",
            Params = Map("file_path", "keys/id_rsa"),
        };
        var decision = set.Evaluate(call, default, DateTimeOffset.UtcNow);
        Assert.Equal(DecisionAction.Deny, decision.Action);
        Assert.Equal("SSH private key access blocked", decision.Message);
    }
}
