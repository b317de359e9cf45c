using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rampart.Core.Policies;
using Rampart.Server;

namespace Rampart.Hosting;

/// <summary>One change the system install makes; <see cref="IsDone"/> is asked right before <see cref="Apply"/>, so re-runs change nothing.</summary>
internal sealed record InstallStep(string Description, Func<bool> IsDone, Action Apply);

/// <summary>
/// <c>rampart serve install --system</c> / <c>uninstall --system</c> (CLI-033, project addition):
/// the user-separated deployment of SEC-010..SEC-013 as a list of idempotent steps. Each step
/// states the end state it wants; the install applies the ones not yet in place, a dry run only
/// lists them, and a second run finds them all done and says so.
/// </summary>
internal sealed class SystemInstall(SystemLayout layout, TextWriter output)
{
    const UnixFileMode Mode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode Mode0750 = Mode0700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    const UnixFileMode Mode0755 = Mode0750 | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    const UnixFileMode Mode0644 = Mode0640 | UnixFileMode.OtherRead;
    const UnixFileMode Mode0600 = OwnerOnlyFile.OwnerReadWrite;
    const long MaxPolicyBytes = 1 << 20; // SEC-023
    const string InstallNote = "serve install --system";

    bool _changedSomething;

    /// <summary>Installs (or, with <paramref name="dryRun"/>, plans) the separation for <paramref name="agent"/>; returns the exit code.</summary>
    public int Install(UnixUser? agent, string sourceBinary, bool dryRun)
    {
        var steps = ImmutableArray.CreateBuilder<InstallStep>();
        var notes = new List<string>();
        steps.Add(new($"system user {SystemLayout.ServiceAccount} (own group, no login shell, home {layout.ServiceHome})",
            () => ServiceAccount.Find() is not null, () => ServiceAccount.Create(layout)));
        steps.Add(new($"{SystemLayout.ServiceAccount} has no login shell ({ServiceAccount.NoLoginShell})",
            () => ServiceAccount.Find() is { HasLoginShell: false }, ServiceAccount.DisableLogin));
        steps.Add(DirectoryStep(layout.ServiceHome, Service, Mode0700));
        steps.Add(DirectoryStep(layout.ServiceState.Path, Service, Mode0700));
        steps.Add(DirectoryStep(layout.AuditDir, Service, Mode0700));
        steps.Add(DirectoryStep(layout.ConfigDir, RootAndServiceGroup, Mode0750));
        if (agent is not null) AddPolicyMoves(steps, notes, agent);
        if (EmbeddedProfiles.TryRead(PolicySources.EmbeddedProfile, out var standard))
        {
            steps.Add(new($"{layout.StandardPolicy}: Rampart's standard policy (no standard.yaml there yet)",
                () => File.Exists(layout.StandardPolicy) || new FileInfo(layout.StandardPolicy).LinkTarget is not null,
                () => WritePolicy(layout.StandardPolicy, Encoding.UTF8.GetBytes(standard))));
        }
        steps.Add(new($"policy files in {layout.ConfigDir} are root:{SystemLayout.ServiceAccount} 0640 (the service reads, nobody else writes)",
            PolicyModesAreRight, FixPolicyModes));
        steps.Add(new($"{layout.Binary} (root:root 0755) is this rampart build", () => BinaryIsInstalled(sourceBinary), () => InstallBinary(sourceBinary)));
        steps.Add(new($"admin token in {layout.ServiceState.AdminTokenFile} ({SystemLayout.ServiceAccount} 0600; only the service and root can read it)",
            AdminTokenIsInPlace, CreateAdminToken));
        if (agent is not null)
        {
            var tokenFile = AgentTokenFile(agent);
            steps.Add(new($"eval-only token for agent {agent.Name} in {tokenFile} ({agent.Name} 0600)",
                () => AgentTokenIsValid(agent), () => CreateAgentToken(agent)));
        }
        else
        {
            notes.Add("no --agent-user given (and not run through sudo): no agent token written and no policies moved. " +
                $"Re-run with --agent-user USER to give that user an eval-only token in ~USER/.rampart/token.");
        }
        if (Directory.Exists(Path.GetDirectoryName(layout.UnitFile)))
        {
            steps.Add(new($"{layout.UnitFile}: the hardened unit (SEC-017)", UnitIsInstalled, InstallUnit));
            if (layout.IsSystemdRunning)
                steps.Add(new("rampart.service enabled and running", () => !_changedSomething && ServiceIsEnabledAndActive(), EnableAndRestartService));
        }

        var exit = Run(steps.ToImmutable(), dryRun, "install");
        foreach (var note in notes) output.WriteLine("note: " + note);
        if (exit != 0) return exit;
        if (!layout.IsSystemdRunning)
        {
            output.WriteLine($"systemd is not running on this machine ({layout.SystemdRuntimeMarker} is missing), so no service was {(dryRun ? "going to be " : "")}started.");
            output.WriteLine($"Start Rampart as {SystemLayout.ServiceAccount} with:");
            output.WriteLine("  " + StartCommand);
        }
        output.WriteLine($"Admin token: {layout.ServiceState.AdminTokenFile} (read it with: sudo cat {layout.ServiceState.AdminTokenFile})");
        if (agent is not null)
        {
            output.WriteLine($"Agent {agent.Name} evaluates with the eval-only token in {AgentTokenFile(agent)}; its hooks find it there.");
            output.WriteLine($"Check the separation as {agent.Name}: runuser -u {agent.Name} -- {layout.Binary} doctor");
        }
        return 0;
    }

