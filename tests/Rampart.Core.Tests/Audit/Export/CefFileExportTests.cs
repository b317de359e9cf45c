using Rampart.Core.Audit;
using Rampart.Core.Audit.Export;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit.Export;

/// <summary><c>--cef</c> without <c>--syslog</c>: CEF lines in <c>&lt;audit-dir&gt;/cef.log</c> (AUD-095), after durability (AUD-097).</summary>
public sealed class CefFileExportTests
{
    static AuditExportOptions Options(string dir) => new() { AuditDirectory = dir, Cef = true, Version = "1.2.3" };

    [Fact]
    public async Task Durable_events_become_cef_lines_in_an_owner_only_file()
    {
        using var tmp = new TempAuditDir();
        var export = AuditExport.Create(Options(tmp.Path_))!;
        await using (var writer = AuditWriter.Open(AuditTestEvents.Options(tmp.Path_)))
        {
            var deny = Exec("rm -rf / --password=hunter2", action: "deny") with { Decision = new AuditDecision { Action = "deny", MatchedPolicies = ["block-destructive", "x"] } };
            Assert.True(export.Offer(deny, await writer.AppendAsync(deny)));
            var read = new AuditEvent
            {
                Agent = "codex",
                Tool = "read",
                Request = AuditValue.Object([new("path", AuditValue.From("/etc/hosts"))]),
                Decision = new AuditDecision { Action = "watch", Message = "reading | hosts" },
            };
            Assert.True(export.Offer(read, await writer.AppendAsync(read)));
        }
        await export.DisposeAsync();

        var cef = tmp.File(AuditFileNames.Cef);
        Assert.Equal(
        [
            "CEF:0|Rampart|PolicyEngine|1.2.3|deny|deny exec|8|src=claude-code cmd=rm -rf / [REDACTED] path= policy=block-destructive,x",
            "CEF:0|Rampart|PolicyEngine|1.2.3|watch|reading \\| hosts|3|src=codex cmd= path=/etc/hosts policy=",
        ], Lines(cef));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, Mode(cef));
        Assert.Equal(new AuditExportCounters(2, 2, 0, 0), export.Counters);
    }

    [Fact]
    public async Task An_existing_file_is_appended_to()
    {
        using var tmp = new TempAuditDir();
        Directory.CreateDirectory(tmp.Path_);
        File.WriteAllText(tmp.File(AuditFileNames.Cef), "earlier\n");
        var export = AuditExport.Create(Options(tmp.Path_))!;
        export.Offer(Exec("ls"), new AuditReceipt("01JEXPORT0000000000000001", "h", 1, "f"));
        await export.DisposeAsync();
        var lines = Lines(tmp.File(AuditFileNames.Cef));
        Assert.Equal("earlier", lines[0]);
        Assert.StartsWith("CEF:0|Rampart|PolicyEngine|1.2.3|allow|m|1|", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlinked_cef_log_is_a_start_up_error()
    {
        using var tmp = new TempAuditDir();
        Directory.CreateDirectory(tmp.Path_);
        var elsewhere = Path.Combine(tmp.Root, "elsewhere.log");
        File.WriteAllText(elsewhere, "");
        File.CreateSymbolicLink(tmp.File(AuditFileNames.Cef), elsewhere);
        var ex = Assert.Throws<IOException>(() => AuditExport.Create(Options(tmp.Path_)));
        Assert.Contains("not a regular file", ex.Message, StringComparison.Ordinal);
        Assert.Equal("", File.ReadAllText(elsewhere));
    }
}
