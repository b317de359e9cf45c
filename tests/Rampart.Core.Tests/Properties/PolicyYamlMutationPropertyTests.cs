using System.Text;
using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Properties;

/// <summary>
/// POL-024: whatever a policy file contains, <see cref="PolicyYaml.Parse"/> either loads it or throws
/// <see cref="PolicyLoadException"/> — never anything else, never a crash. Inputs are upstream's policy
/// files, broken in the ways files get broken: flipped bytes, truncation, duplicated lines, plus
/// hand-made hostile shapes (deep nesting, huge scalars, alias bombs).
/// </summary>
public sealed class PolicyYamlMutationPropertyTests
{
    static readonly string[] FixtureNames =
    [
        "block-prompt-injection.yaml", "ci.yaml", "guard.yaml", "mcp-server.yaml", "openclaw.yaml",
        "paranoid.yaml", "policy-with-tests.yaml", "rampart-tests.yaml", "standard.yaml", "yolo.yaml",
    ];

    const string Structural = ":-[]{}&*!|>'\"#\n \t\\%@`,?";

    public static TheoryData<string> Fixtures() => [.. FixtureNames];

    static byte[] Fixture(string name) => File.ReadAllBytes(SharedFiles.Fixture(name));

    /// <summary>Loads or fails cleanly; returns a description of any other outcome.</summary>
    static string? Violation(byte[] bytes, string what)
    {
        try
        {
            PolicyYaml.Parse(Encoding.UTF8.GetString(bytes), "/p/mutated.yaml");
            return null;
        }
        catch (PolicyLoadException ex)
        {
            return ex.Message.StartsWith("engine: ", StringComparison.Ordinal) ? null : $"{what}: unprefixed message '{ex.Message}'";
        }
        catch (Exception ex)
        {
            return $"{what}: {ex.GetType().Name}: {ex.Message}";
        }
    }