    /// <summary>The exact command that starts the service as its account where systemd does not run.</summary>
    public static string StartCommand => $"runuser -u {SystemUnit.User} -- {string.Join(' ', SystemUnit.ExecStart)}";

    /// <summary>Stops and removes the service; policies, state and the audit trail stay (CLI-033).</summary>
    public int Uninstall(bool dryRun)
    {
        var steps = ImmutableArray.CreateBuilder<InstallStep>();
        if (layout.IsSystemdRunning && File.Exists(layout.UnitFile))
            steps.Add(new("rampart.service stopped and disabled", () => !ServiceIsEnabledOrActive(), DisableService));
        if (RunningServePid() is { } pid)
            steps.Add(new($"the running rampart serve (pid {pid}) stopped", () => RunningServePid() is null, () => StopServe(pid)));
        if (File.Exists(layout.UnitFile) || new FileInfo(layout.UnitFile).LinkTarget is not null)
            steps.Add(new($"{layout.UnitFile} removed", () => !File.Exists(layout.UnitFile), RemoveUnit));
        var exit = Run(steps.ToImmutable(), dryRun, "uninstall");
        if (exit != 0) return exit;
        output.WriteLine($"Kept (never deleted by uninstall): the audit trail in {layout.AuditDir}, service state in {layout.ServiceState.Path}, " +
            $"policies in {layout.ConfigDir}, the account {SystemLayout.ServiceAccount} and {layout.Binary}.");
        return 0;
    }

    int Run(ImmutableArray<InstallStep> steps, bool dryRun, string verb)
    {
        output.WriteLine(dryRun ? $"rampart serve {verb} --system — dry run, nothing will be changed:" : $"rampart serve {verb} --system:");
        var pending = 0;
        foreach (var step in steps)
        {
            bool done;
            try
            {
                done = step.IsDone();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                done = false;
            }
            if (done)
            {
                output.WriteLine("  ok    " + step.Description);
                continue;
            }
            pending++;
            if (dryRun)
            {
                output.WriteLine("  plan  " + step.Description);
                continue;
            }
            try
            {
                step.Apply();
                _changedSomething = true;
                output.WriteLine("  done  " + step.Description);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PolicyLoadException)
            {
                output.WriteLine("  FAIL  " + step.Description);
                output.WriteLine($"serve {verb}: {e.Message}");
                return 1;
            }
        }
        if (pending == 0) output.WriteLine($"Nothing to change: the system {verb} is already in place.");
        else if (dryRun) output.WriteLine($"{pending} change(s) planned; run without --dry-run (as root) to apply them.");
        else output.WriteLine($"{pending} change(s) applied.");
        return 0;
    }

