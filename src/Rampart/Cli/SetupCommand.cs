using System.Text.RegularExpressions;
using Rampart.Agents;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart setup claude-code [--remove] [--remote] [--http] [--force] [--serve-url URL]</c> (CLI-090):
/// merges Rampart's hook into Claude Code's settings without touching anything else; keeps the previous
/// file as <c>settings.json.rampart-backup</c>.
/// </summary>
internal static partial class SetupCommand
{
    public const string BackupSuffix = ".rampart-backup";

    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] != "claude-code")
        {
            Console.Error.WriteLine(args.Length == 0
                ? "usage: rampart setup claude-code [--remove] [--remote] [--http] [--force] [--serve-url URL]"
                : $"rampart setup: unsupported target \"{args[0]}\" (supported: claude-code)");
            return Task.FromResult(1);
        }
        bool remove = false, http = false, remote = false, force = false;
        string? serveUrl = null;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--remove": remove = true; break;
                case "--http": http = true; break;
                case "--remote": remote = true; break;
                case "--force": force = true; break;
                case "--serve-url" when i + 1 < args.Length: serveUrl = args[++i]; break;
                case var a when a.StartsWith("--serve-url=", StringComparison.Ordinal): serveUrl = a["--serve-url=".Length..]; break;
                // CLI-002 global flags: accepted on every command; setup reads no policy and logs nothing extra.
                case "--verbose": break;
                case "--config" when i + 1 < args.Length: i++; break;
                case var a when a.StartsWith("--config=", StringComparison.Ordinal) || a.StartsWith("--verbose=", StringComparison.Ordinal): break;
                default:
                    Console.Error.WriteLine($"unknown flag: {args[i]}");
                    return Task.FromResult(1);
            }
        }
        try
        {
            return Task.FromResult(Run(remove, http, remote, force, serveUrl));
        }
        catch (Exception ex) when (ex is ClaudeSettings.ShapeException or IOException or UnauthorizedAccessException or EndpointException or InvalidOperationException)
        {
            Console.Error.WriteLine(ex.Message);
            return Task.FromResult(1);
        }
    }

    static int Run(bool remove, bool http, bool remote, bool force, string? serveUrl)
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        if (home.Length == 0) throw new InvalidOperationException("HOME is not set; cannot locate Claude Code settings");
        var dir = SettingsDirectory(home);
        var path = Path.Combine(dir, "settings.json");
        var original = File.Exists(path) ? File.ReadAllText(path) : null;
        var root = ClaudeSettings.Parse(original ?? "", force);

        var binary = BinaryPath();
        var command = ClaudeSettings.HookCommandLine(binary, remote);

        if (remove)
        {
            var counts = ClaudeSettings.Remove(root, command);
            if (counts.Count == 0)
            {
                Console.Out.WriteLine($"No Rampart hooks found in {path}.");
                return 0;
            }
            Save(path, original, root);
            var total = 0;
            foreach (var n in counts.Values) total += n;
            Console.Out.WriteLine($"Removed {total} Rampart hook(s) from {path} ({string.Join(", ", Describe(counts))}).");
            return 0;
        }

        var hook = http
            ? ClaudeSettings.HttpHook(ServiceEndpoint.CheckUrl(HookServerUrl(serveUrl), hasToken: true, tokenFromFile: false).ToString())
            : ClaudeSettings.CommandHook(command);
        if (!ClaudeSettings.Install(root, hook, command, force))
        {
            Console.Out.WriteLine("Rampart hook already configured in Claude Code settings.");
            return 0;
        }
        Save(path, original, root);
        Console.Out.WriteLine($"Rampart hook installed in {path} for {string.Join(", ", ClaudeSettings.Events)}.");
        PrintHints(http, remote, binary, home);
        return 0;
    }

    static IEnumerable<string> Describe(Dictionary<string, int> counts)
    {
        foreach (var (ev, n) in counts) yield return $"{ev}: {n}";
    }

    static string HookServerUrl(string? flag)
    {
        foreach (var v in (ReadOnlySpan<string?>)[flag, Environment.GetEnvironmentVariable("RAMPART_URL"), Environment.GetEnvironmentVariable("RAMPART_SERVE_URL")])
        {
            if (!string.IsNullOrWhiteSpace(v)) return v.Trim().TrimEnd('/');
        }
        return ServiceEndpoint.DefaultUrl;
    }

    static void PrintHints(bool http, bool remote, string binary, string home)
    {
        var envToken = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("RAMPART_TOKEN"));
        var fileToken = File.Exists(Path.Combine(home, ".rampart", "token"));
        if (http)
        {
            Console.Out.WriteLine(envToken
                ? "Token: RAMPART_TOKEN is set; Claude Code sends it as the bearer (only this variable is allowed into the header)."
                : "Token: set RAMPART_TOKEN (an eval token: rampart token create --agent claude-code --scope eval) in Claude Code's environment.");
            Console.Out.WriteLine("If the server cannot be reached, Claude Code blocks the tool call (onFailure: block).");
        }
        else if (remote)
        {
            Console.Out.WriteLine(envToken ? "Token: RAMPART_TOKEN is set." : fileToken ? "Token: found ~/.rampart/token." :
                "Token: none found; set RAMPART_TOKEN or write the eval token to ~/.rampart/token (0600).");
        }
        var binDir = Path.GetDirectoryName(binary) ?? "";
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Contains(binDir);
        if (!http && !onPath) Console.Out.WriteLine($"Note: {binDir} is not on PATH; the hook uses the absolute path {binary}. Keep the binary there.");
        Console.Out.WriteLine("Next: restart Claude Code, then check with: rampart doctor");
    }

    /// <summary>$CLAUDE_CONFIG_DIR with <c>~</c> and <c>$VARS</c> expanded, else <c>~/.claude</c> (CLI-004).</summary>
    internal static string SettingsDirectory(string home)
    {
        var configured = Environment.GetEnvironmentVariable("CLAUDE_CONFIG_DIR");
        if (string.IsNullOrWhiteSpace(configured)) return Path.Combine(home, ".claude");
        var expanded = configured.Trim();
        if (expanded == "~") expanded = home;
        else if (expanded.StartsWith("~/", StringComparison.Ordinal)) expanded = Path.Combine(home, expanded[2..]);
        expanded = EnvReference().Replace(expanded, m => Environment.GetEnvironmentVariable(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) ?? "");
        return Path.GetFullPath(expanded);
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex EnvReference();

    /// <summary>
    /// The binary the hook runs (CLI-090): the running file; a PATH entry for <c>rampart</c> when it
    /// resolves to the same file (so upgrades in place keep working); <c>rampart-*</c> binaries bind to themselves.
    /// </summary>
    internal static string BinaryPath()
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot determine the path of the running rampart binary");
        self = Path.GetFullPath(self);
        if (Path.GetFileName(self).StartsWith("rampart-", StringComparison.Ordinal)) return self;
        var selfReal = Resolve(self);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "rampart");
            if (Path.IsPathRooted(candidate) && File.Exists(candidate) && Resolve(candidate) == selfReal) return candidate;
        }
        return self;
    }

    static string Resolve(string path)
    {
        try
        {
            var target = File.ResolveLinkTarget(path, returnFinalTarget: true);
            return target?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
    }

    /// <summary>Atomic replace (temp file, 0600, rename); the previous content is kept as the backup.</summary>
    static void Save(string path, string? original, System.Text.Json.Nodes.JsonObject root)
    {
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                    UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        if (original is not null) WriteAtomically(path + BackupSuffix, original);
        WriteAtomically(path, ClaudeSettings.Format(root));
    }

    static void WriteAtomically(string path, string content)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var fs = new FileStream(temp, options))
            {
                fs.Write(System.Text.Encoding.UTF8.GetBytes(content));
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
