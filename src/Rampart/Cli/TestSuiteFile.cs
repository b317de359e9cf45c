using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Rampart.Core.Policies;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rampart.Cli;

/// <summary>A loaded test suite: the cases and the policy file the suite names (POL-102, POL-103).</summary>
/// <param name="PolicyPath">Absolute policy path from the suite's <c>policy</c> key, or the file itself for inline tests; null when a suite file has no <c>policy</c>.</param>
internal sealed record TestSuite(string File, string? PolicyPath, ImmutableArray<PolicyTestCase> Cases);

/// <summary>Thrown for suite files that cannot be used; the message is the user-facing text (already prefixed <c>test: </c> where upstream prefixes it).</summary>
internal sealed class TestSuiteException(string message) : Exception(message);

/// <summary>
/// Reads <c>rampart test</c> input files: suite files (<c>policy</c> + <c>tests</c>, strict) and,
/// when that fails for any reason, policy files with an inline <c>tests:</c> list (POL-103).
/// Decoding follows Go yaml.v3 strict mode closely enough for the cases users write: unknown and
/// duplicate keys are errors, string fields take any scalar, <c>params</c> keep YAML types.
/// </summary>
internal static class TestSuiteFile
{
    const int MaxBytes = 1 << 20;

    static readonly string[] SuiteKeys = ["policy", "tests"];
    static readonly string[] CaseKeys = ["name", "tool", "agent", "params", "expect", "expect_message"];

    public static TestSuite Load(string path)
    {
        var full = Path.GetFullPath(path);
        var text = Read(full);
        try
        {
            return LoadSuite(full, text);
        }
        catch (Exception e) when (e is TestSuiteException or YamlException)
        {
            // POL-103: anything wrong with the suite reading → try it as a policy with inline tests.
            return LoadInline(full, text);
        }
    }

