using Rampart.Core.Audit;
using static Rampart.Core.Tests.Audit.AuditTestEvents;

namespace Rampart.Core.Tests.Audit;

/// <summary>tail/search/stats readers (AUD-090).</summary>
public sealed class AuditReaderTests
{
    static readonly DateTimeOffset T0 = new(2026, 3, 3, 10, 0, 0, TimeSpan.Zero);

    static async Task<TempAuditDir> Trail()
    {
        var tmp = new TempAuditDir();
        var clock = new ManualClock(T0);
        await using var writer = AuditWriter.Open(Options(tmp.Path_, clock));
        await writer.AppendAsync(Exec("git status", "claude-code", "allow"));
        clock.Set(T0.AddMinutes(1));
        await writer.AppendAsync(Exec("rm -rf /", "claude-code", "deny"));
        clock.Set(T0.AddMinutes(2));
        await writer.AppendAsync(Exec("cat README.md", "codex", "allow") with { Tool = "read" });
        clock.Set(T0.AddMinutes(3));
        await writer.AppendAsync(Exec("curl example.com", "codex", "deny") with { Tool = "fetch" });
        return tmp;
    }

    static List<string> Commands(IEnumerable<AuditEntry> entries) =>
        entries.Select(e => e.Event.Request!.Members[0].Value.AsString).ToList();

    [Fact]
    public async Task Filters_combine_decision_tool_agent_time_and_text()
    {
        using var tmp = await Trail();
        Assert.Equal(["rm -rf /", "curl example.com"], Commands(AuditReader.Read(tmp.Path_, new AuditQuery { Decision = "DENY" })));
        Assert.Equal(["cat README.md"], Commands(AuditReader.Read(tmp.Path_, new AuditQuery { Tool = "read" })));
        Assert.Equal(["cat README.md", "curl example.com"], Commands(AuditReader.Read(tmp.Path_, new AuditQuery { Agent = "codex" })));
        Assert.Equal(["rm -rf /", "cat README.md"],
            Commands(AuditReader.Read(tmp.Path_, new AuditQuery { Since = T0.AddMinutes(1), Until = T0.AddMinutes(3) })));
        Assert.Equal(["curl example.com"], Commands(AuditReader.Read(tmp.Path_, new AuditQuery { Text = "EXAMPLE" })));
        Assert.Empty(AuditReader.Read(tmp.Path_, new AuditQuery { Agent = "codex", Tool = "exec" }));
    }

    [Fact]
    public async Task Tail_returns_the_last_matches_oldest_first()
    {
        using var tmp = await Trail();
        Assert.Equal(["cat README.md", "curl example.com"], Commands(AuditReader.Tail(tmp.Path_, 2)));
        Assert.Equal(["git status", "rm -rf /", "cat README.md", "curl example.com"], Commands(AuditReader.Tail(tmp.Path_, 10)));
    }

    [Fact]
    public async Task Stats_count_by_decision_tool_and_agent()
    {
        using var tmp = await Trail();
        var stats = AuditReader.Stats(tmp.Path_);
        Assert.Equal(4, stats.Events);
        Assert.Equal(2, stats.ByDecision["deny"]);
        Assert.Equal(2, stats.ByTool["exec"]);
        Assert.Equal(2, stats.ByAgent["codex"]);
        Assert.Equal("2026-03-03T10:00:00Z", stats.First.ToString());
        Assert.Equal("2026-03-03T10:03:00Z", stats.Last.ToString());
    }

    [Fact]
    public async Task A_line_still_being_written_is_ignored_and_a_broken_line_is_an_error()
    {
        using var tmp = await Trail();
        var file = Directory.GetFiles(tmp.Path_, "*.jsonl").Single();
        File.AppendAllText(file, "{\"id\":\"partial");
        Assert.Equal(4, AuditReader.Read(tmp.Path_).Count());

        File.AppendAllText(file, "\n");
        var ex = Assert.Throws<AuditChainException>(() => AuditReader.Read(tmp.Path_).ToList());
        Assert.Equal(5, ex.Line);
        Assert.Empty(AuditReader.Read(tmp.Path_, skipBrokenFiles: true)); // the API skips the file
    }
}
