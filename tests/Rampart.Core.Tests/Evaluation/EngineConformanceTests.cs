using Rampart.Core.Evaluation;
using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>
/// engine.yaml: each suite builds its store in a fresh temporary directory and runs its cases in
/// order on one engine (enforce records calls that later cases see). A failure lists every
/// failing case id of the suite.
/// </summary>
public sealed class EngineConformanceTests
{
    static readonly Lazy<Dictionary<string, Dictionary<string, object?>>> Suites = new(() => ConformanceCalls.ById("engine.yaml"));

    public static TheoryData<string> SuiteIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Suites.Value.Keys) data.Add(id);
        return data;
    }

    [Theory]
    [MemberData(nameof(SuiteIds))]
    public void Suite_decides_like_upstream(string suiteId)
    {
        var suite = Suites.Value[suiteId];
        var dir = Directory.CreateTempSubdirectory("rampart-engine-");
        try
        {
            WriteFiles(dir.FullName, suite.Map("files"));
            var expectLoadError = suite.TryGetValue("expect_load_error", out var e) && e is true;
            PolicyConfig config;
            try
            {
                config = Load(dir.FullName, suite.Map("store")!);
            }
            catch (PolicyLoadException ex) when (expectLoadError)
            {
                Assert.False(string.IsNullOrEmpty(ex.Message));
                return;
            }
            Assert.False(expectLoadError, suiteId + ": the store loaded but upstream rejects it: " + suite.Str("upstream_error"));

            var engine = new PolicyEngine(CompiledPolicySet.Compile(config));
            var failures = new List<string>();
            foreach (var item in suite.List("cases") ?? [])
            {
                var c = (Dictionary<string, object?>)item!;
                var id = c.Str("id");
                try
                {
                    var diff = Run(engine, c);
                    if (diff.Length > 0) failures.Add(id + ":" + diff);
                }
                catch (Exception ex) when (ex is NotImplementedException or InvalidOperationException or ArgumentException or NullReferenceException or IndexOutOfRangeException)
                {
                    failures.Add(id + ": threw " + ex.GetType().Name + ": " + ex.Message);
                }
            }
            Assert.True(failures.Count == 0, suiteId + " failing cases:\n" + string.Join("\n", failures));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    static string Run(PolicyEngine engine, Dictionary<string, object?> c)
    {
        var call = ConformanceCalls.ToCall(c.Map("call") ?? []);
        var options = c.Map("options") is { } o
            ? new EvaluationOptions(o.Str("policy_filter") is { Length: > 0 } f ? f : null, o.TryGetValue("default_deny", out var dd) && dd is true)
            : default;
        var repeat = c.TryGetValue("repeat", out var r) && r is long n ? (int)n : 1;
        Decision? decision = null;
        for (var i = 0; i < repeat; i++)
        {
            decision = c.Str("method", "evaluate") switch
            {
                "enforce" => engine.Enforce(call, options),
                "evaluate_response" => engine.EvaluateResponse(call, c.Str("response")),
                _ => engine.Evaluate(call, options),
            };
        }
        return ConformanceCalls.Compare(c.Map("expect")!, decision!);
    }

    static void WriteFiles(string root, Dictionary<string, object?>? files)
    {
        if (files is null) return;
        foreach (var (relative, content) in files)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (content is Dictionary<string, object?> fixture)
                File.Copy(SharedFiles.Fixture(fixture.Str("fixture")), path);
            else
                File.WriteAllText(path, content?.ToString() ?? "");
        }
    }

    static PolicyConfig Load(string root, Dictionary<string, object?> store)
    {
        string? Part(string key) => store.Str(key) is { Length: > 0 } v ? Path.Combine(root, v) : null;
        var file = Part("file");
        var dir = Part("dir");
        return store.Str("kind") switch
        {
            "file" => PolicyStore.LoadFile(file!),
            "dir" => PolicyStore.LoadDirectory(dir!),
            "multi" when dir is null => PolicyStore.LoadFile(file!),
            "multi" => PolicyStore.LoadFileWithDirectory(file ?? "", dir),
            "layered" => PolicyStore.WithProject(PolicyStore.LoadFile(file!), Part("project")!),
            "embedded_mixed" => PolicyStore.LoadProfileWithDirectory(store.Str("name"), File.ReadAllText(file!), dir),
            var kind => throw new InvalidDataException("unknown store kind " + kind),
        };
    }
}
