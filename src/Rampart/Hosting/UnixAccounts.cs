using System.Collections.Immutable;
using System.Globalization;

namespace Rampart.Hosting;

/// <summary>One line of <c>/etc/passwd</c>.</summary>
internal sealed record UnixUser(string Name, uint Uid, uint Gid, string Home, string Shell)
{
    /// <summary>Whether the account can open an interactive session (SEC-010 wants none for the service).</summary>
    public bool HasLoginShell => Shell.Length > 0 && !Shell.EndsWith("/nologin", StringComparison.Ordinal) && !Shell.EndsWith("/false", StringComparison.Ordinal);
}

/// <summary>One line of <c>/etc/group</c>.</summary>
internal sealed record UnixGroup(string Name, uint Gid, ImmutableArray<string> Members);

/// <summary>
/// A snapshot of the local account files. Read directly rather than through NSS: the binary is
/// static (glibc's NSS modules cannot be loaded) and the accounts Rampart cares about — the
/// service account and local agent users — are local ones made with <c>useradd</c>.
/// </summary>
internal sealed class UnixAccounts
{
    readonly ImmutableArray<UnixUser> _users;
    readonly ImmutableArray<UnixGroup> _groups;

    UnixAccounts(ImmutableArray<UnixUser> users, ImmutableArray<UnixGroup> groups)
    {
        _users = users;
        _groups = groups;
    }

    /// <summary>Reads <c>/etc/passwd</c> and <c>/etc/group</c>; missing files (a bare container) give no accounts.</summary>
    public static UnixAccounts Read(string passwdPath = "/etc/passwd", string groupPath = "/etc/group") =>
        new(ParseUsers(ReadLines(passwdPath)), ParseGroups(ReadLines(groupPath)));

    public UnixUser? User(string name)
    {
        foreach (var u in _users) if (u.Name == name) return u;
        return null;
    }

    public UnixUser? User(uint uid)
    {
        foreach (var u in _users) if (u.Uid == uid) return u;
        return null;
    }

    public UnixGroup? Group(string name)
    {
        foreach (var g in _groups) if (g.Name == name) return g;
        return null;
    }

    public UnixGroup? Group(uint gid)
    {
        foreach (var g in _groups) if (g.Gid == gid) return g;
        return null;
    }

    /// <summary>Every uid that belongs to group <paramref name="gid"/>: listed members plus users whose primary group it is.</summary>
    public ImmutableArray<uint> MembersOf(uint gid)
    {
        var uids = ImmutableArray.CreateBuilder<uint>();
        foreach (var u in _users)
        {
            if (u.Gid == gid) uids.Add(u.Uid);
        }
        if (Group(gid) is { } group)
        {
            foreach (var name in group.Members)
            {
                if (User(name) is { } member && !uids.Contains(member.Uid)) uids.Add(member.Uid);
            }
        }
        return uids.ToImmutable();
    }

    /// <summary>A uid as a person reads it: <c>alice (uid 1000)</c>.</summary>
    public string Describe(uint uid) => User(uid) is { } u ? $"{u.Name} (uid {uid})" : $"uid {uid}";

    static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (FileNotFoundException) { return []; }
        catch (DirectoryNotFoundException) { return []; }
    }

    static ImmutableArray<UnixUser> ParseUsers(string[] lines)
    {
        var users = ImmutableArray.CreateBuilder<UnixUser>();
        foreach (var line in lines)
        {
            var f = line.Split(':');
            if (f.Length < 7 || !TryId(f[2], out var uid) || !TryId(f[3], out var gid)) continue;
            users.Add(new UnixUser(f[0], uid, gid, f[5], f[6]));
        }
        return users.ToImmutable();
    }

    static ImmutableArray<UnixGroup> ParseGroups(string[] lines)
    {
        var groups = ImmutableArray.CreateBuilder<UnixGroup>();
        foreach (var line in lines)
        {
            var f = line.Split(':');
            if (f.Length < 4 || !TryId(f[2], out var gid)) continue;
            groups.Add(new UnixGroup(f[0], gid, [.. f[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]));
        }
        return groups.ToImmutable();
    }

    static bool TryId(string text, out uint id) => uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
}
