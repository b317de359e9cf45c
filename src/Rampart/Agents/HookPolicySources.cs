using Rampart.Core.Policies;

namespace Rampart.Agents;

/// <summary>
/// Where the local hook's policies come from (CLI-075, POL-029 "hook" row): the <c>--config</c> file,
/// else the built-in <c>standard</c> profile; plus the policy directory merged as POL-027; plus the
/// repository's <c>.rampart/policy.yaml</c> as a restrict-only layer (POL-031).
/// </summary>
/// <param name="ConfigFile">Absolute path of the primary file; null = the built-in standard profile.</param>
/// <param name="PolicyDirectory">The policy directory; null when there is none.</param>
/// <param name="ProjectFile">The project policy to layer; null when none applies.</param>
internal sealed record HookPolicySources(string? ConfigFile, string? PolicyDirectory, string? ProjectFile)
{
    public const string BuiltInProfile = "standard";
    public const string ProjectPolicyPath = ".rampart/policy.yaml";

    public const string UnavailableRefusal = "Rampart policy configuration is unavailable; refusing host data";
    public const string ErrorRefusal = "Rampart policy configuration error; refusing host data until policy is fixed";
    public const string ProjectRefusal = "Rampart cannot inspect the repository policy; refusing host data";

    /// <summary>
    /// Picks the sources. <paramref name="configFile"/> is the <c>--config</c> the user gave (null when
    /// none); <paramref name="gitTopLevel"/> the top level of the call's working directory (null outside
    /// a repository). Throws <see cref="HookRefusalException"/> when the project policy cannot be inspected.
    /// </summary>
    public static HookPolicySources Resolve(string? configFile, string? configDir, string home, string? gitTopLevel, bool isProjectPolicyDisabled)
    {
        // POL-029: the --config file only "if it exists"; a missing one falls back to the built-in profile.
        string? primary = null;
        if (!string.IsNullOrEmpty(configFile))
        {
            var full = Path.GetFullPath(configFile);
            if (File.Exists(full)) primary = full;
        }

        string? directory = null;
        if (!string.IsNullOrEmpty(configDir)) directory = Path.GetFullPath(configDir);
        else if (home.Length > 0 && Directory.Exists(Path.Combine(home, ".rampart", "policies"))) directory = Path.Combine(home, ".rampart", "policies");

        string? project = null;
        if (!isProjectPolicyDisabled && !string.IsNullOrEmpty(gitTopLevel))
        {
            var candidate = Path.Combine(gitTopLevel, ProjectPolicyPath);
            // POL-031: "not found" means no project layer; any other stat failure fails closed.
            try
            {
                File.GetAttributes(candidate);
                project = candidate;
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new HookRefusalException(ProjectRefusal, $"cannot inspect project policy {candidate}: {ex.Message}");
            }
        }
        return new HookPolicySources(primary, directory, project);
    }

    /// <summary>
    /// Loads and merges the sources. Throws <see cref="HookRefusalException"/> with the CLI-079 refusal:
    /// "unavailable" when a file cannot be read, "error" when one does not decode or validate.
    /// </summary>
    public PolicyConfig Load()
    {
        try
        {
            var config = ConfigFile is not null
                ? (PolicyDirectory is null ? PolicyStore.LoadFile(ConfigFile) : PolicyStore.LoadFileWithDirectory(ConfigFile, PolicyDirectory))
                : BuiltInWithDirectory();
            return ProjectFile is null ? config : PolicyStore.WithProject(config, ProjectFile);
        }
        catch (PolicyLoadException ex)
        {
            var unreadable = ex.InnerException is IOException or UnauthorizedAccessException;
            var project = ex.Message.Contains("project policy", StringComparison.Ordinal);
            throw new HookRefusalException(!unreadable ? ErrorRefusal : project ? ProjectRefusal : UnavailableRefusal, $"{ex.Message} (loading {Describe()})");
        }
    }

    /// <summary>The sources in words, so an operator sees which file to fix.</summary>
    public string Describe()
    {
        var parts = new List<string> { ConfigFile is null ? "built-in " + BuiltInProfile + " profile" : "config " + ConfigFile };
        if (PolicyDirectory is not null) parts.Add("policy directory " + PolicyDirectory);
        if (ProjectFile is not null) parts.Add("project policy " + ProjectFile);
        return string.Join(", ", parts);
    }

    /// <summary>
    /// POL-029: upstream writes the built-in profile to a temporary file and loads it as the primary of
    /// POL-027, so the profile's policies win over same-named directory policies (unlike serve's
    /// POL-028, where the directory copy replaces them). We keep that precedence without the temporary
    /// file; the policies' source stays <c>embedded:standard</c>.
    /// </summary>
    PolicyConfig BuiltInWithDirectory()
    {
        var profile = PolicyStore.LoadEmbeddedWithDirectory(BuiltInProfile, dir: null);
        if (PolicyDirectory is null) return profile;
        var directory = PolicyStore.LoadDirectory(PolicyDirectory);
        if (directory.Policies.IsDefaultOrEmpty && directory.DefaultAction.Length == 0 && directory.Notify is null) return profile;

        return PolicyStore.Layer(profile, directory, directoryWins: false);
    }
}

/// <summary>
/// The hook cannot decide: <see cref="Refusal"/> is what enforce mode tells the model (CLI-079),
/// the message the detail for the operator (stderr with <c>--verbose</c>, or in monitor/audit mode).
/// </summary>
internal sealed class HookRefusalException(string refusal, string detail) : Exception(detail)
{
    public string Refusal { get; } = refusal;
}
