using Rampart.Core.Audit;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit;

[CollectionDefinition("process umask", DisableParallelization = true)]
public sealed class ProcessUmaskCollection;

/// <summary>Owner-only modes whatever the umask (AUD-001, AUD-002, SEC-022). Changes the process umask, so runs alone.</summary>
[Collection("process umask")]
public sealed class AuditFileModeTests
{
    const UnixFileMode Dir0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    static void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        File.SetUnixFileMode(path, mode);
    }

    [Fact]
    public async Task Directory_and_files_are_owner_only_under_umask_000()
    {
        using var tmp = new TempAuditDir();
        var keyPath = Path.Combine(tmp.Root, "state", "audit-signing.pem");
        var old = Umask(0);
        try
        {
            var options = Options(tmp.Path_) with { Signing = new AuditSigningOptions { KeyPath = keyPath, EveryRecords = 50 } };
            await using (var writer = AuditWriter.Open(options))
                for (var i = 0; i < 100; i++) await writer.AppendAsync(Exec("n" + i));
        }
        finally
        {
            Umask(old);
        }

        Assert.Equal(Dir0700, Mode(tmp.Path_));
        Assert.Equal(Dir0700, Mode(Path.GetDirectoryName(keyPath)!));
        string[] files =
        [
            ..Directory.GetFiles(tmp.Path_, "*.jsonl"),
            tmp.File(".audit-chain-state.json"),
            tmp.File(".audit-chain-state.json.rampart.lock"),
            tmp.File("audit-anchor.json"),
            tmp.File(AuditCheckpoints.FileName),
            keyPath,
            keyPath + ".pub",
        ];
        foreach (var f in files) Assert.True(File0600 == Mode(f), $"{f} has mode {Mode(f)}");
    }

    [Fact]
    public async Task An_existing_directory_keeps_its_mode_and_a_loose_log_is_tightened()
    {
        using var tmp = new TempAuditDir();
        Directory.CreateDirectory(tmp.Path_);
        const UnixFileMode dir0750 = Dir0700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        SetMode(tmp.Path_, dir0750);
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            await writer.AppendAsync(Exec("x"));
        var log = Directory.GetFiles(tmp.Path_, "*.jsonl").Single();
        SetMode(log, File0600 | UnixFileMode.OtherRead);
        await using (var writer = AuditWriter.Open(Options(tmp.Path_)))
            await writer.AppendAsync(Exec("y"));
        Assert.Equal(dir0750, Mode(tmp.Path_));
        Assert.Equal(File0600, Mode(log));
    }
}
