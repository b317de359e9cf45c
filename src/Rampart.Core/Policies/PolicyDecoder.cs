using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Rampart.Core.Policies;

/// <summary>A decoding failure (before validation); the message has no <c>engine: parse …</c> prefix yet.</summary>
internal sealed class PolicyDecodeException(string message) : Exception(message)
{
    /// <summary>Position of the first problem (1-based; 0 when unknown).</summary>
    public int Line { get; init; }
    public int Column { get; init; }
}

/// <summary>
/// Decodes a <see cref="YamlNode"/> tree into the unvalidated policy model the way Go yaml.v3
/// decodes into upstream's structs (POL-024): type errors are collected and reported together
/// (<c>yaml: unmarshal errors:</c>), custom-unmarshaler errors stop at once. With
/// <c>knownFields</c> (strict mode, POL-024) unknown keys are errors; lint decodes without it (POL-094).
/// Duplicate keys are errors in both modes, as in yaml.v3.
/// </summary>
internal sealed class PolicyDecoder
{
    readonly bool _knownFields;
    readonly List<string> _typeErrors = [];
    int _firstLine;
    int _firstColumn;

    void AddError(YamlNode node, string message)
    {
        if (_typeErrors.Count == 0)
        {
            _firstLine = node.Line;
            _firstColumn = node.Column;
        }
        _typeErrors.Add(message);
    }

    PolicyDecodeException Errors() =>
        new("yaml: unmarshal errors:\n  " + string.Join("\n  ", _typeErrors)) { Line = _firstLine, Column = _firstColumn };

    PolicyDecoder(bool knownFields) => _knownFields = knownFields;

    /// <summary>Decodes one document root (null = empty document).</summary>
    public static PolicyDocument Decode(YamlNode? root, bool knownFields)
    {
        var decoder = new PolicyDecoder(knownFields);
        var document = root is null ? new PolicyDocument() : decoder.Document(root);
        if (decoder._typeErrors.Count > 0)
        {
            throw decoder.Errors();
        }
        return document;
    }

    /// <summary>Checks a node as yaml.v3 does when decoding into <c>map[string]any</c> (lint's "generic map" pass).</summary>
    public static void CheckGenericMap(YamlNode? root)
    {
        var decoder = new PolicyDecoder(false);
        if (root is not null && !root.IsNull)
        {
            if (root.Kind != YamlKind.Mapping) decoder.TypeError(root, "map[string]interface {}");
            else decoder.CheckAny(root);
        }
        if (decoder._typeErrors.Count > 0)
        {
            throw decoder.Errors();
        }
    }

    void CheckAny(YamlNode node)
    {
        switch (node.Kind)
        {
            case YamlKind.Sequence:
                foreach (var item in node.Items) CheckAny(item);
                break;
            case YamlKind.Mapping:
                ForEachEntry(node, null, (_, _, value) => { CheckAny(value); return true; });
                break;
        }
    }

    // ---- schema -------------------------------------------------------------------------------

    PolicyDocument Document(YamlNode node)
    {
        var doc = new PolicyDocument();
        var policies = ImmutableArray<Policy>.Empty;
        var tests = ImmutableArray<PolicyTestCase>.Empty;
        Struct(node, "engine.Config", (key, value) =>
        {
            switch (key)
            {
                case "version": doc = doc with { Version = String(value) }; return true;
                case "default_action": doc = doc with { DefaultAction = String(value) }; return true;
                case "policies": policies = Sequence(value, "[]engine.Policy", PolicyNode); return true;
                case "notify": doc = doc with { Notify = Notify(value) }; return true;
                case "tests": tests = Sequence(value, "[]engine.TestCase", TestCase); return true;
                default: return false;
            }
        });
        return doc with { Policies = policies, Tests = tests };
    }

    Policy PolicyNode(YamlNode node)
    {
        var policy = new Policy { Name = "", Line = node.Line };
        Struct(node, "engine.Policy", (key, value) =>
        {
            switch (key)
            {
                case "name": policy = policy with { Name = String(value) }; return true;
                case "description": policy = policy with { Description = String(value) }; return true;
                case "priority": policy = policy with { Priority = Int(value, "int") }; return true;
                case "enabled": policy = policy with { Enabled = value.IsNull || Bool(value, "bool") }; return true;
                case "match": policy = policy with { Match = Match(value) }; return true;
                case "rules": policy = policy with { Rules = Sequence(value, "[]engine.Rule", Rule) }; return true;
                default: return false;
            }
        });
        return policy;
    }

