using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

/// <summary>glob.yaml cases by id, so theories carry only the id (some inputs are 20 000 characters).</summary>
internal static class GlobCases
{
    private static readonly Lazy<Dictionary<string, Dictionary<string, object?>>> All = new(() =>
    {
        var byId = new Dictionary<string, Dictionary<string, object?>>(StringComparer.Ordinal);
        foreach (var item in ConformanceYaml.LoadList(SharedFiles.Conformance("glob.yaml")))
        {
            var map = (Dictionary<string, object?>)item!;
            byId.Add(map.Str("id"), map);
        }
        return byId;
    });

    public static TheoryData<string> Ids(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var (id, map) in All.Value)
        {
            if (map.Str("kind") == kind) data.Add(id);
        }
        return data;
    }

    public static Dictionary<string, object?> Get(string id) => All.Value[id];

    public static bool Expect(this Dictionary<string, object?> map) => map["expect"] is true;
}
