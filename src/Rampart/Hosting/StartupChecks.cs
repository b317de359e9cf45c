using System.Collections.Immutable;
using Rampart.Server;

namespace Rampart.Hosting;

/// <summary>One result of the start-up deployment checks: what is wrong and exactly how to fix it.</summary>
internal sealed record StartupFinding(bool IsFatal, string Message);

/// <summary>
/// The deployment checks <c>rampart serve</c> runs before it loads anything (SEC-061, project
/// addition; upstream checks none of this, SEC-060). Whoever can write the active policy controls
/// Rampart (SEC-002), so a policy file or directory writable by anyone but root and the service
/// account, an audit directory others can read, or credential files with group/other bits are
/// reported with the command that fixes them. Running as root is refused unless the operator says
/// <c>--allow-root</c>.
/// </summary>
internal sealed class StartupChecks(UnixAccounts accounts, uint serviceUid)
{
    /// <summary>Checks for the current process (effective uid, local account files).</summary>
    public static StartupChecks ForCurrentProcess() => new(UnixAccounts.Read(), Posix.EffectiveUserId);

    /// <summary>All findings for a service about to start with <paramref name="options"/>.</summary>
    /// <param name="allowRoot"><c>--allow-root</c>: running as uid 0 only warns.</param>
    public ImmutableArray<StartupFinding> Inspect(ServeOptions options, bool allowRoot)
    {
        var findings = ImmutableArray.CreateBuilder<StartupFinding>();
        CheckIdentity(findings, allowRoot);
        CheckPoliciesAndAudit(findings, options);
        foreach (var secret in new[] { "token", "tokens.json", "signing.key" })
            CheckSecret(findings, Path.Combine(options.StateDir, secret));
        // The config file usually sits in the config directory: one finding per path.
        return [.. findings.Distinct()];
    }

    /// <summary>
    /// <c>doctor</c> (CLI-063): the policy-writer and audit-directory findings for a service that
    /// runs with <paramref name="options"/>, without the identity and credential checks that only
    /// make sense inside serve. Throws <see cref="UnauthorizedAccessException"/>/<see cref="IOException"/>
    /// when the caller may not look at the paths.
    /// </summary>
    public ImmutableArray<StartupFinding> InspectPoliciesAndAudit(ServeOptions options)
    {
        var findings = ImmutableArray.CreateBuilder<StartupFinding>();
        CheckPoliciesAndAudit(findings, options);
        return [.. findings.Distinct()];
    }

    /// <summary>What every non-fatal finding's message starts with.</summary>
    public const string WarningPrefix = "serve: WARNING: ";

    void CheckPoliciesAndAudit(ImmutableArray<StartupFinding>.Builder findings, ServeOptions options)
    {
        var sources = PolicySources.Choose(options);
        if (sources.File is { } file) CheckPolicyFile(findings, Path.GetFullPath(file));
        if (sources.Directory is { } dir && Directory.Exists(dir))
        {
            var full = Path.GetFullPath(dir);
            CheckWriters(findings, full, "policy directory");
            foreach (var entry in Directory.EnumerateFileSystemEntries(full))
            {
                if (Path.GetExtension(entry) is ".yaml" or ".yml") CheckPolicyFile(findings, entry, checkDirectory: false);
            }
        }
        CheckAuditDirectory(findings, options.AuditDir ?? Path.Combine(options.StateDir, "audit"));
    }

    void CheckIdentity(ImmutableArray<StartupFinding>.Builder findings, bool allowRoot)
    {
        if (serviceUid != 0) return;
        if (allowRoot)
        {
            findings.Add(new(false, WarningPrefix + "running as root (--allow-root). The documented deployment runs serve as the rampart-svc account " +
                "so that neither the agent nor a compromised service holds root (SEC-010); set it up with 'sudo rampart serve install --system'."));
            return;
        }
        findings.Add(new(true, "serve: refusing to run as root. Run the service as its own account instead: 'sudo rampart serve install --system' sets up " +
            "rampart-svc, or start it with 'runuser -u rampart-svc -- rampart serve …'. Pass --allow-root to run as root anyway."));
    }