    PolicyMatch Match(YamlNode node)
    {
        var match = new PolicyMatch();
        Struct(node, "engine.Match", (key, value) =>
        {
            switch (key)
            {
                case "tool": match = match with { Tools = ToolList(value) }; return true;
                case "agent": match = match with { Agent = String(value) }; return true;
                case "session": match = match with { Session = String(value) }; return true;
                default: return false;
            }
        });
        return match;
    }

    /// <summary>POL-016: upstream's string-or-list type; its own errors abort decoding.</summary>
    ImmutableArray<string> ToolList(YamlNode node)
    {
        if (node.IsNull) return [];
        if (node.Kind == YamlKind.Scalar) return [node.Value];
        if (node.Kind != YamlKind.Sequence) throw new PolicyDecodeException("engine: tool must be a string or list of strings");
        var inner = new PolicyDecoder(_knownFields);
        var list = inner.StringList(node);
        if (inner._typeErrors.Count > 0)
        {
            throw new PolicyDecodeException("engine: invalid tool list: yaml: unmarshal errors:\n  " + string.Join("\n  ", inner._typeErrors));
        }
        return list;
    }

    PolicyRule Rule(YamlNode node)
    {
        var rule = new PolicyRule { Line = node.Line, Action = RuleAction.Invalid };
        Struct(node, "engine.Rule", (key, value) =>
        {
            switch (key)
            {
                case "action": rule = rule with { RawAction = String(value) }; return true;
                case "when": rule = rule with { When = Condition(value) }; return true;
                case "message": rule = rule with { Message = String(value) }; return true;
                case "ask": rule = rule with { Ask = Ask(value) }; return true;
                case "webhook": rule = rule with { Webhook = value.IsNull ? null : Webhook(value) }; return true;
                case "expires_at": rule = rule with { ExpiresAt = Timestamp(value) }; return true;
                case "once": rule = rule with { Once = Bool(value, "bool") }; return true;
                case "added": rule = rule with { Added = Timestamp(value) }; return true;
                default: return false;
            }
        });
        return rule;
    }

    Condition Condition(YamlNode node)
    {
        var c = new Condition();
        Struct(node, "engine.Condition", (key, value) =>
        {
            switch (key)
            {
                case "command_matches": c = c with { CommandMatches = StringList(value) }; return true;
                case "command_not_matches": c = c with { CommandNotMatches = StringList(value) }; return true;
                case "command_contains": c = c with { CommandContains = StringList(value) }; return true;
                case "command_env_assignments": c = c with { CommandEnvAssignments = StringList(value) }; return true;
                case "path_matches": c = c with { PathMatches = StringList(value) }; return true;
                case "path_not_matches": c = c with { PathNotMatches = StringList(value) }; return true;
                case "url_matches": c = c with { UrlMatches = StringList(value) }; return true;
                case "domain_matches": c = c with { DomainMatches = StringList(value) }; return true;
                case "session_matches": c = c with { SessionMatches = StringList(value) }; return true;
                case "session_not_matches": c = c with { SessionNotMatches = StringList(value) }; return true;
                case "response_matches": c = c with { ResponseMatches = StringList(value) }; return true;
                case "response_not_matches": c = c with { ResponseNotMatches = StringList(value) }; return true;
                case "agent_depth": c = c with { AgentDepth = value.IsNull ? null : AgentDepth(value) }; return true;
                case "tool_param_matches": c = c with { ToolParamMatches = StringMap(value) }; return true;
                case "call_count": c = c with { CallCount = value.IsNull ? null : CallCount(value) }; return true;
                case "default": c = c with { Default = Bool(value, "bool") }; return true;
                default: return false;
            }
        });
        return c;
    }

    AgentDepthRange AgentDepth(YamlNode node)
    {
        int? gte = null, lte = null, eq = null;
        Struct(node, "engine.AgentDepthCondition", (key, value) =>
        {
            switch (key)
            {
                case "gte": gte = value.IsNull ? null : Int(value, "int"); return true;
                case "lte": lte = value.IsNull ? null : Int(value, "int"); return true;
                case "eq": eq = value.IsNull ? null : Int(value, "int"); return true;
                default: return false;
            }
        });
        return new AgentDepthRange(gte, lte, eq);
    }