    static string Read(string full)
    {
        FileInfo info;
        try
        {
            info = new FileInfo(full);
            if (!info.Exists) throw new TestSuiteException($"test: open {full}: no such file or directory");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TestSuiteException($"test: open {full}: {e.Message}");
        }
        if (info.Length > MaxBytes) throw new TestSuiteException($"test: test file too large ({info.Length} bytes, max {MaxBytes})");
        try
        {
            return File.ReadAllText(full, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TestSuiteException($"test: read {full}: {e.Message}");
        }
    }

    static TestSuite LoadSuite(string full, string text)
    {
        var root = SingleDocument(text);
        if (root is not YamlMappingNode map) throw new TestSuiteException("test file must be a mapping");
        CheckKeys(map, SuiteKeys, "suite");
        string? policy = null;
        var cases = ImmutableArray<PolicyTestCase>.Empty;
        foreach (var (k, v) in map.Children)
        {
            switch (((YamlScalarNode)k).Value)
            {
                case "policy": policy = ScalarText(v, "policy"); break;
                case "tests": cases = DecodeCases(v); break;
            }
        }
        if (cases.IsEmpty) throw new TestSuiteException("test file contains no tests");
        string? policyPath = null;
        if (!string.IsNullOrEmpty(policy))
        {
            policyPath = ExpandHome(policy);
            if (!Path.IsPathRooted(policyPath))
                policyPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full) ?? ".", policyPath));
        }
        return new TestSuite(full, policyPath, cases);
    }

    static TestSuite LoadInline(string full, string text)
    {
        YamlNode? root;
        try
        {
            root = FirstDocument(text);
        }
        catch (YamlException e)
        {
            throw new TestSuiteException($"test: parse {full}: {Describe(e)}");
        }
        YamlNode? tests = null;
        if (root is YamlMappingNode map)
        {
            foreach (var (k, v) in map.Children)
            {
                if (k is YamlScalarNode { Value: "tests" }) tests = v;
            }
        }
        if (tests is null || IsNull(tests)) throw new TestSuiteException($"test: {full} contains no tests");
        ImmutableArray<PolicyTestCase> cases;
        try
        {
            cases = DecodeCases(tests);
        }
        catch (TestSuiteException e)
        {
            throw new TestSuiteException($"test: parse {full}: {e.Message}");
        }
        if (cases.IsEmpty) throw new TestSuiteException($"test: {full} contains no tests");
        return new TestSuite(full, full, cases);
    }

    static YamlNode SingleDocument(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count == 0) throw new TestSuiteException("EOF");
        if (stream.Documents.Count > 1) throw new TestSuiteException("test file must contain exactly one YAML document");
        return stream.Documents[0].RootNode;
    }

    static YamlNode? FirstDocument(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    static ImmutableArray<PolicyTestCase> DecodeCases(YamlNode node)
    {
        if (IsNull(node)) return [];
        if (node is not YamlSequenceNode seq) throw Error(node, "tests must be a list of test cases");
        var cases = ImmutableArray.CreateBuilder<PolicyTestCase>(seq.Children.Count);
        foreach (var item in seq.Children) cases.Add(DecodeCase(item));
        return cases.ToImmutable();
    }

    static PolicyTestCase DecodeCase(YamlNode node)
    {
        if (node is not YamlMappingNode map) throw Error(node, "a test case must be a mapping");
        CheckKeys(map, CaseKeys, "test case");
        var result = new PolicyTestCase();
        string? agent = null;
        foreach (var (k, v) in map.Children)
        {
            switch (((YamlScalarNode)k).Value)
            {
                case "name": result = result with { Name = ScalarText(v, "name") }; break;
                case "tool": result = result with { Tool = ScalarText(v, "tool") }; break;
                case "agent": agent = ScalarText(v, "agent"); break;
                case "params": result = result with { ParamsJson = ParamsToJson(v) }; break;
                case "expect": result = result with { Expect = ScalarText(v, "expect") }; break;
                case "expect_message": result = result with { ExpectMessage = ScalarText(v, "expect_message") }; break;
            }
        }
        // POL-101: the agent defaults to "test" (an explicit empty agent too, as upstream fills it after decoding).
        return result with { Agent = string.IsNullOrEmpty(agent) ? "test" : agent };
    }

    static void CheckKeys(YamlMappingNode map, string[] allowed, string what)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (k, _) in map.Children)
        {
            if (k is not YamlScalarNode { Value: { } key }) throw Error(k, $"{what} keys must be strings");
            if (seen.TryGetValue(key, out var line)) throw Error(k, $"mapping key \"{key}\" already defined at line {line}");
            seen[key] = (int)k.Start.Line;
            if (Array.IndexOf(allowed, key) < 0) throw Error(k, $"field {key} not found in {what}");
        }
    }

    static string ScalarText(YamlNode node, string field) => node switch
    {
        YamlScalarNode s when IsNull(s) => "",
        YamlScalarNode s => s.Value ?? "",
        _ => throw Error(node, $"{field} must be a scalar"),
    };

    static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    static TestSuiteException Error(YamlNode node, string message) => new($"line {node.Start.Line}: {message}");

    static string Describe(YamlException e) => $"line {e.Start.Line}: {e.Message}";

    static string ExpandHome(string path)
    {
        if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            var home = Environment.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, path[2..]);
        }
        return path;
    }

    // ── params: YAML → JSON, keeping the types Go's yaml.v3 gives an `any` ──────────────────────

    static string ParamsToJson(YamlNode node)
    {
        if (IsNull(node)) return "{}";
        if (node is not YamlMappingNode) throw Error(node, "params must be a mapping");
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) WriteJson(writer, node);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    static void WriteJson(Utf8JsonWriter w, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (k, v) in map.Children)
                {
                    var key = k is YamlScalarNode ks ? (IsNull(ks) ? "" : ks.Value ?? "") : throw Error(k, "params keys must be scalars");
                    if (!seen.Add(key)) throw Error(k, $"mapping key \"{key}\" already defined");
                    w.WritePropertyName(key);
                    WriteJson(w, v);
                }
                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq.Children) WriteJson(w, item);
                w.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(w, scalar);
                break;
            default:
                throw Error(node, "unsupported YAML node");
        }
    }

    static void WriteScalar(Utf8JsonWriter w, YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? "" : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            w.WriteStringValue(value);
            return;
        }
        if (IsNull(scalar)) { w.WriteNullValue(); return; }
        switch (value)
        {
            case "true" or "True" or "TRUE": w.WriteBooleanValue(true); return;
            case "false" or "False" or "FALSE": w.WriteBooleanValue(false); return;
        }
        var digits = value.Replace("_", "", StringComparison.Ordinal);
        if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) { w.WriteNumberValue(l); return; }
        if (TryParsePrefixed(digits, out var prefixed)) { w.WriteNumberValue(prefixed); return; }
        if (IsYamlFloat(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            w.WriteNumberValue(d);
            return;
        }
        w.WriteStringValue(value);
    }

    static bool TryParsePrefixed(string v, out long result)
    {
        result = 0;
        var negative = v.StartsWith('-');
        var body = negative || v.StartsWith('+') ? v[1..] : v;
        int radix;
        if (body.StartsWith("0x", StringComparison.Ordinal)) radix = 16;
        else if (body.StartsWith("0o", StringComparison.Ordinal)) radix = 8;
        else if (body.StartsWith("0b", StringComparison.Ordinal)) radix = 2;
        else return false;
        body = body[2..];
        if (body.Length == 0) return false;
        try
        {
            result = Convert.ToInt64(body, radix);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
        if (negative) result = -result;
        return true;
    }

    // YAML 1.2 core float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    static bool IsYamlFloat(string v)
    {
        var i = 0;
        if (i < v.Length && v[i] is '-' or '+') i++;
        var digits = 0;
        while (i < v.Length && char.IsAsciiDigit(v[i])) { i++; digits++; }
        if (i < v.Length && v[i] == '.')
        {
            i++;
            while (i < v.Length && char.IsAsciiDigit(v[i])) { i++; digits++; }
        }
        if (digits == 0) return false;
        if (i < v.Length && v[i] is 'e' or 'E')
        {
            i++;
            if (i < v.Length && v[i] is '-' or '+') i++;
            var exp = 0;
            while (i < v.Length && char.IsAsciiDigit(v[i])) { i++; exp++; }
            if (exp == 0) return false;
        }
        return i == v.Length;
    }
}
