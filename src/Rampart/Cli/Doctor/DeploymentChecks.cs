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
        var serves = ServeProcesses();
        var service = accounts.User(SystemLayout.ServiceAccount);
        if (uid != 0)
        {
            if (Sudo(user, FindSudo(), "/etc/sudoers") is { } sudo) result.Add(sudo);
            // The agent's side of the user-separated deployment (SEC-013), probed as the agent.
            if (IsInstalled && uid != service?.Uid) result.AddRange(Separation(user, serves));
        }
        if (IsInstalled) result.AddRange(ServiceFiles(service));
        result.AddRange(Secrets(state));
        result.AddRange(ServeUsers(serves));
        result.AddRange(UnitHardening(FindOnPath("systemd-analyze")));
        return result;
    }

    /// <summary>Whether this machine has the system deployment (SEC-011) that doctor should judge.</summary>
    bool IsInstalled => Directory.Exists(layout.ConfigDir) || Directory.Exists(layout.ServiceHome);

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

    // ── the separation, as the agent (issue 5, SEC-013) ──────────────────────────────────────

    /// <summary>
    /// What <paramref name="user"/> — the process running doctor — can really do to the service:
    /// read or list its audit trail, write, replace, rename or chmod a policy file, read its
    /// credentials, signal its process. Each is asked of the kernel (<see cref="AccessProbe"/>);
    /// the last check sums them up as "sound" or names what is broken.
    /// </summary>
    internal List<Check> Separation(UnixUser user, IReadOnlyList<ServeProcess> serves)
    {
        var checks = new List<Check> { AuditAccess(user), PolicyAccess(user), CredentialAccess(user), SignalAccess(user, serves) };
        var broken = checks.Where(c => c.Status is DoctorStatus.Fail or DoctorStatus.Warn).Select(c => c.Name).ToList();
        var server = serves.FirstOrDefault(p => p.Uid != user.Uid);
        var who = server is null ? "" : $"; serve (pid {server.Pid}) runs as {accounts.Describe(server.Uid)}";
        checks.Add(broken.Count == 0
            ? new("Separation", DoctorStatus.Ok, $"sound: {user.Name} cannot read the audit trail, change the policy, read the service's tokens or signal serve{who}")
            : new("Separation", DoctorStatus.Fail, $"broken for {user.Name}: {string.Join(", ", broken)}", "apply the fixes above, or rerun: sudo rampart serve install --system --agent-user " + user.Name));
        return checks;
    }

    Check AuditAccess(UnixUser user)
    {
        var dir = layout.AuditDir;
        var fix = $"chown -R {SystemLayout.ServiceAccount}:{SystemLayout.ServiceAccount} {dir} && chmod 0700 {dir}";
        var canList = AccessProbe.CanRead(dir);
        var canOpen = AccessProbe.CanSearch(dir);
        if (canList && canOpen)
        {
            var readable = new List<string>();
            try
            {
                foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
                {
                    if (AccessProbe.CanRead(file)) readable.Add(file);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Raced with a change of mode; what access(2) said stands.
            }
            if (readable.Count > 0)
                return new("Audit access", DoctorStatus.Fail, $"{user.Name} can read the service's audit trail: {string.Join(", ", readable)}", fix + " && chmod 0600 " + dir + "/*");
        }
        if (canList) return new("Audit access", DoctorStatus.Warn, $"{user.Name} can list the service's audit directory {dir}", fix);
        if (canOpen) return new("Audit access", DoctorStatus.Warn, $"{user.Name} can open files in the service's audit directory {dir} by name", fix);
        return new("Audit access", DoctorStatus.Ok, $"{user.Name} can neither list nor open anything in {dir}");
    }

    Check PolicyAccess(UnixUser user)
    {
        var dir = layout.ConfigDir;
        var problems = new List<string>();
        if (AccessProbe.CanWrite(dir) && AccessProbe.CanSearch(dir)) problems.Add($"can add, replace, rename or delete files in {dir}");
        if (Path.GetDirectoryName(dir) is { } parent && AccessProbe.CanWrite(parent) && AccessProbe.CanSearch(parent))
            problems.Add($"can rename {dir} itself away (write access to {parent})");
        if (Posix.Lstat(dir) is { } dirInfo && dirInfo.Uid == user.Uid) problems.Add($"owns {dir} (can chmod it)");
        var searchable = AccessProbe.CanSearch(dir);
        if (searchable)
        {
            // Listing may be refused while names still open: then the well-known name is what can be tried.
            var files = AccessProbe.CanRead(dir) ? PolicyFilesIn(dir) : [layout.StandardPolicy];
            foreach (var file in files)
            {
                if (Posix.Lstat(file) is not { } info) continue;
                if (AccessProbe.CanWrite(file)) problems.Add($"can write {file}");
                if (info.Uid == user.Uid) problems.Add($"owns {file} (can chmod it)");
            }
        }
        if (problems.Count > 0)
            return new("Policy files", DoctorStatus.Fail, $"{user.Name} {string.Join("; ", problems)}",
                $"chown -R root:{SystemLayout.ServiceAccount} {dir} && chmod 0750 {dir} && chmod 0640 {dir}/*.yaml");
        return new("Policy files", DoctorStatus.Ok, searchable
            ? $"{user.Name} cannot write, replace, rename or chmod any policy file in {dir}"
            : $"{user.Name} cannot enter {dir}: it can neither list nor write, replace or chmod any policy file in it");
    }

    static List<string> PolicyFilesIn(string dir)
    {
        try
        {
            return [.. Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => Path.GetExtension(f) is ".yaml" or ".yml").Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    Check CredentialAccess(UnixUser user)
    {
        var state = layout.ServiceState;
        var readable = new List<string>();
        foreach (var file in (ReadOnlySpan<string>)[state.AdminTokenFile, state.AgentTokenStore, state.SigningKeyFile])
        {
            if (AccessProbe.CanRead(file)) readable.Add(file);
        }
        return readable.Count > 0
            ? new("Service tokens", DoctorStatus.Fail, $"{user.Name} can read {string.Join(", ", readable)}",
                $"chmod 0700 {layout.ServiceHome} && chmod 0600 {string.Join(' ', readable)}, then replace them (as {SystemLayout.ServiceAccount}: rampart token rotate)")
            : new("Service tokens", DoctorStatus.Ok, $"{user.Name} cannot read the admin token, the agent token store or the signing key");
    }

    Check SignalAccess(UnixUser user, IReadOnlyList<ServeProcess> serves)
    {
        if (serves.Count == 0) return new("Serve signal", DoctorStatus.Info, "no running rampart serve visible to test signals against");
        var problems = new List<string>();
        foreach (var serve in serves)
        {
            if (serve.Uid == user.Uid) problems.Add($"serve (pid {serve.Pid}) runs as {user.Name} itself");
            else if (AccessProbe.CanSignal(serve.Pid) == true) problems.Add($"can signal serve (pid {serve.Pid})");
        }
        var pids = string.Join(", ", serves.Select(s => s.Pid.ToString(CultureInfo.InvariantCulture)));
        return problems.Count > 0
            ? new("Serve signal", DoctorStatus.Fail, $"{user.Name} {string.Join("; ", problems)}: it can stop or kill the service",
                $"run serve as {SystemLayout.ServiceAccount} (sudo rampart serve install --system)")
            : new("Serve signal", DoctorStatus.Ok, $"{user.Name} cannot signal serve (pid {pids})");
    }

    // ── policies and audit of the system service, by their modes ───────────────────────────

    /// <summary>
    /// The checks serve makes at start-up (SEC-061), made on the installed layout: a policy file or
    /// directory writable by anyone but root and rampart-svc, an audit directory others can read.
    /// Run as root (the operator's <c>sudo rampart doctor</c>) this sees every file; an agent who
    /// cannot look inside <c>/etc/rampart</c> gets nothing here (its own probes above speak for it).
    /// </summary>
    internal List<Check> ServiceFiles(UnixUser? service)
    {
        var result = new List<Check>();
        if (service is null) return result;
        var options = new Server.ServeOptions
        {
            ConfigPath = layout.StandardPolicy,
            IsConfigExplicit = true,
            ConfigDir = layout.ConfigDir,
            StateDir = layout.ServiceState.Path,
            AuditDir = layout.AuditDir,
        };
        System.Collections.Immutable.ImmutableArray<StartupFinding> findings;
        try
        {
            findings = new StartupChecks(accounts, service.Uid).InspectPoliciesAndAudit(options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return result;
        }
        foreach (var finding in findings)
        {
            var text = finding.Message.StartsWith(StartupChecks.WarningPrefix, StringComparison.Ordinal) ? finding.Message[StartupChecks.WarningPrefix.Length..] : finding.Message;
            var at = text.IndexOf(" Fix: ", StringComparison.Ordinal);
            result.Add(at < 0
                ? new("Service permissions", DoctorStatus.Fail, text)
                : new("Service permissions", DoctorStatus.Fail, text[..at], text[(at + " Fix: ".Length)..]));
        }
        return result;
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

    /// <summary>A running <c>rampart serve</c> and its effective uid.</summary>
    internal sealed record ServeProcess(int Pid, uint Uid);

    /// <summary>Every running <c>rampart serve</c> this user can see in <c>/proc</c> (hidepid hides others').</summary>
    internal List<ServeProcess> ServeProcesses()
    {
        var result = new List<ServeProcess>();
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
            // "serve install|uninstall" are short-lived commands, not the service.
            if (argv.Length < 2 || Path.GetFileName(argv[0]) != "rampart" || argv[1] != "serve" || uid is null
                || argv.Length > 2 && argv[2] is "install" or "uninstall") continue;
            result.Add(new(pid, uid.Value));
        }
        return result;
    }

    /// <summary>Which user each running serve runs as; as root it is a warning (SEC-061: the documented deployment runs it as rampart-svc).</summary>
    internal List<Check> ServeUsers() => ServeUsers(ServeProcesses());

    List<Check> ServeUsers(IReadOnlyList<ServeProcess> serves)
    {
        var result = new List<Check>();
        foreach (var serve in serves)
        {
            result.Add(serve.Uid == 0
                ? new("Serve user", DoctorStatus.Warn, $"rampart serve (pid {serve.Pid}) runs as root: a compromised service would hold root",
                    "sudo rampart serve install --system (runs it as rampart-svc)")
                : new("Serve user", DoctorStatus.Ok, $"rampart serve (pid {serve.Pid}) runs as {accounts.Describe(serve.Uid)}"));
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
