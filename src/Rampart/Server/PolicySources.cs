using Rampart.Core.Policies;

namespace Rampart.Server;

/// <summary>
/// Which policy sources the service loads (CLI-011) and how to (re)load them as one merged
/// configuration; also names the files a watcher must follow (API-110/111).
/// </summary>
internal sealed record PolicySources
{
    /// <summary>The config file, or null when the embedded profile or a directory alone is in use.</summary>
    public string? File { get; init; }
    /// <summary>The extra policy directory, or null.</summary>
    public string? Directory { get; init; }
    /// <summary>Whether the embedded <c>standard</c> profile is the base.</summary>
    public bool IsEmbedded { get; init; }
    /// <summary>What <c>/v1/status</c> reports as <c>config_path</c>.</summary>
    public required string DisplayPath { get; init; }

    public const string EmbeddedProfile = "standard";

    /// <summary>CLI-011, including the fix for <c>--config-dir</c> with the default (absent) config file.</summary>
    public static PolicySources Choose(ServeOptions options)
    {
        var userDir = Path.Combine(options.StateDir, "policies");
        var dir = options.ConfigDir is { Length: > 0 } d ? d : System.IO.Directory.Exists(userDir) ? userDir : null;
        var fileExists = System.IO.File.Exists(options.ConfigPath);
        if (!fileExists && !options.IsConfigExplicit)
        {
            if (options.ConfigDir is { Length: > 0 } explicitDir)
                return new PolicySources { Directory = explicitDir, DisplayPath = explicitDir };
            return new PolicySources { Directory = dir, IsEmbedded = true, DisplayPath = ProfileNames.EmbeddedPrefix + EmbeddedProfile };
        }
        return new PolicySources { File = options.ConfigPath, Directory = dir, DisplayPath = options.ConfigPath };
    }

    /// <summary>Loads and merges every source; throws <see cref="PolicyLoadException"/> (or I/O errors) with the precise reason.</summary>
    public PolicyConfig Load()
    {
        if (IsEmbedded) return PolicyStore.LoadEmbeddedWithDirectory(EmbeddedProfile, Directory is { } d && System.IO.Directory.Exists(d) ? d : null);
        if (File is null) return PolicyStore.LoadDirectory(Directory!);
        return Directory is null ? PolicyStore.LoadFile(File) : PolicyStore.LoadFileWithDirectory(File, Directory);
    }
}
