using System.Collections.Immutable;
using System.Globalization;

namespace Rampart.Core.Policies;

/// <summary>
/// Finds, loads and merges policy files into one <see cref="PolicyConfig"/> (POL-025..POL-031).
/// Every policy carries its <see cref="Policy.Source"/>: the file's absolute path, or
/// <c>embedded:NAME</c> for a built-in profile.
/// </summary>
public static class PolicyStore
{
    const string LegacySharedPolicy = "block-self-modification";

    /// <summary>POL-025: one file; any failure fails the load.</summary>
    public static PolicyConfig LoadFile(string path)
    {
        var full = Path.GetFullPath(path);
        var text = ReadLimited(full, bytes => string.Create(CultureInfo.InvariantCulture,
            $"engine: policy file too large ({bytes} bytes, max {PolicyYaml.MaxFileBytes})"), "engine: read policy file: ");
        var doc = PolicyYaml.Parse(text, full);
        return ToConfig(doc);
    }

    /// <summary>POL-026: every <c>*.yaml</c>/<c>*.yml</c> directly in <paramref name="dir"/>; missing or empty = empty config.</summary>
    public static PolicyConfig LoadDirectory(string dir)
    {
        var files = ListPolicyFiles(dir, exclude: null);
        return files.Count == 0 ? PolicyConfig.Empty : MergeDirectory(files);
    }

    /// <summary>
    /// POL-027: a primary file plus a policy directory. The primary's policies come first and win
    /// over same-named directory policies; <paramref name="file"/> = "" means no primary file.
    /// </summary>
    public static PolicyConfig LoadFileWithDirectory(string file, string dir)
    {
        if (string.IsNullOrEmpty(file))
        {
            var onlyDir = ListPolicyFiles(dir, exclude: null);
            if (onlyDir.Count == 0) throw new PolicyLoadException("engine: no config file or directory specified");
            return MergeDirectory(onlyDir);
        }
        var primary = LoadFile(file);
        var files = ListPolicyFiles(dir, exclude: Path.GetFullPath(file));
        return files.Count == 0 ? primary : Layer(primary, MergeDirectory(files), directoryWins: false);
    }

    /// <summary>
    /// POL-028: a built-in profile (source <c>embedded:NAME</c>) with the policy directory merged on
    /// top; a directory policy replaces the embedded policy of the same name.
    /// </summary>
    public static PolicyConfig LoadProfileWithDirectory(string profileName, string profileYaml, string? dir)
    {
        var profile = ToConfig(PolicyYaml.Parse(profileYaml, ProfileNames.EmbeddedPrefix + profileName));
        if (dir is null) return profile;
        var files = ListPolicyFiles(dir, exclude: null);
        if (files.Count == 0) return profile;
        return Layer(profile, MergeDirectory(files), directoryWins: true);
    }

    /// <summary>POL-028 with a profile compiled into the binary (<see cref="EmbeddedProfiles"/>).</summary>
    public static PolicyConfig LoadEmbeddedWithDirectory(string profileName, string? dir)
    {
        if (!EmbeddedProfiles.TryRead(profileName, out var yaml))
        {
            throw new PolicyLoadException($"engine: unknown built-in profile {YamlScalars.GoQuote(profileName)}");
        }
        return LoadProfileWithDirectory(profileName, yaml, dir);
    }

