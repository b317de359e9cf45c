using Rampart.Testing;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart init</c> on the real binary with a temporary HOME (CLI-068).</summary>
public sealed class InitCommandTests : IDisposable
{
    readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("rampart-init-");

    public void Dispose() => _temp.Delete(recursive: true);

    string Home => Path.Combine(_temp.FullName, "home");
    string Work => Directory.CreateDirectory(Path.Combine(_temp.FullName, "work")).FullName;
    string Installed => Path.Combine(Home, ".rampart", "policies", "standard.yaml");

    Task<RampartProcess.Result> Init(params string[] args)
    {
        Directory.CreateDirectory(Home);
        return RampartProcess.RunAsync(["init", .. args], env: new Dictionary<string, string?> { ["HOME"] = Home, ["NO_COLOR"] = "1" }, workdir: Work);
    }

    static string Embedded() =>
        File.ReadAllText(Path.Combine(SharedFiles.RepoRoot, "src", "Rampart.Core", "Policies", "Profiles", "standard.yaml"));

    [Fact]
    public async Task Writes_the_embedded_standard_profile_with_private_modes()
    {
        var r = await Init();
        Assert.Equal(0, r.ExitCode);
        Assert.EndsWith(Embedded(), File.ReadAllText(Installed));
        Assert.StartsWith("# Rampart policy profile \"standard\"", File.ReadAllText(Installed));
        Assert.Equal(Embedded(), File.ReadAllText(Path.Combine(Work, "rampart.yaml")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Installed));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Work, "rampart.yaml")));
        foreach (var dir in new[] { "config", "audit", "policies" })
            Assert.True(Directory.Exists(Path.Combine(Home, ".rampart", dir)), dir);
        Assert.Contains("✓ Created " + Installed, r.Stdout);
        Assert.Contains("✓ Created " + Path.Combine(Work, "rampart.yaml"), r.Stdout);
    }

    [Fact]
    public async Task Written_policy_loads_and_denies_a_destructive_command()
    {
        await Init();
        var r = await RampartProcess.RunAsync(["policy", "lint", Installed]);
        Assert.Equal(0, r.ExitCode);
        var t = await RampartProcess.RunAsync(["test", "rm -rf /"], env: new Dictionary<string, string?> { ["HOME"] = Home, ["NO_COLOR"] = "1" }, workdir: _temp.FullName);
        Assert.Equal(1, t.ExitCode);
        Assert.DoesNotContain("No policy file found", t.Stderr);
    }

    [Fact]
    public async Task Existing_files_are_kept_without_force_and_replaced_with_it()
    {
        await Init();
        File.WriteAllText(Installed, "# mine\n");
        var kept = await Init();
        Assert.Equal(0, kept.ExitCode);
        Assert.Equal("# mine\n", File.ReadAllText(Installed));
        Assert.Contains("Kept " + Installed, kept.Stdout);
        Assert.Contains("use --force", kept.Stdout);

        File.SetUnixFileMode(Installed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var forced = await Init("--force");
        Assert.Equal(0, forced.ExitCode);
        Assert.EndsWith(Embedded(), File.ReadAllText(Installed));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Installed));
        Assert.Contains("Overwrote " + Installed, forced.Stdout);
    }

    [Fact]
    public async Task Other_profile_and_config_path()
    {
        var r = await Init("--profile", "paranoid", "--config", "custom.yaml");
        Assert.Equal(0, r.ExitCode);
        Assert.True(File.Exists(Path.Combine(Home, ".rampart", "policies", "paranoid.yaml")));
        Assert.True(File.Exists(Path.Combine(Work, "custom.yaml")));
    }

    [Fact]
    public async Task Unknown_profile_is_an_error_listing_the_built_ins()
    {
        var r = await Init("--profile", "nope");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("init: unknown profile \"nope\" (built-in: ", r.Stderr);
        Assert.Contains("standard", r.Stderr);
        Assert.False(File.Exists(Installed));
    }

    [Fact]
    public async Task Project_template_is_written_once()
    {
        var first = await Init("--project");
        Assert.Equal(0, first.ExitCode);
        var path = Path.Combine(Work, ".rampart", "policy.yaml");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var lint = await RampartProcess.RunAsync(["policy", "lint", path]);
        Assert.Equal(0, lint.ExitCode);
        var second = await Init("--project");
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already exists", second.Stderr);
    }
}