    // ---- accounts ------------------------------------------------------------------------------

    static (uint Uid, uint Gid) Service()
    {
        var svc = ServiceAccount.Require();
        return (svc.Uid, svc.Gid);
    }

    static (uint Uid, uint Gid) RootAndServiceGroup() => (0, ServiceAccount.Require().Gid);

    // ---- directories and files -----------------------------------------------------------------

    static InstallStep DirectoryStep(string path, Func<(uint Uid, uint Gid)> owner, UnixFileMode mode)
    {
        var ownerText = path.StartsWith("/etc/", StringComparison.Ordinal) ? $"root:{SystemLayout.ServiceAccount}" : SystemLayout.ServiceAccount;
        return new($"{path}/ ({ownerText} {Octal(mode)})",
            () => Posix.Lstat(path) is { Kind: PathKind.Directory } info && (info.Uid, info.Gid) == owner() && info.Mode == mode,
            () =>
            {
                var (uid, gid) = owner();
                if (Posix.Lstat(path) is { } existing && existing.Kind != PathKind.Directory)
                    throw new IOException($"{path} exists and is not a directory (a {existing.Kind.ToString().ToLowerInvariant()}); move it away and re-run");
                Directory.CreateDirectory(path);
                File.SetUnixFileMode(path, mode);
                Posix.Chown(path, uid, gid);
            });
    }

    void WritePolicy(string path, ReadOnlySpan<byte> content)
    {
        OwnerOnlyFile.Replace(path, content);
        Posix.Chown(path, 0, ServiceAccount.Require().Gid);
        File.SetUnixFileMode(path, Mode0640);
    }

    IEnumerable<string> PolicyFiles()
    {
        if (!Directory.Exists(layout.ConfigDir)) yield break;
        foreach (var entry in Directory.EnumerateFileSystemEntries(layout.ConfigDir))
        {
            if (Path.GetExtension(entry) is ".yaml" or ".yml" && Posix.Lstat(entry) is { Kind: PathKind.Regular }) yield return entry;
        }
    }

    bool PolicyModesAreRight()
    {
        var gid = ServiceAccount.Require().Gid;
        foreach (var file in PolicyFiles())
        {
            if (Posix.Lstat(file) is not { } info || info.Uid != 0 || info.Gid != gid || info.Mode != Mode0640) return false;
        }
        return true;
    }

    void FixPolicyModes()
    {
        var gid = ServiceAccount.Require().Gid;
        foreach (var file in PolicyFiles())
        {
            Posix.Chown(file, 0, gid);
            File.SetUnixFileMode(file, Mode0640);
        }
    }

    // ---- the agent's policies ------------------------------------------------------------------

