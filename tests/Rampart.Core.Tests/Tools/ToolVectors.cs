using Rampart.Testing;

namespace Rampart.Core.Tests.Tools;

/// <summary>tools.yaml sections by id (the sections this project's tool tests own).</summary>
internal static class ToolVectors
{
    private static readonly Lazy<Dictionary<string, object?>> File = new(() => ConformanceYaml.LoadMap(SharedFiles.Conformance("tools.yaml")));

    public static TheoryData<string> Ids(string section)
    {
        var data = new TheoryData<string>();
        foreach (var item in File.Value.List(section)!) data.Add(((Dictionary<string, object?>)item!).Str("id"));
        return data;
    }

    public static Dictionary<string, object?> Get(string section, string id)
    {
        foreach (var item in File.Value.List(section)!)
        {
            var map = (Dictionary<string, object?>)item!;
            if (map.Str("id") == id) return map;
        }
        throw new KeyNotFoundException(id);
    }
}
