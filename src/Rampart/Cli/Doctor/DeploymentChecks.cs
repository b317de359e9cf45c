using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Rampart.Hosting;
using static Rampart.Cli.DoctorCommand;

namespace Rampart.Cli.Doctor;

/// <summary>
/// Doctor's deployment checks (CLI-063, SEC-061; project addition — upstream checks none of this,
/// SEC-060): is the agent user (whoever runs doctor) able to defeat the user separation — as root,
/// through passwordless sudo, by editing the service's policies or reading its audit trail — does
/// serve run as root, are secrets loose, and is the installed unit as hardened as SEC-017 asks.
/// </summary>
/// <param name="layout">Where the system service lives (its policies, audit trail and unit).</param>
/// <param name="proc">The proc file system (running serve processes).</param>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class DeploymentChecks(UnixAccounts accounts, SystemLayout layout, string proc = "/proc")
{
    /// <summary>SEC-017's target for <c>systemd-analyze security rampart.service</c>.</summary>
    const double MaxExposure = 2.0;
    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(5);

    /// <summary>SEC-017's hardening directives and the value each must have ("" = present with an empty value).</summary>
    static readonly (string Key, string Value)[] Hardening =
    [
        ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"), ("ProtectKernelTunables", "yes"), ("ProtectKernelModules", "yes"),
        ("ProtectKernelLogs", "yes"), ("ProtectControlGroups", "yes"), ("ProtectClock", "yes"), ("ProtectHostname", "yes"),
        ("ProtectProc", "invisible"), ("ProcSubset", "pid"), ("RestrictNamespaces", "yes"), ("RestrictRealtime", "yes"),
        ("RestrictSUIDSGID", "yes"), ("LockPersonality", "yes"), ("MemoryDenyWriteExecute", "yes"),
        ("SystemCallArchitectures", "native"), ("CapabilityBoundingSet", ""), ("AmbientCapabilities", ""), ("UMask", "0077"),
    ];

    /// <summary>The checks for the invoking user <paramref name="uid"/> with state directory <paramref name="state"/>.</summary>
    public List<Check> Run(string state, uint uid)
    {
        var result = new List<Check>();
        if (uid == 0)
            result.Add(new("Agent user", DoctorStatus.Warn, "running as root: an agent running as root can rewrite policies and audit", "run agents as an unprivileged user (SECURITY.md, user-separated deployment)"));
        var user = accounts.User(uid) ?? new UnixUser("uid " + uid.ToString(CultureInfo.InvariantCulture), uid, uint.MaxValue, "", "");
        if (uid != 0)
        {
            if (Sudo(user, FindSudo(), "/etc/sudoers") is { } sudo) result.Add(sudo);
            result.AddRange(PolicyWriters(user));
            if (AuditReaders(user) is { } audit) result.Add(audit);
        }
        result.AddRange(Secrets(state));
        result.AddRange(ServeUsers());
        result.AddRange(UnitHardening(FindOnPath("systemd-analyze")));
        return result;
    }

    // ── sudo ────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// <c>NOPASSWD: ALL</c> makes the agent root without asking anyone, which undoes every other
    /// separation (SEC-061). With sudo installed, <c>sudo -n -l</c> says what applies to the
    /// invoking user; without it (or for another user) the sudoers files are read, if readable.
    /// </summary>
    internal Check? Sudo(UnixUser user, string? sudoBinary, string sudoersPath)
    {
        if (sudoBinary is not null && Run(sudoBinary, ["-n", "-l"]) is { } listing)
        {
            foreach (var line in listing.Split('\n'))
            {
                if (NopasswdAll().IsMatch(line)) return PasswordlessSudo(user, "sudo -n -l: " + line.Trim());
            }
            return new("Sudo", DoctorStatus.Ok, $"{user.Name} has no passwordless sudo for every command");
        }
        if (!File.Exists(sudoersPath)) return null;
        var rules = new List<(string File, string Rule)>();
        try
        {
            ReadSudoers(sudoersPath, rules, depth: 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new("Sudo", DoctorStatus.Info, $"cannot inspect the sudo rules ({ex.Message})");
        }
        foreach (var (file, rule) in rules)
        {
            var eq = rule.IndexOf('=');
            var space = rule.IndexOfAny([' ', '\t']);
            if (eq < 0 || space < 0 || space > eq || !NopasswdAll().IsMatch(rule[(eq + 1)..])) continue;
            foreach (var who in rule[..space].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (Applies(who, user)) return PasswordlessSudo(user, $"{file}: {rule}");
            }
        }
        return new("Sudo", DoctorStatus.Ok, $"{user.Name} has no passwordless sudo for every command");
    }

    static Check PasswordlessSudo(UnixUser user, string evidence) =>
        new("Sudo", DoctorStatus.Warn, $"{user.Name} may run every command as root without a password ({evidence}); an agent running as {user.Name} can switch Rampart off",
            "remove NOPASSWD: ALL for this user, or run agents as a user without it");

    bool Applies(string who, UnixUser user)
    {
        if (who == "ALL" || who == user.Name) return true;
        if (who.StartsWith("#", StringComparison.Ordinal)) return who[1..] == user.Uid.ToString(CultureInfo.InvariantCulture);
        if (who.StartsWith("%", StringComparison.Ordinal) && accounts.Group(who[1..]) is { } group) return accounts.MembersOf(group.Gid).Contains(user.Uid);
        return false;
    }

    /// <summary>Rule lines of a sudoers file (comments dropped, continuations joined), following <c>@include</c>/<c>@includedir</c>.</summary>
    static void ReadSudoers(string path, List<(string, string)> rules, int depth)
    {
        if (depth > 8) return; // sudo itself stops at a small include depth
        var pending = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = pending + raw;
            pending = "";
            if (line.EndsWith('\\'))
            {
                pending = line[..^1] + " ";
                continue;
            }
            var text = line.Trim();
            if (IncludeDirective().Match(text) is { Success: true } include)
            {
                var target = include.Groups[2].Value;
                if (!Path.IsPathRooted(target)) target = Path.Combine(Path.GetDirectoryName(path)!, target);
                if (include.Groups[1].Value == "includedir")
                {
                    if (!Directory.Exists(target)) continue;
                    // sudo skips names with a '.' or ending in '~' in include directories.
                    foreach (var file in Directory.GetFiles(target).Order(StringComparer.Ordinal))
                    {
                        var name = Path.GetFileName(file);
                        if (!name.Contains('.') && !name.EndsWith('~')) ReadSudoers(file, rules, depth + 1);
                    }
                }
                else if (File.Exists(target)) ReadSudoers(target, rules, depth + 1);
                continue;
            }
            // '#' starts a comment, except "#<uid>" as a user (sudoers(5)).
            if (text.StartsWith('#') && !(text.Length > 1 && char.IsAsciiDigit(text[1]))) continue;
            var hash = text.IndexOf(" #", StringComparison.Ordinal);
            if (hash >= 0) text = text[..hash].Trim();
            if (text.Length == 0 || text.StartsWith("Defaults", StringComparison.Ordinal) || text.Contains("_Alias", StringComparison.Ordinal)) continue;
            rules.Add((path, text));
        }
    }

    // ── policies and audit of the system service ───────────────────────────────────────────

    /// <summary>The service's policy directory and files must not be writable by the agent (SEC-002: who writes the policy controls Rampart).</summary>
    internal List<Check> PolicyWriters(UnixUser user)
    {
        var result = new List<Check>();
        if (!Directory.Exists(layout.ConfigDir)) return result;
        var writable = new List<string>();
        if (CanAccess(user, layout.ConfigDir, UnixFileMode.UserWrite)) writable.Add(layout.ConfigDir);
        foreach (var file in Directory.GetFiles(layout.ConfigDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (Path.GetExtension(file) is ".yaml" or ".yml" && CanAccess(user, file, UnixFileMode.UserWrite)) writable.Add(file);
        }
        result.Add(writable.Count > 0
            ? new("Policy files", DoctorStatus.Fail, $"{user.Name} can write the service's policy: {string.Join(", ", writable)}",
                $"chown -R root:{SystemLayout.ServiceAccount} {layout.ConfigDir} && chmod -R go-w {layout.ConfigDir}")
            : new("Policy files", DoctorStatus.Ok, $"{layout.ConfigDir} is not writable by {user.Name}"));
        return result;
    }

    /// <summary>The agent must not read the service's audit trail (commands, paths and decisions of every agent, SEC-061).</summary>
    internal Check? AuditReaders(UnixUser user)
    {
        var dir = layout.AuditDir;
        if (!Directory.Exists(dir)) return null;
        return CanAccess(user, dir, UnixFileMode.UserRead) && CanAccess(user, dir, UnixFileMode.UserExecute)
            ? new("Audit access", DoctorStatus.Warn, $"{user.Name} can read the service's audit trail {dir}", $"chmod 0700 {dir}")
            : new("Audit access", DoctorStatus.Ok, $"{dir} is not readable by {user.Name}");
    }

    /// <summary>Whether <paramref name="user"/> has <paramref name="want"/> (given as the owner bit) on <paramref name="path"/>, and search permission on every ancestor.</summary>
    bool CanAccess(UnixUser user, string path, UnixFileMode want)
    {
        if (user.Uid == 0) return true;
        var full = Path.GetFullPath(path);
        for (var dir = Path.GetDirectoryName(full); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (!Allows(user, dir, UnixFileMode.UserExecute)) return false;
        }
        return Allows(user, full, want);
    }

    bool Allows(UnixUser user, string path, UnixFileMode ownerBit)
    {
        if (Posix.Lstat(path) is not { } info) return false;
        var shift = info.Uid == user.Uid ? 0 : user.Gid == info.Gid || accounts.MembersOf(info.Gid).Contains(user.Uid) ? 3 : 6;
        return ((int)info.Mode & ((int)ownerBit >> shift)) != 0;
    }

    // ── secrets ─────────────────────────────────────────────────────────────────────────────

    static List<Check> Secrets(string state)
    {
        var result = new List<Check>();
        foreach (var name in (ReadOnlySpan<string>)["token", "signing.key", "tokens.json"])
        {
            var file = Path.Combine(state, name);
            if (!File.Exists(file)) continue;
            var mode = File.GetUnixFileMode(file);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                result.Add(new("Secrets", DoctorStatus.Fail, $"{file} is readable or writable by group/others", $"chmod 600 {file}"));
        }
        return result;
    }

    // ── serve ───────────────────────────────────────────────────────────────────────────────

    /// <summary>Every running <c>rampart serve</c> as root (SEC-061: the documented deployment runs it as rampart-svc).</summary>
    internal List<Check> ServeUsers()
    {
        var result = new List<Check>();
        if (!Directory.Exists(proc)) return result;
        foreach (var dir in Directory.EnumerateDirectories(proc))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId) continue;
            string[] argv;
            uint? uid;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                uid = EffectiveUid(File.ReadAllLines(Path.Combine(dir, "status")));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // gone, or hidden from us (hidepid)
            }
            if (argv.Length < 2 || Path.GetFileName(argv[0]) != "rampart" || argv[1] != "serve" || uid != 0) continue;
            result.Add(new("Serve user", DoctorStatus.Warn, $"rampart serve (pid {pid}) runs as root: a compromised service would hold root",
                "sudo rampart serve install --system (runs it as rampart-svc)"));
        }
        return result;
    }

    static uint? EffectiveUid(string[] status)
    {
        foreach (var line in status)
        {
            if (!line.StartsWith("Uid:", StringComparison.Ordinal)) continue;
            var fields = line[4..].Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 1 && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var euid) ? euid : null;
        }
        return null;
    }

    // ── the installed unit (SEC-017) ───────────────────────────────────────────────────────

    /// <summary>
    /// The installed <c>rampart.service</c> carries SEC-017's directives, and <c>systemd-analyze
    /// security</c> (when present; offline on the unit file when systemd is not running) rates its
    /// exposure at most 2.0.
    /// </summary>
    internal List<Check> UnitHardening(string? analyzer)
    {
        var result = new List<Check>();
        string content;
        try
        {
            if (!File.Exists(layout.UnitFile)) return result;
            content = File.ReadAllText(layout.UnitFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            result.Add(new("Service unit", DoctorStatus.Warn, $"cannot read {layout.UnitFile}: {ex.Message}"));
            return result;
        }
        if (!SystemUnit.IsRampartUnit(content)) return result;
        var directives = Directives(content);
        var missing = new List<string>();
        foreach (var (key, value) in Hardening)
        {
            if (!directives.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.OrdinalIgnoreCase))
                missing.Add($"{key}={value}");
        }
        if (directives.TryGetValue("User", out var runAs) && runAs is "root" or "0") missing.Add("User=" + SystemLayout.ServiceAccount);
        result.Add(missing.Count > 0
            ? new("Service unit", DoctorStatus.Warn, $"{layout.UnitFile} lacks SEC-017 hardening: {string.Join(", ", missing)}", "sudo rampart serve install --system --force (rewrites the unit)")
            : new("Service unit", DoctorStatus.Ok, $"{layout.UnitFile} has the SEC-017 hardening"));

        if (analyzer is null) return result;
        string[] args = layout.IsSystemdRunning && layout.UnitFile == SystemLayout.Default.UnitFile
            ? ["security", "--no-pager", "rampart.service"]
            : ["security", "--no-pager", "--offline=true", layout.UnitFile];
        var output = Run(analyzer, args, acceptAnyExit: true);
        if (output is not null && Exposure().Match(output) is { Success: true } m
            && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var score))
        {
            result.Add(score <= MaxExposure
                ? new("Service exposure", DoctorStatus.Ok, $"systemd-analyze security: exposure {m.Groups[1].Value}")
                : new("Service exposure", DoctorStatus.Warn, $"systemd-analyze security: exposure {m.Groups[1].Value} (SEC-017 asks for at most 2.0)", "sudo rampart serve install --system --force"));
        }
        return result;
    }

    /// <summary>The last value of each directive (systemd: later assignments win; an empty one resets).</summary>
    static Dictionary<string, string> Directives(string content)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';' or '[') continue;
            var eq = line.IndexOf('=');
            if (eq > 0) map[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        return map;
    }

    // ── processes ──────────────────────────────────────────────────────────────────────────

    static string? FindSudo() => FindOnPath("sudo");

    static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (Path.IsPathRooted(candidate) && File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>stdout of a short tool run; null when it could not run, timed out, or (unless accepted) failed.</summary>
    static string? Run(string file, string[] args, bool acceptAnyExit = false)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi);
            if (process is null) return null;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(ToolTimeout))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            return acceptAnyExit || process.ExitCode == 0 ? stdout.GetAwaiter().GetResult() : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A sudo rule (or <c>sudo -l</c> line) whose tags include NOPASSWD and whose command list is ALL.</summary>
    [GeneratedRegex(@"(?:\([^)]*\)\s*)?(?:[A-Z_]+:\s*)*NOPASSWD:\s*(?:[A-Z_]+:\s*)*ALL\s*$")]
    private static partial Regex NopasswdAll();

    [GeneratedRegex(@"^[@#](include|includedir)\s+(\S+)$")]
    private static partial Regex IncludeDirective();

    [GeneratedRegex(@"Overall exposure level for \S+:\s*([0-9]+(?:\.[0-9]+)?)")]
    private static partial Regex Exposure();
}