    CallCountCondition CallCount(YamlNode node)
    {
        var tool = "";
        var gte = 0;
        var window = "";
        Struct(node, "engine.CallCountCondition", (key, value) =>
        {
            switch (key)
            {
                case "tool": tool = String(value); return true;
                case "gte": gte = Int(value, "int"); return true;
                case "window": window = String(value); return true;
                default: return false;
            }
        });
        return new CallCountCondition(tool, gte, window, TimeSpan.Zero);
    }

    AskOptions Ask(YamlNode node)
    {
        bool audit = false, headless = false;
        Struct(node, "engine.AskConfig", (key, value) =>
        {
            switch (key)
            {
                case "audit": audit = Bool(value, "bool"); return true;
                case "headless_only": headless = Bool(value, "bool"); return true;
                default: return false;
            }
        });
        return audit || headless ? new AskOptions(audit, headless) : AskOptions.None;
    }

    WebhookOptions Webhook(YamlNode node)
    {
        var url = "";
        var timeout = TimeSpan.Zero;
        var failOpen = false;
        Struct(node, "engine.WebhookConfig", (key, value) =>
        {
            switch (key)
            {
                case "url": url = String(value); return true;
                case "timeout": timeout = Duration(value); return true;
                case "fail_open": failOpen = Bool(value, "bool"); return true;
                default: return false;
            }
        });
        // POL-017: 5 s when absent or <= 0, capped at 30 s.
        var effective = timeout <= TimeSpan.Zero ? TimeSpan.FromSeconds(5)
            : timeout > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : timeout;
        return new WebhookOptions(url, effective, failOpen);
    }

    /// <summary>Upstream's duration type: a Go duration string; its errors abort decoding (POL-017).</summary>
    TimeSpan Duration(YamlNode node)
    {
        if (node.IsNull) return TimeSpan.Zero;
        var text = String(node);
        if (node.Kind != YamlKind.Scalar) return TimeSpan.Zero;
        if (!GoDuration.TryParse(text, out var value, out var error))
        {
            throw new PolicyDecodeException($"invalid duration {YamlScalars.GoQuote(text)}: {error}");
        }
        return value;
    }

    NotifyConfig Notify(YamlNode node)
    {
        string url = "", platform = "";
        var on = ImmutableArray<string>.Empty;
        if (node.IsNull) return new NotifyConfig("", "", []);
        Struct(node, "engine.NotifyConfig", (key, value) =>
        {
            switch (key)
            {
                case "url": url = String(value); return true;
                case "platform": platform = String(value); return true;
                case "on": on = StringList(value); return true;
                default: return false;
            }
        });
        return new NotifyConfig(url, platform, on);
    }

    PolicyTestCase TestCase(YamlNode node)
    {
        var test = new PolicyTestCase();
        Struct(node, "engine.TestCase", (key, value) =>
        {
            switch (key)
            {
                case "name": test = test with { Name = String(value) }; return true;
                case "tool": test = test with { Tool = String(value) }; return true;
                case "agent": test = test with { Agent = value.IsNull ? test.Agent : String(value) }; return true;
                case "params": test = test with { ParamsJson = ParamsJson(value) }; return true;
                case "expect": test = test with { Expect = String(value) }; return true;
                case "expect_message": test = test with { ExpectMessage = String(value) }; return true;
                default: return false;
            }
        });
        return test;
    }

