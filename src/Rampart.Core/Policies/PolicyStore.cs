namespace Rampart.Core.Policies;

/// <summary>Finds, loads and merges policy files into one <see cref="PolicyConfig"/> (POL-025..POL-031).</summary>
public static class PolicyStore
{
    public static PolicyConfig LoadFile(string path) => throw new NotImplementedException();
    public static PolicyConfig LoadDirectory(string dir) => throw new NotImplementedException();
    public static PolicyConfig LoadFileWithDirectory(string file, string dir) => throw new NotImplementedException();
    public static PolicyConfig LoadProfileWithDirectory(string profileName, string profileYaml, string? dir) => throw new NotImplementedException();
    public static PolicyConfig LoadEmbeddedWithDirectory(string profileName, string? dir) => throw new NotImplementedException();
    public static PolicyConfig WithProject(PolicyConfig baseConfig, string projectFile) => throw new NotImplementedException();
}
