using Rampart.Core.Approvals;
using Rampart.Server.Approvals;

namespace Rampart.Tests.Server.Approvals;

public sealed class GrantDirectoryTests : IDisposable
{
    static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("rampart-grants-").FullName, "j.approved-once");
    static readonly string Key = new('a', 64);

    public void Dispose()
    {
        try { Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true); } catch (IOException) { }
    }

    static ReplayGrant Grant(string key) => new(key.StartsWith("v2-") ? 2 : 1, "01APPROVAL", key, "tester", Now, Now.AddSeconds(60));

    [Fact]
    public void Grant_is_consumed_once_and_leaves_an_owner_only_tombstone()
    {
        var grants = new GrantDirectory(_dir);
        grants.Publish(Grant(Key));
        Assert.Equal("01APPROVAL", grants.TryConsume(Key, Now)?.ApprovalId);
        Assert.Null(grants.TryConsume(Key, Now));
        var tombstone = Path.Combine(_dir, Key + ".consumed");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tombstone));
        Assert.False(File.Exists(Path.Combine(_dir, Key + ".ready")));
        Assert.Throws<IOException>(() => grants.Publish(Grant(Key)));
    }

    [Fact]
    public void Expired_grant_is_not_consumed()
    {
        var grants = new GrantDirectory(_dir);
        grants.Publish(Grant(Key));
        Assert.Null(grants.TryConsume(Key, Now.AddSeconds(61)));
    }

    [Fact]
    public void Version_must_match_the_key_kind()
    {
        var grants = new GrantDirectory(_dir);
        var v2 = "v2-" + new string('b', 64);
        grants.Publish(Grant(v2) with { Version = 1 });
        Assert.Null(grants.TryConsume(v2, Now));
    }

    [Fact]
    public void Malformed_keys_are_refused()
    {
        var grants = new GrantDirectory(_dir);
        Assert.Throws<IOException>(() => grants.TryConsume("../../etc/passwd", Now));
    }
}
