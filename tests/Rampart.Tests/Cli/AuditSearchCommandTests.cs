using static Rampart.Tests.Cli.AuditTrailFixture;

namespace Rampart.Tests.Cli;

/// <summary><c>rampart audit search</c> (CLI-057, plus the time range issue 4 asks for).</summary>
public sealed class AuditSearchCommandTests : IDisposable
{
    readonly AuditTrailFixture _trail = new();

    public AuditSearchCommandTests() =>
        _trail.WriteAsync(
            Event("exec", "allow", "git status", minute: 1, policy: "allow-git"),
            Event("exec", "deny", "rm -rf /", minute: 10, agent: "codex", policy: "block-destructive", message: "Destructive command blocked"),
            Event("read", "allow", "/etc/hosts", minute: 20, detailKey: "path"),
            Event("fetch", "deny", "https://evil.example/x", minute: 30, policy: "block-exfil", detailKey: "url")).GetAwaiter().GetResult();

    public void Dispose() => _trail.Dispose();

    async Task<string[]> Search(params string[] args)
    {
        var r = await _trail.RunAsync(["audit", "search", .. args, "--no-color"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return Lines(r.Stdout);
    }

    [Fact]
    public async Task The_query_matches_request_strings_and_prints_tail_lines_then_a_count()
    {
        Assert.Equal(["🔴 12:10:00 exec   \"rm -rf /\" DENY    block-destructive", "Found 1 matching events"], await Search("RM -RF"));
    }

    [Theory]
    [InlineData("blocked", 1)]       // decision message
    [InlineData("CODEX", 1)]         // agent
    [InlineData("fetch", 1)]         // tool
    [InlineData("evil.example", 1)]  // any request string, not only command/path
    [InlineData("repo/main", 0)]     // the session is not searched (CLI-057)
    [InlineData("", 4)]
    public async Task The_query_is_a_case_insensitive_substring_of_tool_agent_message_or_request(string query, int found)
    {
        var lines = await Search(query);
        Assert.Equal($"Found {found} matching events", lines[^1]);
        Assert.Equal(found, lines.Length - 1);
    }

    [Fact]
    public async Task Tool_agent_and_decision_filters_are_exact_but_case_insensitive()
    {
        Assert.Equal("Found 2 matching events", (await Search("", "--decision", "DENY"))[^1]);
        Assert.Equal("Found 1 matching events", (await Search("", "--decision", "deny", "--tool", "Fetch"))[^1]);
        Assert.Equal("Found 1 matching events", (await Search("", "--agent", "Codex"))[^1]);
        Assert.Equal("Found 0 matching events", (await Search("", "--tool", "exe"))[^1]);
    }

    [Fact]
    public async Task Since_and_until_bound_the_time_range()
    {
        var lines = await Search("", "--since", "2026-03-01T12:10:00Z", "--until", "2026-03-01T12:30:00Z");
        Assert.Equal(
        [
            "🔴 12:10:00 exec   \"rm -rf /\" DENY    block-destructive",
            "✅ 12:20:00 read   \"/etc/hosts\" allow   p",
        ], lines[..^1]);
        Assert.Equal("Found 2 matching events", lines[^1]);
        Assert.Equal("Found 4 matching events", (await Search("", "--since", "2026-03-01"))[^1]);
        Assert.Equal("Found 0 matching events", (await Search("", "--since", "2026-03-02"))[^1]);
        // A look-back duration: these events are long past.
        Assert.Equal("Found 0 matching events", (await Search("", "--since", "1h"))[^1]);
    }

    [Fact]
    public async Task A_bad_time_is_a_clear_error()
    {
        var r = await _trail.RunAsync("audit", "search", "x", "--until", "tomorrow");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("invalid --until \"tomorrow\": expected an RFC 3339 time", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_query_is_required()
    {
        var r = await _trail.RunAsync("audit", "search");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("usage: rampart audit search <query>", r.Stderr, StringComparison.Ordinal);
    }
}