    /// <summary>
    /// Moves the agent's <c>~/.rampart/policies/*.yaml</c> into <c>/etc/rampart</c>, where the agent
    /// can no longer edit them (SEC-011). Only regular files the agent owns, that load as policies
    /// and do not collide with a different file already there; anything else stays and is named.
    /// </summary>
    void AddPolicyMoves(ImmutableArray<InstallStep>.Builder steps, List<string> notes, UnixUser agent)
    {
        var source = Path.Combine(agent.Home, ".rampart", "policies");
        if (Posix.Lstat(source) is not { Kind: PathKind.Directory } dir || dir.Uid != agent.Uid && dir.Uid != 0) return;
        var files = Directory.EnumerateFileSystemEntries(source).Where(e => Path.GetExtension(e) is ".yaml" or ".yml").Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var target = Path.Combine(layout.ConfigDir, Path.GetFileName(file));
            if (Posix.Lstat(file) is not { Kind: PathKind.Regular } info || info.Uid != agent.Uid && info.Uid != 0)
            {
                notes.Add($"{file} is not a regular file owned by {agent.Name}; left where it is (not moved).");
                continue;
            }
            var bytes = File.ReadAllBytes(file);
            if (bytes.Length > MaxPolicyBytes)
            {
                notes.Add($"{file} is larger than 1 MiB; left where it is (not moved).");
                continue;
            }
            if (File.Exists(target) && !File.ReadAllBytes(target).AsSpan().SequenceEqual(bytes))
            {
                notes.Add($"{file} differs from the existing {target}; left where it is. Merge it by hand into {layout.ConfigDir}.");
                continue;
            }
            steps.Add(new($"move {file} → {target}", () => !File.Exists(file), () =>
            {
                PolicyStore.LoadFile(file); // refuse to move in something the service could not load
                if (!File.Exists(target)) WritePolicy(target, bytes);
                File.Delete(file);
            }));
        }
    }

    // ---- the binary ----------------------------------------------------------------------------

    bool BinaryIsInstalled(string source)
    {
        if (Posix.Lstat(layout.Binary) is not { Kind: PathKind.Regular, Uid: 0, Gid: 0 } info || info.Mode != Mode0755) return false;
        if (Path.GetFullPath(source) == layout.Binary) return true;
        return SameContent(source, layout.Binary);
    }

    void InstallBinary(string source)
    {
        if (File.Exists(Path.Combine(Path.GetDirectoryName(source) ?? ".", "rampart.dll")))
            throw new IOException($"{source} is a framework-dependent development build (rampart.dll beside it) and cannot run on its own. " +
                "Publish the static binary first: dotnet publish src/Rampart -c Release -r linux-x64 -o publish, then run publish/rampart serve install --system");
        var dir = Path.GetDirectoryName(layout.Binary)!;
        Directory.CreateDirectory(dir);
        if (Path.GetFullPath(source) != layout.Binary)
        {
            // Copy then rename: a running service keeps executing the old inode.
            var temp = Path.Combine(dir, $".rampart.{Guid.NewGuid():N}.tmp");
            try
            {
                File.Copy(source, temp);
                File.SetUnixFileMode(temp, Mode0755);
                Posix.Chown(temp, 0, 0);
                File.Move(temp, layout.Binary, overwrite: true);
            }
            catch
            {
                File.Delete(temp);
                throw;
            }
        }
        Posix.Chown(layout.Binary, 0, 0);
        File.SetUnixFileMode(layout.Binary, Mode0755);
    }

    static bool SameContent(string a, string b)
    {
        using var fa = File.OpenRead(a);
        using var fb = File.OpenRead(b);
        return fa.Length == fb.Length && SHA256.HashData(fa).AsSpan().SequenceEqual(SHA256.HashData(fb));
    }

    // ---- credentials ---------------------------------------------------------------------------

    bool AdminTokenIsInPlace()
    {
        var (uid, _) = Service();
        return Posix.Lstat(layout.ServiceState.AdminTokenFile) is { Kind: PathKind.Regular } info && info.Uid == uid && info.Mode == Mode0600
            && ServiceToken.Read(layout.ServiceState) is not null;
    }

    void CreateAdminToken()
    {
        var (uid, gid) = Service();
        var path = layout.ServiceState.AdminTokenFile;
        if (ServiceToken.Read(layout.ServiceState) is null) OwnerOnlyFile.Replace(path, Encoding.UTF8.GetBytes(ServiceToken.Generate()));
        Posix.Chown(path, uid, gid);
        File.SetUnixFileMode(path, Mode0600);
    }

    static string AgentTokenFile(UnixUser agent) => Path.Combine(agent.Home, ".rampart", "token");

    /// <summary>Token names allow letters, digits, '_' and '-' (API-014); user names may also hold '.' and more.</summary>
    static string AgentName(UnixUser agent)
    {
        var chars = agent.Name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] is not ('_' or '-')) chars[i] = '-';
        }
        var name = new string(chars);
        return name.Length > 64 ? name[..64] : name;
    }

    AgentTokenStore TokenStore => new(layout.ServiceState.AgentTokenStore);

    bool AgentTokenIsValid(UnixUser agent)
    {
        var file = AgentTokenFile(agent);
        if (Posix.Lstat(file) is not { Kind: PathKind.Regular } info || info.Uid != agent.Uid || info.Mode != Mode0600) return false;
        if (ServiceToken.Read(new StateDirectory(Path.GetDirectoryName(file)!)) is not { } plaintext) return false;
        var hash = AgentTokenStore.HashOf(plaintext);
        var now = DateTimeOffset.UtcNow;
        foreach (var t in TokenStore.Load())
        {
            if (t.Hash == hash && t.Agent == AgentName(agent) && !t.Revoked && !t.HasExpired(now) && t.Scopes is [TokenScopes.Eval]) return true;
        }
        return false;
    }

    void CreateAgentToken(UnixUser agent)
    {
        var stateDir = Path.Combine(agent.Home, ".rampart");
        // Root writes into a directory the agent controls: refuse symlinks and foreign owners so
        // the agent cannot redirect the write (SEC-021), and hand the result to the agent.
        if (Posix.Lstat(agent.Home) is not { Kind: PathKind.Directory })
            throw new IOException($"home directory {agent.Home} of {agent.Name} does not exist or is not a directory");
        if (Posix.Lstat(stateDir) is { } existing)
        {
            if (existing.Kind != PathKind.Directory || existing.Uid != agent.Uid && existing.Uid != 0)
                throw new IOException($"{stateDir} is not a directory owned by {agent.Name}; refusing to write the agent token through it");
        }
        else
        {
            Directory.CreateDirectory(stateDir, Mode0700);
            Posix.Chown(stateDir, agent.Uid, agent.Gid);
        }

        var plaintext = AgentTokenStore.NewPlaintext();
        var record = new AgentToken
        {
            Hash = AgentTokenStore.HashOf(plaintext),
            Agent = AgentName(agent),
            Scopes = [TokenScopes.Eval],
            CreatedAt = DateTimeOffset.UtcNow,
            Note = InstallNote,
            MaskedPrefix = plaintext.Substring(AgentTokenStore.Prefix.Length, 8),
        };
        // A token this install handed out earlier and that no longer sits in the agent's file is revoked.
        TokenStore.Update(tokens => [.. tokens.Select(t => t.Agent == record.Agent && t.Note == InstallNote && !t.Revoked ? t with { Revoked = true } : t), record]);
        var (svcUid, svcGid) = Service();
        // The store and its lock sidecar were written by root; the service must own them (SEC-022).
        foreach (var path in new[] { layout.ServiceState.AgentTokenStore, layout.ServiceState.AgentTokenStore + ".rampart.lock" })
        {
            if (File.Exists(path)) Posix.Chown(path, svcUid, svcGid);
        }
        var tokenFile = AgentTokenFile(agent);
        OwnerOnlyFile.Replace(tokenFile, Encoding.UTF8.GetBytes(plaintext));
        Posix.Chown(tokenFile, agent.Uid, agent.Gid);
    }

    // ---- the unit and systemd ------------------------------------------------------------------

    bool UnitIsInstalled() =>
        Posix.Lstat(layout.UnitFile) is { Kind: PathKind.Regular, Uid: 0 } info && info.Mode == Mode0644
        && File.ReadAllText(layout.UnitFile) == SystemUnit.Content;

    /// <summary>Reads an existing unit under CLI-031's rules; null when there is none.</summary>
    string? ReadExistingUnit()
    {
        if (Posix.Lstat(layout.UnitFile) is not { } info) return null;
        if (info.Kind != PathKind.Regular)
            throw new IOException($"refusing to overwrite service definition: {layout.UnitFile} is not a regular file");
        var bytes = File.ReadAllBytes(layout.UnitFile);
        if (bytes.Length > SystemUnit.MaxFileBytes)
            throw new IOException($"refusing to overwrite service definition: {layout.UnitFile} is larger than 1 MiB");
        var text = Encoding.UTF8.GetString(bytes);
        if (!SystemUnit.IsRampartUnit(text))
            throw new IOException($"refusing to overwrite service definition: {layout.UnitFile} does not run 'rampart serve'; move it away if it should be replaced");
        return text;
    }

    void InstallUnit()
    {
        var before = ReadExistingUnit();
        // CLI-031: the file must be unchanged between the check and the replacement.
        if (before is not null && File.ReadAllText(layout.UnitFile) != before)
            throw new IOException($"refusing to overwrite service definition: {layout.UnitFile} changed while installing");
        OwnerOnlyFile.Replace(layout.UnitFile, Encoding.UTF8.GetBytes(SystemUnit.Content));
        Posix.Chown(layout.UnitFile, 0, 0);
        // The unit holds no secret (SEC-026's 0600 protects upstream's embedded token); 0644 lets
        // an unprivileged `systemd-analyze security` or doctor check its hardening.
        File.SetUnixFileMode(layout.UnitFile, Mode0644);
    }

    void RemoveUnit()
    {
        var before = ReadExistingUnit();
        if (before is not null && File.ReadAllText(layout.UnitFile) != before)
            throw new IOException($"refusing to remove service definition: {layout.UnitFile} changed while uninstalling");
        File.Delete(layout.UnitFile);
        if (layout.IsSystemdRunning) HostCommand.Require("systemctl", "daemon-reload");
    }

    static bool ServiceIsEnabledAndActive() =>
        HostCommand.Run("systemctl", "is-enabled", "rampart.service").Output == "enabled"
        && HostCommand.Run("systemctl", "is-active", "rampart.service").Output == "active";

    static bool ServiceIsEnabledOrActive() =>
        HostCommand.Run("systemctl", "is-enabled", "rampart.service").Output == "enabled"
        || HostCommand.Run("systemctl", "is-active", "rampart.service").Output is "active" or "activating" or "reloading";

    static void EnableAndRestartService()
    {
        HostCommand.Require("systemctl", "daemon-reload");
        HostCommand.Require("systemctl", "enable", "rampart.service");
        // Restart, not start: a changed binary, unit or token must take effect now.
        HostCommand.Require("systemctl", "restart", "rampart.service");
    }

    static void DisableService() => HostCommand.Require("systemctl", "disable", "--now", "rampart.service");

    // ---- a serve started by hand (no systemd) --------------------------------------------------

    /// <summary>
    /// The pid of a live <c>rampart serve</c> recorded in the service's <c>serve.state</c>, verified
    /// by its executable and command line before anyone signals it (SEC-027); null otherwise.
    /// </summary>
    int? RunningServePid()
    {
        byte[]? bytes;
        try
        {
            bytes = OwnerOnlyFile.ReadAllBytes(layout.ServiceState.ServeState, 64 * 1024);
        }
        catch (IOException)
        {
            return null;
        }
        if (bytes is null) return null;
        int pid;
        string executable;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            pid = doc.RootElement.GetProperty("pid").GetInt32();
            executable = doc.RootElement.GetProperty("executable").GetString() ?? "";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
        try
        {
            var exe = new FileInfo($"/proc/{pid}/exe").LinkTarget;
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return exe == executable && cmdline.Contains("serve") ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    void StopServe(int pid)
    {
        if (!Posix.Terminate(pid)) return;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(15))
        {
            if (!Directory.Exists($"/proc/{pid}") || RunningServePid() != pid) return;
            Thread.Sleep(50);
        }
        throw new IOException($"rampart serve (pid {pid}) did not stop within 15 s of SIGTERM");
    }

    static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8);
}
