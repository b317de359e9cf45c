using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Rampart.Testing;

/// <summary>
/// Reads conformance YAML into plain values: <see cref="Dictionary{TKey,TValue}"/> (string keys, file
/// order), <see cref="List{T}"/>, string, long, double, bool and null. Plain scalars are resolved
/// with the YAML 1.2 core schema (what Go yaml.v3 does for <c>any</c>); quoted scalars stay strings.
/// <c>{$repeat: T, count: N, prefix: P, suffix: S}</c> mappings are expanded to P + T*N + S.
/// </summary>
public static class ConformanceYaml
{
    public static object? LoadFile(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path, Encoding.UTF8);
        stream.Load(reader);
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    /// <summary>The top-level list of a conformance file.</summary>
    public static List<object?> LoadList(string path) =>
        LoadFile(path) as List<object?> ?? throw new InvalidDataException(path + " is not a YAML list");

    /// <summary>The top-level mapping of a conformance file.</summary>
    public static Dictionary<string, object?> LoadMap(string path) =>
        LoadFile(path) as Dictionary<string, object?> ?? throw new InvalidDataException(path + " is not a YAML mapping");

    /// <summary>Adds every string scalar anywhere in <paramref name="node"/> (a converted document) to <paramref name="into"/>.</summary>
    public static void CollectStrings(object? node, ISet<string> into)
    {
        switch (node)
        {
            case string s: into.Add(s); break;
            case Dictionary<string, object?> map:
                foreach (var value in map.Values) CollectStrings(value, into);
                break;
            case List<object?> list:
                foreach (var value in list) CollectStrings(value, into);
                break;
        }
    }

    /// <summary>
    /// Every string scalar of the given conformance files and of upstream's policy files, in ordinal order, with
    /// <paramref name="extra"/> added, keeping the non-empty ones shorter than <paramref name="maxLength"/>: the
    /// corpus the matcher differential tests use as patterns and as inputs.
    /// </summary>
    public static List<string> CorpusStrings(IEnumerable<string> conformanceFiles, int maxLength, IEnumerable<string>? extra = null)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in conformanceFiles) CollectStrings(LoadFile(SharedFiles.Conformance(file)), found);
        foreach (var file in Directory.GetFiles(Path.Combine(SharedFiles.SharedRoot, "fixtures", "upstream"), "*.yaml"))
        {
            CollectStrings(LoadFile(file), found);
        }
        if (extra is not null) found.UnionWith(extra);
        var list = new List<string>();
        foreach (var s in found)
        {
            if (s.Length > 0 && s.Length < maxLength) list.Add(s);
        }
        return list;
    }

    public static object? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return ResolveScalar(scalar);
            case YamlSequenceNode seq:
                var list = new List<object?>(seq.Children.Count);
                foreach (var child in seq.Children) list.Add(Convert(child));
                return list;
            case YamlMappingNode map:
                var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, v) in map.Children)
                {
                    var key = k is YamlScalarNode ks ? ks.Value ?? "" : k.ToString();
                    dict[key] = Convert(v);
                }
                if (dict.TryGetValue("$repeat", out var text)) return ExpandRepeat(dict, text);
                return dict;
            default:
                throw new InvalidDataException("unknown node " + node.NodeType);
        }
    }

    static string ExpandRepeat(Dictionary<string, object?> dict, object? text)
    {
        var count = System.Convert.ToInt32(dict["count"], CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        if (dict.TryGetValue("prefix", out var p) && p is not null) sb.Append(AsText(p));
        var piece = AsText(text);
        for (var i = 0; i < count; i++) sb.Append(piece);
        if (dict.TryGetValue("suffix", out var s) && s is not null) sb.Append(AsText(s));
        return sb.ToString();
    }

    static string AsText(object? v) => v switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    static object? ResolveScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain) return value;
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
        }
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        if (value.StartsWith("0x", StringComparison.Ordinal) &&
            long.TryParse(value.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex)) return hex;
        if (LooksLikeFloat(value) &&
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        return value;
    }

    static bool LooksLikeFloat(string v)
    {
        // YAML 1.2 core float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
        var i = 0;
        if (i < v.Length && (v[i] == '-' || v[i] == '+')) i++;
        var digits = 0;
        while (i < v.Length && char.IsAsciiDigit(v[i])) { i++; digits++; }
        if (i < v.Length && v[i] == '.') { i++; while (i < v.Length && char.IsAsciiDigit(v[i])) { i++; digits++; } }
        if (digits == 0) return false;
        if (i < v.Length && (v[i] == 'e' || v[i] == 'E'))
        {
            i++;
            if (i < v.Length && (v[i] == '-' || v[i] == '+')) i++;
            var exp = 0;
            while (i < v.Length && char.IsAsciiDigit(v[i])) { i++; exp++; }
            if (exp == 0) return false;
        }
        return i == v.Length;
    }

    /// <summary>Serialises a plain value (as produced by <see cref="Convert"/>) to JSON text.</summary>
    public static string ToJson(object? value, JsonWriterOptions options = default)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, options)) Write(w, value);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>A plain mapping as a map of <see cref="JsonElement"/> values (for <c>ToolCall.Params</c>/<c>Input</c>).</summary>
    public static Dictionary<string, JsonElement> ToJsonMap(object? value)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (value is not Dictionary<string, object?> map) return result;
        foreach (var (k, v) in map)
        {
            using var doc = JsonDocument.Parse(ToJson(v));
            result[k] = doc.RootElement.Clone();
        }
        return result;
    }

    static void Write(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case List<object?> list:
                w.WriteStartArray();
                foreach (var item in list) Write(w, item);
                w.WriteEndArray();
                break;
            case Dictionary<string, object?> map:
                w.WriteStartObject();
                foreach (var (k, v) in map) { w.WritePropertyName(k); Write(w, v); }
                w.WriteEndObject();
                break;
            default: w.WriteStringValue(value.ToString()); break;
        }
    }

    // Convenience accessors for test data.
    public static string Str(this Dictionary<string, object?> map, string key, string fallback = "") =>
        map.TryGetValue(key, out var v) && v is not null ? AsText(v) : fallback;

    public static Dictionary<string, object?>? Map(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var v) ? v as Dictionary<string, object?> : null;

    public static List<object?>? List(this Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var v) ? v as List<object?> : null;
}
