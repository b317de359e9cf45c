using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Rampart.Hosting;
using YamlDotNet.RepresentationModel;

namespace Rampart.Server;

/// <summary>One entry of the identity map: the uid the kernel reports → the agent identity it acts as.</summary>
/// <param name="Policy">Optional policy profile, as <c>token create --policy</c> (API-013 (3)); "" for none.</param>
internal sealed record SocketIdentity(uint Uid, string Agent, ImmutableArray<string> Scopes, string Policy)
{
    /// <summary>
    /// The caller this identity authenticates as. It takes the per-agent path of API-013 (agent
    /// forced, default deny, profile filter, approvals bound to it), with a stable pseudo token hash
    /// per uid so approvals created over the socket belong to that uid (API-040 owner scope).
    /// </summary>
    public Caller ToCaller() => new(new AgentToken
    {
        Hash = AgentTokenStore.HashOf("unix-socket-uid:" + Uid.ToString(CultureInfo.InvariantCulture)),
        Agent = Agent,
        Policy = Policy,
        Scopes = Scopes,
        MaskedPrefix = "uid" + Uid.ToString(CultureInfo.InvariantCulture),
    });
}

/// <summary>
/// The identity map of <c>serve --unix-socket</c> (project addition, issue 7): which local users
/// may call over the socket and as which agent. YAML, by default <c>~/.rampart/identities.yaml</c>
/// of the service user:
/// <code>
/// identities:
///   - uid: 1001            # or  user: alice  (looked up in /etc/passwd when the file is read)
///     agent: claude-alice  # the agent name every call of this uid carries (the body cannot change it)
///     scopes: [eval]       # eval (default) and/or admin, as for per-agent tokens (API-012)
///     policy: paranoid     # optional profile filter (API-013)
/// </code>
/// Like the token store (API-015) it is re-read whenever the file changes, and a file that
/// becomes unreadable or invalid maps nobody until it is fixed (fail closed).
/// </summary>
internal sealed class SocketIdentities
{
    const long MaxFileBytes = 1024 * 1024;

    readonly ILogger _log;
    readonly Lock _gate = new();
    FileStamp _loadedStamp;
    ImmutableDictionary<uint, SocketIdentity> _byUid = ImmutableDictionary<uint, SocketIdentity>.Empty;

    SocketIdentities(string path, ILogger log)
    {
        FilePath = path;
        _log = log;
    }

    public string FilePath { get; }

    /// <summary>
    /// Opens the map, validating it now so a mistake stops <c>serve</c> at start-up with the file's
    /// error (an absent file is allowed: it maps nobody, with a warning).
    /// </summary>
    /// <exception cref="IOException">The file is unsafe or invalid.</exception>
    public static SocketIdentities Open(string path, ILogger log)
    {
        var map = new SocketIdentities(path, log);
        var stamp = Stamp(path);
        map._byUid = stamp.Exists ? Parse(path, UnixAccounts.Read()) : ImmutableDictionary<uint, SocketIdentity>.Empty;
        map._loadedStamp = stamp;
        if (!stamp.Exists) log.LogWarning("unix socket identity map {Path} does not exist: every socket caller is refused until it does", path);
        return map;
    }

    /// <summary>The identity of <paramref name="uid"/>, or null when it is not mapped.</summary>
    public SocketIdentity? Find(uint uid) => Current().TryGetValue(uid, out var identity) ? identity : null;

    ImmutableDictionary<uint, SocketIdentity> Current()
    {
        lock (_gate)
        {
            var stamp = Stamp(FilePath);
            if (stamp == _loadedStamp) return _byUid;
            _loadedStamp = stamp;
            if (!stamp.Exists)
            {
                _log.LogWarning("unix socket identity map {Path} was removed: every socket caller is refused", FilePath);
                _byUid = ImmutableDictionary<uint, SocketIdentity>.Empty;
                return _byUid;
            }
            try
            {
                _byUid = Parse(FilePath, UnixAccounts.Read());
                _log.LogInformation("unix socket identity map reloaded: identities={Count}", _byUid.Count);
            }
            catch (IOException e)
            {
                _log.LogWarning("unix socket identity map unusable; every socket caller is refused until it is fixed: error={Error}", e.Message);
                _byUid = ImmutableDictionary<uint, SocketIdentity>.Empty;
            }
            return _byUid;
        }
    }