    void CheckPolicyFile(ImmutableArray<StartupFinding>.Builder findings, string path, bool checkDirectory = true)
    {
        if (Posix.Lstat(path) is not { } info) return;
        CheckWriters(findings, path, "policy file");
        if (checkDirectory && Path.GetDirectoryName(path) is { Length: > 0 } parent) CheckWriters(findings, parent, "policy directory");
        // Files in a policy directory may be symlinks, which the loader follows (POL-026): the
        // target decides who can change the policy.
        if (info.Kind == PathKind.Symlink && new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is { } target)
        {
            CheckWriters(findings, target.FullName, "policy file (symlink target)");
            if (target is FileInfo { DirectoryName: { Length: > 0 } targetDir }) CheckWriters(findings, targetDir, "policy directory (symlink target)");
        }
    }

    /// <summary>Warns when anyone other than root and the service account can write <paramref name="path"/>.</summary>
    void CheckWriters(ImmutableArray<StartupFinding>.Builder findings, string path, string what)
    {
        if (Posix.Lstat(path) is not { } info || info.Kind == PathKind.Symlink) return;
        var writers = new List<string>();
        if (info.Mode.HasFlag(UnixFileMode.OtherWrite)) writers.Add("every user");
        if (info.Mode.HasFlag(UnixFileMode.UserWrite) && !IsTrusted(info.Uid)) writers.Add("its owner " + accounts.Describe(info.Uid));
        if (info.Mode.HasFlag(UnixFileMode.GroupWrite))
        {
            var untrusted = new List<string>();
            foreach (var uid in accounts.MembersOf(info.Gid))
            {
                if (!IsTrusted(uid)) untrusted.Add(accounts.Describe(uid));
            }
            var group = accounts.Group(info.Gid)?.Name ?? $"gid {info.Gid}";
            if (untrusted.Count > 0) writers.Add($"group {group} ({string.Join(", ", untrusted)})");
        }
        if (writers.Count == 0) return;
        var service = accounts.User(serviceUid)?.Name ?? serviceUid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mode = info.Kind == PathKind.Directory ? "0750" : "0640";
        findings.Add(new(false, WarningPrefix + $"{what} {path} (mode {info.OctalMode}) is writable by {string.Join(" and ", writers)}, " +
            $"who can then rewrite the policy Rampart enforces. Fix: chown root:{GroupNameOf(service)} {path} && chmod {mode} {path}"));
    }

    bool IsTrusted(uint uid) => uid == 0 || uid == serviceUid;

    string GroupNameOf(string serviceName) =>
        accounts.User(serviceUid) is { } u && accounts.Group(u.Gid) is { } g ? g.Name : serviceName;

    void CheckAuditDirectory(ImmutableArray<StartupFinding>.Builder findings, string path)
    {
        if (Posix.Lstat(path) is not { Kind: PathKind.Directory } info || !info.IsGroupOrOtherAccessible) return;
        findings.Add(new(false, WarningPrefix + $"audit directory {path} is mode {info.OctalMode}: other users can read the audit trail " +
            $"(commands, paths, decisions). Fix: chmod 0700 {path}"));
    }

    void CheckSecret(ImmutableArray<StartupFinding>.Builder findings, string path)
    {
        if (Posix.Lstat(path) is not { Kind: PathKind.Regular } info || !info.IsGroupOrOtherAccessible) return;
        // The service restricts it to 0600 as soon as it reads it (SEC-022); until now others could read it.
        findings.Add(new(false, WarningPrefix + $"{path} was mode {info.OctalMode}: other users could read this credential. " +
            "Rampart restricts it to 0600 now; treat it as leaked and replace it ('rampart token rotate' for the admin token, " +
            "'rampart token revoke' + 'create' for agent tokens)."));
    }
}
