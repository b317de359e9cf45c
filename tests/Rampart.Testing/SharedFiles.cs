namespace Rampart.Testing;

/// <summary>Locates the repository root and the <c>../shared</c> folder (spec, fixtures, conformance) beside it.</summary>
public static class SharedFiles
{
    /// <summary>The folder holding <c>Rampart.sln</c>.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared folder beside the repository (CI lays it out as <c>../shared</c>).</summary>
    public static string SharedRoot { get; } = FindShared();

    public static string Conformance(string file) => Path.Combine(SharedRoot, "conformance", file);
    public static string Fixture(string file) => Path.Combine(SharedRoot, "fixtures", "upstream", file);

    static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Rampart.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Rampart.sln not found above " + AppContext.BaseDirectory);
    }

    static string FindShared()
    {
        var env = Environment.GetEnvironmentVariable("RAMPART_SHARED_DIR");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(RepoRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "conformance"))) return candidate;
        }
        throw new InvalidOperationException("../shared (with conformance/) not found beside " + RepoRoot);
    }
}