    static void AssertClean(IEnumerable<(byte[] Bytes, string What)> inputs, int minimum)
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var (bytes, what) in inputs)
        {
            count++;
            if (Violation(bytes, what) is { } v && failures.Count < 10) failures.Add(v);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(count >= minimum, $"only {count} inputs");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Byte_flips_load_or_fail_cleanly(string fixture)
    {
        var original = Fixture(fixture);
        var random = new Random(fixture.Length * 131 + original.Length);
        IEnumerable<(byte[], string)> Inputs()
        {
            for (var i = 0; i < 150; i++)
            {
                var bytes = (byte[])original.Clone();
                var flips = 1 + random.Next(4);
                var where = new List<int>();
                for (var f = 0; f < flips; f++)
                {
                    var at = random.Next(bytes.Length);
                    // Half the time a structural byte, half a random bit.
                    bytes[at] = random.Next(2) == 0 ? (byte)Structural[random.Next(Structural.Length)] : (byte)(bytes[at] ^ (1 << random.Next(8)));
                    where.Add(at);
                }
                yield return (bytes, $"{fixture} flipped at {string.Join(",", where)}");
            }
        }
        AssertClean(Inputs(), 150);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Truncations_load_or_fail_cleanly(string fixture)
    {
        var original = Fixture(fixture);
        IEnumerable<(byte[], string)> Inputs()
        {
            // 100 cut points spread over the file, plus every cut in the first 64 bytes.
            var cuts = new SortedSet<int>(Enumerable.Range(0, Math.Min(64, original.Length)));
            for (var i = 1; i <= 100; i++) cuts.Add((int)((long)original.Length * i / 101));
            foreach (var cut in cuts) yield return (original[..cut], $"{fixture} cut at {cut}");
        }
        AssertClean(Inputs(), 100);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Duplicated_and_dropped_lines_load_or_fail_cleanly(string fixture)
    {
        var lines = Encoding.UTF8.GetString(Fixture(fixture)).Split('\n');
        var random = new Random(lines.Length);
        IEnumerable<(byte[], string)> Inputs()
        {
            for (var i = 0; i < 120; i++)
            {
                var list = lines.ToList();
                var at = random.Next(list.Count);
                var span = 1 + random.Next(Math.Min(8, list.Count - at));
                var what = random.Next(3) switch
                {
                    0 => "duplicated",
                    1 => "dropped",
                    _ => "re-indented",
                };
                var block = list.GetRange(at, span);
                switch (what)
                {
                    case "duplicated": list.InsertRange(at, block); break;
                    case "dropped": list.RemoveRange(at, span); break;
                    default: for (var k = at; k < at + span; k++) list[k] = new string(' ', random.Next(1, 4)) + list[k]; break;
                }
                yield return (Encoding.UTF8.GetBytes(string.Join('\n', list)), $"{fixture} lines {at}..{at + span} {what}");
            }
        }
        AssertClean(Inputs(), 120);
    }

    static string Policy(string when) =>
        "version: \"1\"\npolicies:\n  - name: p\n    match:\n      tool: exec\n    rules:\n      - action: deny\n        when:\n" + when;

    public static TheoryData<string, string> Hostile()
    {
        var laughs = new StringBuilder("version: \"1\"\nl0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i < 10; i++) laughs.Append($"l{i}: &l{i} [{string.Join(",", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        var laughsInPolicy = new StringBuilder("version: \"1\"\npolicies:\n  - name: p\n    rules:\n      - action: deny\n        when:\n          command_matches: &c0 [\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]\n");
        for (var i = 1; i < 9; i++) laughsInPolicy.Append($"          command_contains: &c{i} [{string.Join(",", Enumerable.Repeat($"*c{i - 1}", 8))}]\n");
        return new()
        {
            { "billion laughs", laughs.Append("policies: *l9\n").ToString() },
            { "billion laughs inside a rule (duplicate keys)", laughsInPolicy.ToString() },
            { "alias to an unknown anchor", "version: \"1\"\npolicies: *nowhere\n" },
            { "alias to itself", "version: \"1\"\npolicies: &p [*p]\n" },
            { "merge key from an alias", "version: \"1\"\nbase: &b {action: deny}\npolicies:\n  - name: p\n    rules:\n      - <<: *b\n        message: m\n" },
            { "deep flow nesting", "policies: " + new string('[', 50_000) + new string(']', 50_000) + "\n" },
            { "deep block nesting", "policies:\n" + string.Concat(Enumerable.Range(1, 600).Select(i => new string(' ', i) + "- a:\n")) },
            { "unclosed flow nesting", "policies: " + new string('[', 50_000) + "\n" },
            { "scalar just under the size limit", "version: \"1\"\npolicies:\n  - name: \"" + new string('x', PolicyYaml.MaxFileBytes - 200) + "\"\n    rules: [{action: deny}]\n" },
            { "file over the size limit", "# " + new string('x', PolicyYaml.MaxFileBytes) + "\n" },
            { "huge glob", Policy("          command_matches: [\"" + string.Concat(Enumerable.Repeat("*a", 400_000)) + "\"]\n") },
            { "huge path glob", Policy("          path_matches: [\"" + string.Concat(Enumerable.Repeat("**/a", 200_000)) + "\"]\n") },
            { "huge regex", Policy("          response_matches: [\"" + string.Concat(Enumerable.Repeat("(a|b)*", 100_000)) + "\"]\n") },
            { "deep regex groups", Policy("          response_matches: [\"" + new string('(', 60_000) + "a" + new string(')', 60_000) + "\"]\n") },
            { "regex repetition bomb", Policy("          response_matches: [\"((a{1000}){1000}){1000}\"]\n") },
            { "15 000 policies", "version: \"1\"\npolicies:\n" + string.Concat(Enumerable.Range(0, 15_000).Select(i => $"  - {{name: p{i}, rules: [{{action: watch, when: {{command_matches: [\"*{i}*\"]}}}}]}}\n")) },
            { "a million-character key", "version: \"1\"\n" + new string('k', 1_000_000) + ": 1\n" },
            { "many documents", string.Concat(Enumerable.Repeat("---\nversion: \"1\"\n", 20_000)) },
            { "tags everywhere", "version: !!int \"1\"\npolicies: !!seq\n  - !custom {name: !!binary aGk=, rules: !!null}\n" },
            { "lone surrogate escapes", Policy("          command_matches: [\"\\uD800\", \"\\udfff*\"]\n") },
            { "NUL and controls", "version: \"1\"\npolicies:\n  - name: \"a\\0b\\x01\"\n    rules: [{action: deny, message: \"\\e\\a\"}]\n" },
            { "byte order marks mid-file", "\ufeffversion: \"1\"\n\ufeffpolicies: []\n" },
        };
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_shapes_load_or_fail_cleanly(string name, string yaml)
    {
        Assert.Null(Violation(Encoding.UTF8.GetBytes(yaml), name));
    }

    [Fact]
    public void An_alias_bomb_is_rejected_as_excessive_aliasing()
    {
        var laughs = Hostile().Select(row => (string)row[1]).First();
        var ex = Assert.Throws<PolicyLoadException>(() => PolicyYaml.Parse(laughs, "/p/bomb.yaml"));
        Assert.Contains("excessive aliasing", ex.Message);
    }

    [Fact]
    public void A_file_over_one_mebibyte_is_rejected_by_size()
    {
        var ex = Assert.Throws<PolicyLoadException>(() => PolicyYaml.Parse("# " + new string('x', PolicyYaml.MaxFileBytes) + "\n", "/p/big.yaml"));
        Assert.StartsWith("engine: policy file too large (", ex.Message);
    }
}