    /// <summary>
    /// POL-027..POL-029: <paramref name="first"/> (a primary file or a built-in profile) layered with
    /// a merged policy directory. For policies of the same name either <paramref name="first"/>'s win
    /// (<paramref name="directoryWins"/> false: POL-027, and the hook's profile per POL-029) or the
    /// directory's replace them (true: serve's profile, POL-028); <paramref name="first"/>'s
    /// policies come first either way. The default action and notify are <paramref name="first"/>'s
    /// when it sets them; the warnings of both are kept.
    /// </summary>
    public static PolicyConfig Layer(PolicyConfig first, PolicyConfig directory, bool directoryWins)
    {
        var winners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in directoryWins ? directory.Policies : first.Policies) winners.Add(p.Name);
        var policies = ImmutableArray.CreateBuilder<Policy>();
        foreach (var p in first.Policies)
        {
            if (!directoryWins || !winners.Contains(p.Name)) policies.Add(p);
        }
        foreach (var p in directory.Policies)
        {
            if (directoryWins || !winners.Contains(p.Name)) policies.Add(p);
        }
        return new PolicyConfig
        {
            DefaultAction = first.DefaultAction.Length > 0 ? first.DefaultAction : directory.DefaultAction,
            Notify = first.Notify ?? directory.Notify,
            Policies = policies.ToImmutable(),
            Warnings = first.Warnings.AddRange(directory.Warnings),
        };
    }

    /// <summary>
    /// POL-031: layers a repository's <c>.rampart/policy.yaml</c> over <paramref name="baseConfig"/>.
    /// The base keeps its default action and notify; same-named project policies are skipped with a
    /// warning; webhook rules are forbidden; appended policies are marked <see cref="Policy.IsProject"/>.
    /// </summary>
    public static PolicyConfig WithProject(PolicyConfig baseConfig, string projectFile)
    {
        var full = Path.GetFullPath(projectFile);
        var quoted = YamlScalars.GoQuote(full);
        if (!File.Exists(full))
        {
            throw new PolicyLoadException($"engine: inspect project policy {quoted}: stat {full}: no such file or directory");
        }
        var doc = ReadDocument(full, "project policy", "project policy");
        foreach (var policy in doc.Policies)
        {
            for (var r = 0; r < policy.Rules.Length; r++)
            {
                if (policy.Rules[r].Action == RuleAction.Webhook)
                {
                    throw new PolicyLoadException(string.Create(CultureInfo.InvariantCulture,
                        $"engine: project policy {quoted} contains forbidden webhook action in policy {YamlScalars.GoQuote(policy.Name)} rule {r}"));
                }
            }
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in baseConfig.Policies) names.Add(p.Name);
        var policies = ImmutableArray.CreateBuilder<Policy>();
        policies.AddRange(baseConfig.Policies);
        var warnings = ImmutableArray.CreateBuilder<string>();
        warnings.AddRange(baseConfig.Warnings);
        warnings.AddRange(doc.Warnings);
        foreach (var p in doc.Policies)
        {
            if (!names.Add(p.Name))
            {
                warnings.Add($"project policy {quoted}: skipping policy {YamlScalars.GoQuote(p.Name)} (a policy with that name is already loaded)");
                continue;
            }
            policies.Add(p with { IsProject = true, Source = full });
        }
        return baseConfig with { Policies = policies.ToImmutable(), Warnings = warnings.ToImmutable() };
    }

    // ---- helpers ------------------------------------------------------------------------------

    /// <summary>
    /// Reads, decodes and validates one file of a policy directory (POL-026) or a project policy
    /// (POL-031); the messages name it as <c>engine: read|parse &lt;noun&gt; "path"</c> and
    /// <c>engine: invalid &lt;invalidNoun&gt; "path"</c>, as upstream words them.
    /// </summary>
    static PolicyDocument ReadDocument(string file, string noun, string invalidNoun)
    {
        var quoted = YamlScalars.GoQuote(file);
        var text = ReadLimited(file, bytes => string.Create(CultureInfo.InvariantCulture,
            $"engine: {noun} {quoted} is too large ({bytes} bytes, max {PolicyYaml.MaxFileBytes})"), $"engine: read {noun} {quoted}: ");
        PolicyDocument doc;
        try
        {
            doc = PolicyYaml.Decode(text);
        }
        catch (PolicyDecodeException ex)
        {
            throw new PolicyLoadException($"engine: parse {noun} {quoted}: {ex.Message}", ex) { File = file, Line = ex.Line, Column = ex.Column };
        }
        try
        {
            return PolicyYaml.Validate(doc, file);
        }
        catch (PolicyLoadException ex)
        {
            throw ex.In(file, $"engine: invalid {invalidNoun} {quoted}: {ex.Message}");
        }
    }

    static PolicyConfig ToConfig(PolicyDocument doc) => new()
    {
        DefaultAction = doc.DefaultAction,
        Notify = doc.Notify,
        Policies = doc.Policies,
        Warnings = doc.Warnings,
    };

    static string ReadLimited(string path, Func<long, string> tooLarge, string readErrorPrefix)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > PolicyYaml.MaxFileBytes) throw new PolicyLoadException(tooLarge(info.Length));
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length > PolicyYaml.MaxFileBytes) throw new PolicyLoadException(tooLarge(bytes.Length));
            return DecodeUtf8(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PolicyLoadException(readErrorPrefix + DescribeIoError(path, ex), ex);
        }
    }

    static string DecodeUtf8(byte[] bytes)
    {
        var span = bytes.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
        return System.Text.Encoding.UTF8.GetString(span);
    }

    static string DescribeIoError(string path, Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"open {path}: no such file or directory",
        UnauthorizedAccessException => $"open {path}: permission denied",
        _ => $"open {path}: {ex.Message}",
    };

    /// <summary>POL-026 listing: non-directory entries with extension exactly .yaml/.yml, ordinal order of full path.</summary>
    static List<string> ListPolicyFiles(string dir, string? exclude)
    {
        var full = Path.GetFullPath(dir);
        var result = new List<string>();
        if (!Directory.Exists(full)) return result;
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(full);
            foreach (var entry in entries)
            {
                var ext = Path.GetExtension(entry);
                if (ext is not (".yaml" or ".yml")) continue;
                var info = new FileInfo(entry);
                // Real directories are skipped; symbolic links are followed when read (POL-026).
                if (info.Attributes.HasFlag(FileAttributes.Directory) && info.LinkTarget is null) continue;
                if (exclude is not null && string.Equals(entry, exclude, StringComparison.Ordinal)) continue;
                result.Add(entry);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PolicyLoadException($"engine: read policy directory {YamlScalars.GoQuote(full)}: {ex.Message}", ex);
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>POL-026 merge of already-listed files.</summary>
    static PolicyConfig MergeDirectory(List<string> files)
    {
        var defaultAction = "";
        NotifyConfig? notify = null;
        var policies = ImmutableArray.CreateBuilder<Policy>();
        var warnings = ImmutableArray.CreateBuilder<string>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal); // name → source file
        foreach (var file in files)
        {
            var quoted = YamlScalars.GoQuote(file);
            var doc = ReadDocument(file, "policy", "policy file");
            if (defaultAction.Length == 0) defaultAction = doc.DefaultAction;
            notify ??= doc.Notify;
            warnings.AddRange(doc.Warnings);
            foreach (var policy in doc.Policies)
            {
                if (seen.TryGetValue(policy.Name, out var firstSource))
                {
                    if (IsLegacySharedPolicy(policy.Name, firstSource, file))
                    {
                        warnings.Add($"skipping duplicate policy {YamlScalars.GoQuote(policy.Name)} in {quoted} (already loaded from {YamlScalars.GoQuote(firstSource)})");
                        continue;
                    }
                    throw new PolicyLoadException($"engine: duplicate policy name {YamlScalars.GoQuote(policy.Name)} in {quoted}");
                }
                seen[policy.Name] = file;
                policies.Add(policy);
            }
        }
        return new PolicyConfig
        {
            DefaultAction = defaultAction,
            Notify = notify,
            Policies = policies.ToImmutable(),
            Warnings = warnings.ToImmutable(),
        };
    }

    /// <summary>
    /// POL-026 legacy exception: older managed profiles shipped <c>block-self-modification</c> in
    /// both openclaw.yaml and standard.yaml; the first one loaded is kept.
    /// </summary>
    static bool IsLegacySharedPolicy(string name, string firstSource, string secondSource)
    {
        if (name != LegacySharedPolicy) return false;
        var a = ProfileNames.Of(firstSource);
        var b = ProfileNames.Of(secondSource);
        return (a == "openclaw" && b == "standard") || (a == "standard" && b == "openclaw");
    }
}
