using Rampart.Testing;

namespace Rampart.Core.Tests.Audit;

/// <summary>The three audit conformance files, loaded once, with lookups by case id.</summary>
internal static class AuditVectors
{
    static readonly Lazy<Dictionary<string, object?>> DashFile =
        new(() => ConformanceYaml.LoadMap(SharedFiles.Conformance("audit-chain.yaml")));
    static readonly Lazy<Dictionary<string, object?>> UnderscoreFile =
        new(() => ConformanceYaml.LoadMap(SharedFiles.Conformance("audit_chain.yaml")));
    static readonly Lazy<Dictionary<string, object?>> RedactionFile =
        new(() => ConformanceYaml.LoadMap(SharedFiles.Conformance("redaction.yaml")));

    /// <summary>audit-chain.yaml</summary>
    public static Dictionary<string, object?> Chain => DashFile.Value;

    /// <summary>audit_chain.yaml</summary>
    public static Dictionary<string, object?> Records => UnderscoreFile.Value;

    /// <summary>redaction.yaml</summary>
    public static Dictionary<string, object?> Redaction => RedactionFile.Value;

    public static List<Dictionary<string, object?>> Cases(Dictionary<string, object?> file, string section)
    {
        var list = file.List(section) ?? throw new InvalidDataException("missing section " + section);
        return list.Cast<Dictionary<string, object?>>().ToList();
    }

    public static TheoryData<string> Ids(Dictionary<string, object?> file, string section)
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases(file, section)) data.Add(c.Str("id"));
        return data;
    }

    public static Dictionary<string, object?> Case(Dictionary<string, object?> file, string section, string id) =>
        Cases(file, section).Single(c => c.Str("id") == id);
}
