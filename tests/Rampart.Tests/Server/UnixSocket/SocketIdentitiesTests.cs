using Rampart.Hosting;
using Rampart.Server;

namespace Rampart.Tests.Server.UnixSocket;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SocketIdentitiesTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rampart-identities-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string Write(string yaml, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(dir, "identities.yaml");
        File.WriteAllText(path, yaml);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    static System.Collections.Immutable.ImmutableDictionary<uint, SocketIdentity> Parse(string path) => SocketIdentities.Parse(path, UnixAccounts.Read());

    [Fact]
    public void Entries_map_uids_to_agents_with_scopes_and_profile()
    {
        var map = Parse(Write("""
            identities:
              - uid: 1001
                agent: claude-alice
              - uid: 1002
                agent: codex-bob
                scopes: [eval, admin]
                policy: paranoid
            """));
        Assert.Equal("claude-alice", map[1001].Agent);
        Assert.Equal(["eval"], map[1001].Scopes.ToArray()); // the default, as for tokens (API-014)
        Assert.Equal("", map[1001].Policy);
        Assert.Equal("codex-bob", map[1002].Agent);
        Assert.Equal(["eval", "admin"], map[1002].Scopes.ToArray());
        Assert.Equal("paranoid", map[1002].Policy);
    }

    [Fact]
    public void A_user_name_is_resolved_through_the_passwd_file()
    {
        var map = Parse(Write("identities:\n  - user: root\n    agent: ops\n"));
        Assert.Equal("ops", map[0].Agent);
    }

    [Fact]
    public void Empty_file_maps_nobody()
    {
        Assert.Empty(Parse(Write("")));
        Assert.Empty(Parse(Write("identities:\n")));
    }

    [Theory]
    [InlineData("agents: []\n", "unknown key \"agents\"")]
    [InlineData("- uid: 1\n", "expected a mapping")]
    [InlineData("identities: {uid: 1}\n", "must be a list")]
    [InlineData("identities:\n  - agent: a\n", "uid or user is required")]
    [InlineData("identities:\n  - uid: 1\n", "agent is required")]
    [InlineData("identities:\n  - uid: 1\n    agent: 'a b'\n", "agent is required and must match")]
    [InlineData("identities:\n  - uid: -1\n    agent: a\n", "uid must be a non-negative integer")]
    [InlineData("identities:\n  - uid: 1\n    user: root\n    agent: a\n", "not both")]
    [InlineData("identities:\n  - uid: 1\n    agent: a\n    scopes: [root]\n", "unknown scope \"root\"")]
    [InlineData("identities:\n  - uid: 1\n    agent: a\n    scopes: eval\n", "scopes must be a list")]
    [InlineData("identities:\n  - uid: 1\n    agent: a\n    gid: 3\n", "unknown key \"gid\"")]
    [InlineData("identities:\n  - uid: 1\n    agent: a\n  - uid: 1\n    agent: b\n", "uid 1 is mapped twice")]
    [InlineData("identities:\n  - user: no-such-user-rampart\n    agent: a\n", "no local user \"no-such-user-rampart\"")]
    public void Mistakes_are_errors_naming_the_file_and_the_problem(string yaml, string expected)
    {
        var path = Write(yaml);
        var e = Assert.Throws<IOException>(() => Parse(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_map_others_can_write_is_refused()
    {
        var path = Write("identities:\n  - uid: 1\n    agent: a\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite);
        var e = Assert.Throws<IOException>(() => Parse(path));
        Assert.Contains("writable by group or others", e.Message);
    }
}
