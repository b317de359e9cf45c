using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Policies;

/// <summary>Materialises an engine.yaml suite's <c>files</c> in a temp directory and loads its <c>store</c>.</summary>
internal sealed class EngineSuiteStore : IDisposable
{
    static readonly List<object?> Suites = ConformanceYaml.LoadList(SharedFiles.Conformance("engine.yaml"));

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "rampart-policies-" + Guid.NewGuid().ToString("N"));
    public Dictionary<string, object?> Suite { get; }

    public EngineSuiteStore(string id)
    {
        Suite = Find(id);
        Directory.CreateDirectory(Root);
        foreach (var (relative, content) in Suite.Map("files")!)
        {
            var path = Path.Combine(Root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (content is Dictionary<string, object?> fixture) File.Copy(SharedFiles.Fixture(fixture.Str("fixture")), path);
            else File.WriteAllText(path, (string?)content ?? "");
        }
    }

    public static IEnumerable<string> Ids(bool loadError)
    {
        foreach (var s in Suites)
        {
            var suite = (Dictionary<string, object?>)s!;
            if ((suite.TryGetValue("expect_load_error", out var e) && e is true) == loadError) yield return suite.Str("id");
        }
    }

    static Dictionary<string, object?> Find(string id)
    {
        foreach (var s in Suites)
        {
            var suite = (Dictionary<string, object?>)s!;
            if (suite.Str("id") == id) return suite;
        }
        throw new KeyNotFoundException(id);
    }

    string? Part(string key) => Suite.Map("store")!.Str(key) is { Length: > 0 } v ? Path.Combine(Root, v) : null;

    public PolicyConfig Load()
    {
        var store = Suite.Map("store")!;
        return store.Str("kind") switch
        {
            "file" => PolicyStore.LoadFile(Part("file")!),
            "dir" => PolicyStore.LoadDirectory(Part("dir")!),
            "multi" => PolicyStore.LoadFileWithDirectory(Part("file") ?? "", Part("dir") ?? Path.Combine(Root, "no-policy-dir")),
            "layered" => PolicyStore.WithProject(PolicyStore.LoadFile(Part("file")!), Part("project")!),
            "embedded_mixed" => PolicyStore.LoadProfileWithDirectory(store.Str("name"), File.ReadAllText(Part("file")!), Part("dir")),
            var kind => throw new NotSupportedException("store kind " + kind),
        };
    }

    /// <summary>The upstream message with the suite's relative paths made absolute (we report absolute sources).</summary>
    public string ExpectedError()
    {
        var message = Suite.Str("upstream_error");
        var store = Suite.Map("store")!;
        var keys = Suite.Map("files")!.Keys
            .Concat(new[] { "file", "dir", "project" }.Select(k => store.Str(k)).Where(v => v.Length > 0))
            .Distinct().OrderByDescending(k => k.Length);
        foreach (var key in keys) message = message.Replace("\"" + key + "\"", "\"" + Path.Combine(Root, key) + "\"", StringComparison.Ordinal)
            .Replace("stat " + key + ":", "stat " + Path.Combine(Root, key) + ":", StringComparison.Ordinal);
        return message;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
