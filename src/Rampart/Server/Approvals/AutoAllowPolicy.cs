using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Matching;
using Rampart.Core.Policies;
using Rampart.Hosting;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rampart.Server.Approvals;

/// <summary>
/// "Always allow" (API-051): appends an exact allow policy for an approved call to
/// <c>~/.rampart/policies/auto-allowed.yaml</c> under the file's lock. Only exec (command) and
/// read/write/edit (path) calls can be persisted exactly; everything else needs an authored policy.
/// </summary>
internal sealed class AutoAllowPolicy(string path)
{
    const int MaxNamePart = 50;

    public string FilePath { get; } = path;

    /// <summary>Null when <paramref name="call"/> can be persisted exactly, else the error shown to the resolver (400).</summary>
    public static string? Unsupported(ToolCall call)
    {
        if (call.Tool is not ("exec" or "read" or "write" or "edit"))
            return $"persist: automatic allow is unsupported for tool \"{call.Tool}\"; author an explicit policy instead";
        if (Literal(call).Length == 0)
            return call.Tool == "exec"
                ? "persist: automatic allow needs a non-empty command; author an explicit policy instead"
                : $"persist: automatic allow for tool \"{call.Tool}\" needs a non-empty path; author an explicit policy instead";
        return null;
    }

    /// <summary>Appends the policy (no duplicate of an equal existing one) and validates the result before replacing the file.</summary>
    public void Append(ToolCall call, DateTimeOffset now)
    {
        if (Unsupported(call) is { } error) throw new InvalidOperationException(error);
        var literal = Literal(call);
        var pattern = Glob.EscapeLiteral(literal);
        var conditionKey = call.Tool == "exec" ? "command_matches" : "path_matches";
        var tool = Glob.EscapeLiteral(call.Tool);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(FilePath))!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var _ = FileLock.Acquire(FilePath, TimeSpan.FromSeconds(5));
        var existing = OwnerOnlyFile.ReadAllBytes(FilePath, PolicyYaml.MaxFileBytes);
        YamlMappingNode root;
        if (existing is null || existing.Length == 0)
        {
            root = new YamlMappingNode
            {
                { "version", new YamlScalarNode("1") { Style = ScalarStyle.DoubleQuoted } },
                { "default_action", "deny" },
            };
        }
        else
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(Encoding.UTF8.GetString(existing)));
            root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m ? m
                : throw new InvalidOperationException($"{FilePath} is not a policy document; refusing to rewrite it");
        }
        if (!root.Children.TryGetValue(new YamlScalarNode("policies"), out var policiesNode) || policiesNode is not YamlSequenceNode policies)
        {
            policies = [];
            root.Children[new YamlScalarNode("policies")] = policies;
        }
        if (ContainsEqual(policies, tool, conditionKey, pattern)) return;

        policies.Add(new YamlMappingNode
        {
            { "name", Quoted(Name(call, literal, pattern, now)) },
            { "match", new YamlMappingNode { { "tool", new YamlSequenceNode(Quoted(tool)) } } },
            {
                "rules", new YamlSequenceNode(new YamlMappingNode
                {
                    { "action", "allow" },
                    { "when", new YamlMappingNode { { conditionKey, new YamlSequenceNode(Quoted(pattern)) } } },
                })
            },
        });

        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // Never leave a file behind that would break the next reload.
        PolicyYaml.Parse(text, FilePath);
        OwnerOnlyFile.Replace(FilePath, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// API-060: one entry per policy of the file, in file order; empty when the file is missing.
    /// Throws <see cref="IOException"/> or <see cref="PolicyLoadException"/> when it cannot be read or parsed.
    /// </summary>
    public IReadOnlyList<AutoAllowedRule> List()
    {
        var bytes = OwnerOnlyFile.ReadAllBytes(FilePath, PolicyYaml.MaxFileBytes);
        if (bytes is null || bytes.Length == 0) return [];
        var document = PolicyYaml.Parse(Encoding.UTF8.GetString(bytes), FilePath);
        var rules = new List<AutoAllowedRule>(document.Policies.Length);
        for (var i = 0; i < document.Policies.Length; i++)
        {
            var policy = document.Policies[i];
            var when = policy.Rules.IsDefaultOrEmpty ? Condition.Unconditional : policy.Rules[0].When;
            rules.Add(new AutoAllowedRule(
                i,
                policy.Match.Tools.IsDefaultOrEmpty ? "" : policy.Match.Tools[0],
                when.CommandMatches.IsDefaultOrEmpty ? "" : when.CommandMatches[0],
                when.PathMatches.IsDefaultOrEmpty ? "" : when.PathMatches[0],
                policy.Name,
                CreatedOf(policy.Name)));
        }
        return rules;
    }

    /// <summary>
    /// API-061: removes the policy named exactly <paramref name="name"/> under the file's lock, deleting
    /// the file when no policy is left. False when there is no such policy (or no file).
    /// </summary>
    public bool Remove(string name)
    {
        if (!File.Exists(FilePath) && new FileInfo(FilePath).LinkTarget is null) return false;
        using var _ = FileLock.Acquire(FilePath, TimeSpan.FromSeconds(5));
        var existing = OwnerOnlyFile.ReadAllBytes(FilePath, PolicyYaml.MaxFileBytes);
        if (existing is null || existing.Length == 0) return false;
        var stream = new YamlStream();
        stream.Load(new StringReader(Encoding.UTF8.GetString(existing)));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("policies"), out var node) || node is not YamlSequenceNode policies)
            return false;
        var index = -1;
        for (var i = 0; i < policies.Children.Count; i++)
        {
            if (policies[i] is YamlMappingNode p && TryChild(p, "name", out YamlScalarNode? n) && n!.Value == name) { index = i; break; }
        }
        if (index < 0) return false;
        policies.Children.RemoveAt(index);
        if (policies.Children.Count == 0)
        {
            File.Delete(FilePath);
            return true;
        }
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        PolicyYaml.Parse(text, FilePath);
        OwnerOnlyFile.Replace(FilePath, Encoding.UTF8.GetBytes(text));
        return true;
    }

    /// <summary>The time in the last <c>-</c>-separated part of a name that reads as <c>yyyyMMddTHHmmssZ</c> (API-060), or null.</summary>
    internal static DateTimeOffset? CreatedOf(string name)
    {
        var parts = name.Split('-');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            if (DateTime.TryParseExact(parts[i], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
                return new DateTimeOffset(t, TimeSpan.Zero);
        }
        return null;
    }

    static string Literal(ToolCall call)
    {
        string[] keys = call.Tool == "exec" ? ["command"] : ["path", "file_path"];
        foreach (var k in keys)
        {
            if (call.Params.TryGetValue(k, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s) return s;
        }
        return "";
    }

    /// <summary><c>auto-allow-&lt;words or tool-path&gt;-&lt;yyyyMMddTHHmmssZ&gt;-&lt;24 hex&gt;</c> (API-051).</summary>
    static string Name(ToolCall call, string literal, string pattern, DateTimeOffset now)
    {
        string subject;
        if (call.Tool == "exec")
        {
            var words = literal.Split((char[])[' ', '\t', '\n'], 3, StringSplitOptions.RemoveEmptyEntries);
            subject = Sanitise(string.Join(' ', words.Length > 2 ? words[..2] : words));
        }
        else
        {
            subject = call.Tool + "-" + Sanitise(literal);
        }
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(call.Tool + "\0" + pattern));
        return $"auto-allow-{subject}-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(digest.AsSpan(0, 12))}";
    }

    static string Sanitise(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '/' or '\\' or ' ' or '.' or ':': sb.Append('-'); break;
                case '*': sb.Append("star"); break;
                default: sb.Append(c); break;
            }
        }
        var s = sb.ToString().Trim('-');
        if (s.Length > MaxNamePart) s = s[..MaxNamePart];
        return s.Length == 0 ? "unknown" : s;
    }

    static bool ContainsEqual(YamlSequenceNode policies, string tool, string conditionKey, string pattern)
    {
        foreach (var p in policies)
        {
            if (p is not YamlMappingNode policy) continue;
            if (!TryChild(policy, "match", out YamlMappingNode? match) || !TryChild(match!, "tool", out YamlNode? tools)) continue;
            var firstTool = tools is YamlSequenceNode seq && seq.Children.Count > 0 ? (seq[0] as YamlScalarNode)?.Value : (tools as YamlScalarNode)?.Value;
            if (firstTool != tool || !TryChild(policy, "rules", out YamlSequenceNode? rules)) continue;
            foreach (var r in rules!)
            {
                if (r is not YamlMappingNode rule || !TryChild(rule, "when", out YamlMappingNode? when) || when!.Children.Count != 1) continue;
                if (TryChild(when, conditionKey, out YamlSequenceNode? patterns) && patterns!.Children.Count == 1 && (patterns[0] as YamlScalarNode)?.Value == pattern)
                    return true;
            }
        }
        return false;
    }

    static bool TryChild<T>(YamlMappingNode node, string key, out T? child) where T : YamlNode
    {
        child = node.Children.TryGetValue(new YamlScalarNode(key), out var c) ? c as T : null;
        return child is not null;
    }

    static YamlScalarNode Quoted(string value) => new(value) { Style = ScalarStyle.DoubleQuoted };
}

/// <summary>One always-allow policy as <c>GET /v1/rules/auto-allowed</c> lists it (API-060).</summary>
internal sealed record AutoAllowedRule(int Index, string Tool, string CommandPattern, string PathPattern, string Name, DateTimeOffset? Created);