    string ParamsJson(YamlNode node)
    {
        if (node.IsNull) return "{}";
        if (node.Kind != YamlKind.Mapping)
        {
            TypeError(node, "map[string]interface {}");
            return "{}";
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) WriteJson(writer, node);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    void WriteJson(Utf8JsonWriter w, YamlNode node)
    {
        switch (node.Kind)
        {
            case YamlKind.Sequence:
                w.WriteStartArray();
                foreach (var item in node.Items) WriteJson(w, item);
                w.WriteEndArray();
                break;
            case YamlKind.Mapping:
                w.WriteStartObject();
                ForEachEntry(node, null, (key, _, value) =>
                {
                    w.WritePropertyName(key);
                    WriteJson(w, value);
                    return true;
                });
                w.WriteEndObject();
                break;
            default:
                WriteJsonScalar(w, node);
                break;
        }
    }

    static void WriteJsonScalar(Utf8JsonWriter w, YamlNode node)
    {
        // yaml.v3 into `any`: core-schema types; timestamps stay strings.
        switch (node.ShortTag)
        {
            case "!!null": w.WriteNullValue(); return;
            case "!!bool": w.WriteBooleanValue(node.Value is "true" or "True" or "TRUE"); return;
            case "!!int" when YamlScalars.TryParseInteger(node.Value, out var i):
                if (i >= long.MinValue && i <= long.MaxValue) w.WriteNumberValue((long)i); else w.WriteNumberValue((ulong)i);
                return;
            case "!!float" when YamlScalars.TryParseFloat(node.Value, out var d) && double.IsFinite(d):
                w.WriteNumberValue(d);
                return;
            default: w.WriteStringValue(node.Value); return;
        }
    }

    // ---- primitives ---------------------------------------------------------------------------

    delegate bool EntryVisitor(string key, YamlNode keyNode, YamlNode value);

    /// <summary>
    /// Decodes a mapping into a struct: duplicate-key check, <c>&lt;&lt;</c> merges (explicit keys win,
    /// earlier merge sources win over later ones) and unknown-field errors in strict mode.
    /// </summary>
    void Struct(YamlNode node, string typeName, Func<string, YamlNode, bool> field)
    {
        if (node.IsNull) return;
        if (node.Kind != YamlKind.Mapping)
        {
            TypeError(node, typeName);
            return;
        }
        ForEachEntry(node, null, (key, keyNode, value) =>
        {
            if (!field(key, value) && _knownFields)
            {
                AddError(keyNode, string.Create(CultureInfo.InvariantCulture, $"line {keyNode.Line}: field {key} not found in type {typeName}"));
            }
            return true;
        });
    }

    /// <summary>Visits the entries of a mapping with merges expanded; <paramref name="seen"/> holds keys already set by the including mapping.</summary>
    bool ForEachEntry(YamlNode map, HashSet<string>? seen, EntryVisitor visit)
    {
        // yaml.v3 checks duplicates among a mapping's own keys and then skips the whole mapping.
        var before = _typeErrors.Count;
        var explicitKeys = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < map.Items.Count; i += 2)
        {
            var key = map.Items[i];
            var text = KeyText(key);
            if (explicitKeys.TryGetValue(text, out var firstLine))
            {
                AddError(key, string.Create(CultureInfo.InvariantCulture,
                    $"line {key.Line}: mapping key {YamlScalars.GoQuote(text)} already defined at line {firstLine}"));
            }
            else
            {
                explicitKeys[text] = key.Line;
            }
        }
        if (_typeErrors.Count > before) return false;

        var taken = new HashSet<string>(StringComparer.Ordinal);
        if (seen is not null) taken.UnionWith(seen);
        for (var i = 0; i + 1 < map.Items.Count; i += 2)
        {
            if (!map.Items[i].IsMergeKey) taken.Add(KeyText(map.Items[i]));
        }
        for (var i = 0; i + 1 < map.Items.Count; i += 2)
        {
            var key = map.Items[i];
            var value = map.Items[i + 1];
            if (key.IsMergeKey)
            {
                Merge(value, taken, visit);
                continue;
            }
            if (seen is not null && seen.Contains(KeyText(key))) continue;
            visit(KeyText(key), key, value);
        }
        return true;
    }

    void Merge(YamlNode source, HashSet<string> taken, EntryVisitor visit)
    {
        if (source.Kind == YamlKind.Mapping)
        {
            var snapshot = new HashSet<string>(taken, StringComparer.Ordinal);
            ForEachEntry(source, snapshot, visit);
            for (var i = 0; i + 1 < source.Items.Count; i += 2) taken.Add(KeyText(source.Items[i]));
            return;
        }
        if (source.Kind == YamlKind.Sequence)
        {
            foreach (var item in source.Items)
            {
                if (item.Kind != YamlKind.Mapping) throw new PolicyDecodeException("map merge requires map or sequence of maps as the value");
                Merge(item, taken, visit);
            }
            return;
        }
        throw new PolicyDecodeException("map merge requires map or sequence of maps as the value");
    }

    static string KeyText(YamlNode key) => key.Kind == YamlKind.Scalar ? key.Value : "";

