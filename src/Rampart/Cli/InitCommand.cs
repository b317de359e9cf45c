using Rampart.Core.Policies;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart init</c> (CLI-068): creates <c>~/.rampart/{config,audit,policies}</c> and writes a
/// built-in profile (default <c>standard</c>, our own embedded policy) to <c>--config</c> (default
/// <c>./rampart.yaml</c>) and to <c>~/.rampart/policies/&lt;profile&gt;.yaml</c>, never overwriting
/// without <c>--force</c>. <c>--project</c> writes a commented template to <c>./.rampart/policy.yaml</c>.
/// </summary>
internal static class InitCommand
{
    const string Usage = "Usage: rampart init [--profile NAME] [--config FILE] [--force] [--project]";

    // CLI-068: policy files are 0600; directories 0755 when created.
    const UnixFileMode PolicyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                 UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public static Task<int> RunAsync(string[] args) => Task.FromResult(Run(args, Console.Out, Console.Error));

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var profile = "standard";
        var config = "rampart.yaml";
        bool force = false, project = false;
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            var eq = a.StartsWith("--", StringComparison.Ordinal) ? a.IndexOf('=') : -1;
            var name = eq > 0 ? a[..eq] : a;
            switch (name)
            {
                case "--profile" or "--config":
                    string value;
                    if (eq > 0) value = a[(eq + 1)..];
                    else if (i + 1 < args.Length) value = args[++i];
                    else { stderr.WriteLine($"flag needs an argument: {name}"); return 1; }
                    if (name == "--profile") profile = value; else config = value;
                    break;
                case "--force" or "--defaults": force = true; break;
                case "--project": project = true; break;
                case "--verbose": break;
                case "-h" or "--help": stdout.WriteLine(Usage); return 0;
                default:
                    stderr.WriteLine(a.StartsWith('-') ? $"unknown flag: {name}\n{Usage}" : $"unknown command \"{a}\" for \"rampart init\"\n{Usage}");
                    return 1;
            }
        }

        try
        {
            return project ? WriteProjectTemplate(stdout, stderr) : WriteProfile(profile, config, force, stdout, stderr);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"init: {e.Message}");
            return 1;
        }
    }

    static int WriteProfile(string profile, string config, bool force, TextWriter stdout, TextWriter stderr)
    {
        if (!EmbeddedProfiles.TryRead(profile, out var yaml))
        {
            stderr.WriteLine($"init: unknown profile \"{profile}\" (built-in: {string.Join(", ", EmbeddedProfiles.Names)})");
            return 1;
        }
        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home))
        {
            stderr.WriteLine("init: HOME is not set; cannot find ~/.rampart");
            return 1;
        }
        var root = Path.Combine(home, ".rampart");
        foreach (var dir in (ReadOnlySpan<string>)[root, Path.Combine(root, "config"), Path.Combine(root, "audit"), Path.Combine(root, "policies")])
        {
            if (!Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir, DirMode);
                stdout.WriteLine($"✓ Created {dir}/");
            }
        }

        var stamp = $"# Rampart policy profile \"{profile}\" — written by rampart init (rampart {VersionCommand.Version}) on {DateTimeOffset.UtcNow:yyyy-MM-dd}.\n" +
                    "# Source: the built-in profile compiled into the rampart binary. Edit freely; 'rampart init --force' restores it.\n";
        var wrote = false;
        wrote |= Write(Path.GetFullPath(config), yaml, force, stdout);
        wrote |= Write(Path.Combine(root, "policies", profile + ".yaml"), stamp + yaml, force, stdout);
        if (!wrote)
        {
            stdout.WriteLine("Nothing to do: the policy files exist already (use --force to overwrite them).");
        }
        else
        {
            stdout.WriteLine();
            stdout.WriteLine($"Next: 'rampart policy lint {config}' to check it, 'rampart test \"rm -rf /\"' to try it.");
        }
        return 0;
    }

    /// <summary>Writes 0600; an existing file is kept unless <paramref name="force"/> (CLI-068).</summary>
    static bool Write(string path, string content, bool force, TextWriter stdout)
    {
        var exists = File.Exists(path);
        if (exists && !force)
        {
            stdout.WriteLine($"• Kept {path} (exists; use --force to overwrite)");
            return false;
        }
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = PolicyFileMode };
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }
        // An overwritten file keeps its old mode; the spec's mode applies either way.
        File.SetUnixFileMode(path, PolicyFileMode);
        stdout.WriteLine(exists ? $"✓ Overwrote {path}" : $"✓ Created {path}");
        return true;
    }

    const string ProjectTemplate = """
        # Project policy for Rampart (.rampart/policy.yaml).
        # Rampart layers these policies on top of the user's policy for agents working in this
        # repository (set RAMPART_NO_PROJECT_POLICY=1 to ignore it). Project policies cannot use
        # webhook rules, and a policy with the same name as one of the user's is skipped.
        version: "1"
        policies: []
        # Example:
        #  - name: project-no-prod-deploys
        #    match:
        #      tool: exec
        #    rules:
        #      - action: ask
        #        when:
        #          command_matches: ["kubectl * --context prod*", "terraform apply*"]
        #        message: Deploying to production needs a human
        """;

    static int WriteProjectTemplate(TextWriter stdout, TextWriter stderr)
    {
        var path = Path.GetFullPath(Path.Combine(".rampart", "policy.yaml"));
        if (File.Exists(path))
        {
            stderr.WriteLine($"init: {path} already exists");
            return 1;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Write(path, ProjectTemplate + "\n", force: false, stdout);
        return 0;
    }
}
