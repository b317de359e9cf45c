using Rampart.Hosting;
using Rampart.Server;

namespace Rampart.Tests.Server;

/// <summary>
/// The signing key and the token file a first start creates (CLI-013 step 8, CLI-012, SEC-020) are
/// written beside the policy compile (issue 3: <see cref="EarlyStart"/>). A start that fails before
/// their step must leave the state directory as CLI-013's order would: without them.
/// </summary>
public sealed class FirstStartStateTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("rampart-first-start-").FullName;

    string StateDir => Path.Combine(_root, "home", ".rampart");
    string KeyFile => Path.Combine(StateDir, "signing.key");
    string TokenFile => Path.Combine(StateDir, "token");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    ServeOptions Options(string? policy = "version: \"1\"\ndefault_action: allow\npolicies: []\n", string? auditDir = null)
    {
        var policyFile = Path.Combine(_root, "rampart.yaml");
        if (policy is not null) File.WriteAllText(policyFile, policy);
        return new ServeOptions
        {
            ConfigPath = policyFile,
            IsConfigExplicit = true,
            Port = 0,
            StateDir = StateDir,
            AuditDir = auditDir ?? Path.Combine(_root, "audit"),
            Log = TextWriter.Null,
        };
    }

    static void AssertOwnerOnly(string path) =>
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

    [Fact]
    public async Task A_first_start_creates_the_signing_key_and_the_token_file_owner_only()
    {
        await using var server = await RampartServer.StartAsync(Options());
        Assert.Equal(32, File.ReadAllBytes(KeyFile).Length);
        Assert.Equal(server.AdminToken, File.ReadAllText(TokenFile).Trim());
        AssertOwnerOnly(KeyFile);
        AssertOwnerOnly(TokenFile);
        Assert.Empty(Directory.GetFiles(StateDir, "*.tmp"));
    }

    [Fact]
    public async Task A_start_that_fails_at_the_policy_leaves_no_signing_key_or_token_file()
    {
        var e = await Assert.ThrowsAsync<ServeException>(() => RampartServer.StartAsync(Options(policy: "policies: [")));
        Assert.StartsWith("serve: create engine: ", e.Message);
        Assert.True(Directory.Exists(StateDir)); // step 2 ran
        Assert.False(File.Exists(KeyFile));
        Assert.False(File.Exists(TokenFile));
        Assert.Empty(Directory.GetFiles(StateDir, "*.tmp"));
    }

    [Fact]
    public async Task A_start_that_fails_at_the_audit_open_leaves_no_signing_key_or_token_file()
    {
        var notADirectory = Path.Combine(_root, "audit-file");
        File.WriteAllText(notADirectory, "");
        var e = await Assert.ThrowsAsync<ServeException>(() => RampartServer.StartAsync(Options(auditDir: notADirectory)));
        Assert.StartsWith("serve: create audit sink: ", e.Message);
        Assert.False(File.Exists(KeyFile));
        Assert.False(File.Exists(TokenFile));
    }

    [Fact]
    public async Task A_failed_start_keeps_the_signing_key_and_token_file_that_were_there()
    {
        Directory.CreateDirectory(StateDir);
        var key = new byte[32];
        key[0] = 7;
        File.WriteAllBytes(KeyFile, key);
        File.WriteAllText(TokenFile, "existing-token-0123456789");
        await Assert.ThrowsAsync<ServeException>(() => RampartServer.StartAsync(Options(policy: "policies: [")));
        Assert.Equal(key, File.ReadAllBytes(KeyFile));
        Assert.Equal("existing-token-0123456789", File.ReadAllText(TokenFile));
    }

    [Fact]
    public async Task A_start_that_fails_after_the_signing_key_step_keeps_the_key_it_created()
    {
        // CLI-013 step 8: the key is created before listen, so a listen failure has always left it.
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var e = await Assert.ThrowsAsync<ServeException>(() => RampartServer.StartAsync(Options() with { Port = port }));
        Assert.StartsWith("serve: proxy listen failed: ", e.Message);
        Assert.True(File.Exists(KeyFile));
        Assert.False(File.Exists(TokenFile)); // persisted only after listen
    }

    [Fact]
    public void A_directory_fsync_of_a_missing_directory_is_an_error()
    {
        Posix.FsyncDirectory(_root);
        Assert.Throws<IOException>(() => Posix.FsyncDirectory(Path.Combine(_root, "missing")));
    }
}