    ImmutableArray<T> Sequence<T>(YamlNode node, string typeName, Func<YamlNode, T> item)
    {
        if (node.IsNull) return [];
        if (node.Kind != YamlKind.Sequence)
        {
            TypeError(node, typeName);
            return [];
        }
        var builder = ImmutableArray.CreateBuilder<T>(node.Items.Count);
        foreach (var child in node.Items) builder.Add(item(child));
        return builder.MoveToImmutable();
    }

    ImmutableArray<string> StringList(YamlNode node) => Sequence(node, "[]string", String);

    ImmutableArray<KeyValuePair<string, string>> StringMap(YamlNode node)
    {
        if (node.IsNull) return [];
        if (node.Kind != YamlKind.Mapping)
        {
            TypeError(node, "map[string]string");
            return [];
        }
        var entries = new List<KeyValuePair<string, string>>();
        ForEachEntry(node, null, (key, _, value) =>
        {
            entries.Add(new(key, String(value)));
            return true;
        });
        return [.. entries];
    }

    /// <summary>POL-024: any scalar keeps its source text; null is "".</summary>
    string String(YamlNode node)
    {
        if (node.IsNull) return "";
        if (node.Kind != YamlKind.Scalar)
        {
            TypeError(node, "string");
            return "";
        }
        return node.Value;
    }

    /// <summary>POL-024: decimal, hex, octal, binary and floats (truncated); quoted text is an error.</summary>
    int Int(YamlNode node, string typeName)
    {
        if (node.IsNull) return 0;
        if (node.Kind == YamlKind.Scalar)
        {
            switch (node.ShortTag)
            {
                case "!!int" when YamlScalars.TryParseInteger(node.Value, out var big):
                    return Clamp(big);
                case "!!float" when YamlScalars.TryParseFloat(node.Value, out var d) && double.IsFinite(d):
                    return Clamp(new BigInteger(Math.Truncate(d)));
            }
        }
        TypeError(node, typeName);
        return 0;
    }

    // Go's int is 64-bit; the model is 32-bit. Clamping keeps order and every bound check (POL-022).
    static int Clamp(BigInteger value) =>
        value > int.MaxValue ? int.MaxValue : value < int.MinValue ? int.MinValue : (int)value;

    /// <summary>POL-024: true/false in the core spellings plus the YAML 1.1 words; quoted text is an error.</summary>
    bool Bool(YamlNode node, string typeName)
    {
        if (node.IsNull) return false;
        // The spec (POL-024) rejects every quoted value for bool fields.
        if (node.Kind == YamlKind.Scalar && !node.IsIndicatedString && node.Tag is "" or "!!bool")
        {
            switch (node.Value)
            {
                case "true" or "True" or "TRUE" or "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON":
                    return true;
                case "false" or "False" or "FALSE" or "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF":
                    return false;
            }
        }
        TypeError(node, typeName);
        return false;
    }

    /// <summary>POL-024: unquoted YAML timestamps, or quoted RFC 3339 (Go <c>time.Time.UnmarshalText</c>).</summary>
    DateTimeOffset? Timestamp(YamlNode node)
    {
        if (node.IsNull) return null;
        if (node.Kind != YamlKind.Scalar)
        {
            TypeError(node, "time.Time");
            return null;
        }
        var tag = node.ShortTag;
        if (tag == "!!timestamp" && YamlScalars.TryParseTimestamp(node.Value, out var ts)) return ts;
        if (tag == "!!str")
        {
            if (YamlScalars.TryParseRfc3339(node.Value, out var parsed)) return parsed;
            throw new PolicyDecodeException(
                $"parsing time {YamlScalars.GoQuote(node.Value)} as \"2006-01-02T15:04:05Z07:00\": not an RFC 3339 timestamp");
        }
        TypeError(node, "time.Time");
        return null;
    }

    void TypeError(YamlNode node, string typeName)
    {
        var tag = node.ShortTag;
        var value = "";
        if (tag is not ("!!seq" or "!!map"))
        {
            value = node.Value.Length > 10 ? " `" + node.Value[..7] + "...`" : " `" + node.Value + "`";
        }
        AddError(node, string.Create(CultureInfo.InvariantCulture, $"line {node.Line}: cannot unmarshal {tag}{value} into {typeName}"));
    }
}