    static FileStamp Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(true, info.Length, info.LastWriteTimeUtc, info.UnixFileMode) : default;
    }

    /// <summary>What changes when the file is edited, replaced or re-moded (the API-015 comparison).</summary>
    readonly record struct FileStamp(bool Exists, long Length, DateTime Modified, UnixFileMode Mode);

    /// <summary>Parses and validates the file; every problem is an <see cref="IOException"/> naming the file and entry.</summary>
    internal static ImmutableDictionary<uint, SocketIdentity> Parse(string path, UnixAccounts accounts)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) throw new IOException($"{path}: the identity map must be a regular file, not a symlink");
        if (info.Length > MaxFileBytes) throw new IOException($"{path}: the identity map is larger than 1 MiB");
        // Whoever can write the map can become any agent: only its owner may.
        if ((info.UnixFileMode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            throw new IOException($"{path}: the identity map is writable by group or others; run: chmod go-w {path}");

        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new IOException($"{path}: {e.Message}", e);
        }
        var result = ImmutableDictionary.CreateBuilder<uint, SocketIdentity>();
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is YamlScalarNode { Value: null or "" }) return result.ToImmutable();
        if (yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new IOException($"{path}: expected a mapping with an \"identities\" list");
        foreach (var (k, v) in root.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (key != "identities") throw new IOException($"{path}: unknown key \"{key}\" (expected: identities)");
            if (v is YamlScalarNode { Value: null or "" }) continue;
            if (v is not YamlSequenceNode entries) throw new IOException($"{path}: \"identities\" must be a list");
            var index = 0;
            foreach (var entry in entries)
            {
                var identity = ParseEntry(path, index, entry, accounts);
                if (!result.TryAdd(identity.Uid, identity))
                    throw new IOException($"{path}: identities[{index}]: uid {identity.Uid} is mapped twice");
                index++;
            }
        }
        return result.ToImmutable();
    }

    static SocketIdentity ParseEntry(string path, int index, YamlNode node, UnixAccounts accounts)
    {
        var where = $"{path}: identities[{index}] (line {node.Start.Line})";
        if (node is not YamlMappingNode map) throw new IOException($"{where}: expected a mapping with uid or user, and agent");
        uint? uid = null;
        string? user = null, agent = null, policy = null;
        var scopes = ImmutableArray<string>.Empty;
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            switch (key)
            {
                case "uid":
                    if (!uint.TryParse(Scalar(where, key, v), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                        throw new IOException($"{where}: uid must be a non-negative integer");
                    uid = parsed;
                    break;
                case "user": user = Scalar(where, key, v); break;
                case "agent": agent = Scalar(where, key, v); break;
                case "policy": policy = Scalar(where, key, v); break;
                case "scopes":
                    if (v is not YamlSequenceNode list) throw new IOException($"{where}: scopes must be a list, e.g. [eval]");
                    var builder = ImmutableArray.CreateBuilder<string>();
                    foreach (var s in list)
                    {
                        var scope = Scalar(where, "scopes", s);
                        if (scope is not (TokenScopes.Eval or TokenScopes.Admin)) throw new IOException($"{where}: unknown scope \"{scope}\" (allowed: eval, admin)");
                        if (!builder.Contains(scope)) builder.Add(scope);
                    }
                    scopes = builder.ToImmutable();
                    break;
                default:
                    throw new IOException($"{where}: unknown key \"{key}\" (allowed: uid, user, agent, scopes, policy)");
            }
        }
        if (uid is not null && user is not null) throw new IOException($"{where}: give uid or user, not both");
        if (user is not null)
        {
            uid = accounts.User(user)?.Uid ?? throw new IOException($"{where}: no local user \"{user}\" in /etc/passwd");
        }
        if (uid is null) throw new IOException($"{where}: uid or user is required");
        if (string.IsNullOrEmpty(agent) || !AgentTokenStore.IsValidName(agent))
            throw new IOException($"{where}: agent is required and must match ^[A-Za-z0-9_-]{{1,64}}$");
        if (!string.IsNullOrEmpty(policy) && !AgentTokenStore.IsValidName(policy))
            throw new IOException($"{where}: policy must match ^[A-Za-z0-9_-]{{1,64}}$");
        return new SocketIdentity(uid.Value, agent, scopes.IsEmpty ? [TokenScopes.Eval] : scopes, policy ?? "");
    }

    static string Scalar(string where, string key, YamlNode node) =>
        node is YamlScalarNode { Value: { } value } ? value : throw new IOException($"{where}: {key} must be a single value");
}
