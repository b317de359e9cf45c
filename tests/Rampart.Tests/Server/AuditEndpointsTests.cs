using System.Net;
using System.Text;
using System.Text.Json;

namespace Rampart.Tests.Server;

/// <summary>The admin audit history routes over the real trail (API-070..API-073).</summary>
public sealed class AuditEndpointsTests
{
    static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd");

    static string AuditDir(ServerHarness server) => Path.Combine(server.Root, "audit");

    /// <summary>Three decisions through the tool route: allow (watch), deny, allow — by two agents in two sessions.</summary>
    static async Task<ServerHarness> StartWithDecisionsAsync()
    {
        var server = await ServerHarness.StartAsync();
        await server.PostAsync("/v1/tool/exec", """{"agent":"alice","session":"s1","command":"curl https://example.com"}""");
        await server.PostAsync("/v1/tool/exec", """{"agent":"bob","session":"s2","command":"rm -rf /tmp/x"}""");
        await server.PostAsync("/v1/tool/read", """{"agent":"alice","session":"s1","path":"/etc/hosts"}""");
        return server;
    }

    static string[] Actions(JsonElement body) => [.. body.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("decision").GetProperty("action").GetString()!)];

    [Fact]
    public async Task Events_of_today_come_newest_first_in_the_audit_shape()
    {
        await using var server = await StartWithDecisionsAsync();
        var (status, body) = await server.GetAsync("/v1/audit/events");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["allow", "deny", "watch"], Actions(body));
        Assert.Equal(3, body.GetProperty("total_in_file").GetInt32());
        Assert.Equal(0, body.GetProperty("next_offset").GetInt32());
        Assert.Equal(Today, body.GetProperty("date").GetString());
        var newest = body.GetProperty("events")[0];
        Assert.Equal("rampart.audit.v1", newest.GetProperty("schema_version").GetString());
        Assert.Equal("read", newest.GetProperty("tool").GetString());
        Assert.Matches("^sha256:[0-9a-f]{64}$", newest.GetProperty("hash").GetString());
        Assert.Equal(newest.GetProperty("prev_hash").GetString(), body.GetProperty("events")[1].GetProperty("hash").GetString());
    }

    [Theory]
    [InlineData("action=deny", new[] { "deny" })]
    [InlineData("tool=exec", new[] { "deny", "watch" })]
    [InlineData("agent=alice", new[] { "allow", "watch" })]
    [InlineData("session=s2", new[] { "deny" })]
    [InlineData("agent=alice&tool=exec", new[] { "watch" })]
    [InlineData("agent=nobody", new string[0])]
    public async Task Filters_match_exactly_and_total_counts_before_filtering(string filter, string[] expected)
    {
        await using var server = await StartWithDecisionsAsync();
        var (_, body) = await server.GetAsync("/v1/audit/events?" + filter);
        Assert.Equal(expected, Actions(body));
        Assert.Equal(3, body.GetProperty("total_in_file").GetInt32());
    }

    [Fact]
    public async Task Pages_with_limit_and_offset()
    {
        await using var server = await StartWithDecisionsAsync();
        var (_, first) = await server.GetAsync("/v1/audit/events?limit=2");
        Assert.Equal(["allow", "deny"], Actions(first));
        Assert.Equal(2, first.GetProperty("next_offset").GetInt32());
        var (_, second) = await server.GetAsync("/v1/audit/events?limit=2&offset=2");
        Assert.Equal(["watch"], Actions(second));
        Assert.Equal(0, second.GetProperty("next_offset").GetInt32());
        var (_, fallback) = await server.GetAsync("/v1/audit/events?limit=-3&offset=x");
        Assert.Equal(3, Actions(fallback).Length); // ≤ 0 or non-numeric ⇒ defaults
    }

    [Fact]
    public async Task Invalid_date_is_400()
    {
        await using var server = await ServerHarness.StartAsync();
        var (status, body) = await server.GetAsync("/v1/audit/events?date=2026-13-01");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid date format, expected YYYY-MM-DD", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Reading_is_lenient_and_includes_native_hook_files()
    {
        await using var server = await StartWithDecisionsAsync();
        var line = File.ReadAllLines(Path.Combine(AuditDir(server), Today + ".jsonl"))[0];
        await File.WriteAllTextAsync(Path.Combine(AuditDir(server), "2026-01-02.jsonl"), "{not json\n" + line + "\n\n");
        await File.WriteAllTextAsync(Path.Combine(AuditDir(server), "audit-hook-2026-01-02.jsonl"), """{"chain_continue":"sha256:00","prev_file":"x"}""" + "\n" + line + "\n");
        var (_, body) = await server.GetAsync("/v1/audit/events?date=2026-01-02");
        Assert.Equal(2, body.GetProperty("events").GetArrayLength());
        Assert.Equal(2, body.GetProperty("total_in_file").GetInt32());
    }

    [Fact]
    public async Task Dates_lists_each_day_newest_first()
    {
        await using var server = await StartWithDecisionsAsync();
        await File.WriteAllTextAsync(Path.Combine(AuditDir(server), "2026-01-02.p2.jsonl"), "");
        await File.WriteAllTextAsync(Path.Combine(AuditDir(server), "audit-hook-2025-12-31.jsonl"), "");
        await File.WriteAllTextAsync(Path.Combine(AuditDir(server), "notes.jsonl"), "");
        var (status, body) = await server.GetAsync("/v1/audit/dates");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([Today, "2026-01-02", "2025-12-31"], body.GetProperty("dates").EnumerateArray().Select(d => d.GetString()));
        Assert.True(body.GetProperty("configured").GetBoolean());
    }

    [Fact]
    public async Task Export_streams_the_days_files_concatenated_in_byte_order()
    {
        await using var server = await StartWithDecisionsAsync();
        var dir = AuditDir(server);
        await File.WriteAllTextAsync(Path.Combine(dir, "2026-01-02.p2.jsonl"), "second\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "2026-01-02.jsonl"), "first\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "2026-01-02.p10.jsonl"), "tenth\n");
        using var response = await server.Http.SendAsync(server.Request(HttpMethod.Get, "/v1/audit/export?date=2026-01-02", server.AdminToken));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jsonl", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment; filename=\"rampart-audit-2026-01-02.jsonl\"", response.Content.Headers.ContentDisposition?.ToString());
        Assert.Equal("first\ntenth\nsecond\n", await response.Content.ReadAsStringAsync()); // ".jsonl" < ".p10" < ".p2" bytewise

        using var today = await server.Http.SendAsync(server.Request(HttpMethod.Get, "/v1/audit/export?date=" + Today, server.AdminToken));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(dir, Today + ".jsonl")), await today.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/v1/audit/export", HttpStatusCode.BadRequest, "date parameter is required")]
    [InlineData("/v1/audit/export?date=01-02-2026", HttpStatusCode.BadRequest, "invalid date format, expected YYYY-MM-DD")]
    [InlineData("/v1/audit/export?date=2001-01-01", HttpStatusCode.NotFound, "no audit log found for 2001-01-01")]
    public async Task Export_errors(string path, HttpStatusCode expected, string error)
    {
        await using var server = await ServerHarness.StartAsync();
        var (status, body) = await server.GetAsync(path);
        Assert.Equal(expected, status);
        Assert.Equal(error, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Export_refuses_a_symlinked_file_before_sending_anything()
    {
        await using var server = await StartWithDecisionsAsync();
        var dir = AuditDir(server);
        await File.WriteAllTextAsync(Path.Combine(server.Root, "outside.txt"), "secret\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "2026-01-02.jsonl"), "first\n");
        File.CreateSymbolicLink(Path.Combine(dir, "2026-01-02.p1.jsonl"), Path.Combine(server.Root, "outside.txt"));
        var (status, body) = await server.GetAsync("/v1/audit/export?date=2026-01-02");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("audit export contains an unsafe file entry", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Stats_count_by_action_tool_agent_and_session()
    {
        await using var server = await StartWithDecisionsAsync();
        await server.PostAsync("/v1/tool/exec", """{"command":"curl https://example.com"}"""); // no agent, no session
        var (status, body) = await server.GetAsync($"/v1/audit/stats?from={Today}&to={Today}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, body.GetProperty("total_events").GetInt64());
        Assert.Equal("""{"allow":1,"deny":1,"watch":2}""", body.GetProperty("by_action").GetRawText());
        Assert.Equal("""{"exec":3,"read":1}""", body.GetProperty("by_tool").GetRawText());
        Assert.Equal("""{"alice":2,"bob":1}""", body.GetProperty("by_agent").GetRawText());
        Assert.Equal("""{"s1":2,"s2":1}""", body.GetProperty("by_session").GetRawText());
        var (_, defaults) = await server.GetAsync("/v1/audit/stats");
        Assert.Equal(4, defaults.GetProperty("total_events").GetInt64());
    }

    [Fact]
    public async Task Stats_span_several_days()
    {
        await using var server = await StartWithDecisionsAsync();
        var line = File.ReadAllLines(Path.Combine(AuditDir(server), Today + ".jsonl"))[0];
        await File.WriteAllTextAsync(Path.Combine(AuditDir(server), "2024-02-29.jsonl"), line + "\n");
        await File.WriteAllTextAsync(Path.Combine(AuditDir(server), "2024-03-01.jsonl"), line + "\n" + line + "\n");
        var (_, body) = await server.GetAsync("/v1/audit/stats?from=2024-02-29&to=2024-03-01");
        Assert.Equal(3, body.GetProperty("total_events").GetInt64());
        var (_, one) = await server.GetAsync("/v1/audit/stats?from=2024-03-01&to=2024-03-01");
        Assert.Equal(2, one.GetProperty("total_events").GetInt64());
    }

    [Theory]
    [InlineData("from=yesterday", "invalid from date")]
    [InlineData("to=2026-02-30", "invalid to date")]
    [InlineData("from=2026-03-02&to=2026-03-01", "invalid date range: to is before from")]
    [InlineData("from=2024-01-01&to=2025-01-02", "audit stats range cannot exceed 366 days")]
    public async Task Stats_reject_bad_ranges(string query, string error)
    {
        await using var server = await ServerHarness.StartAsync();
        var (status, body) = await server.GetAsync("/v1/audit/stats?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_full_leap_year_range_is_accepted()
    {
        await using var server = await ServerHarness.StartAsync();
        var (status, _) = await server.GetAsync("/v1/audit/stats?from=2024-01-01&to=2025-01-01");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("/v1/audit/events")]
    [InlineData("/v1/audit/dates")]
    [InlineData("/v1/audit/export?date=2026-01-01")]
    [InlineData("/v1/audit/stats")]
    public async Task Audit_routes_are_admin_only(string path)
    {
        await using var server = await ServerHarness.StartAsync();
        var eval = server.CreateAgentToken("codex");
        var (forbidden, body) = await server.GetAsync(path, eval);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal("this endpoint requires admin scope", body.GetProperty("error").GetString());
        var (missing, _) = await server.GetAsync(path, null);
        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        var admin = server.CreateAgentToken("ops", scopes: ["admin"]);
        var (allowed, _) = await server.GetAsync(path, admin);
        Assert.NotEqual(HttpStatusCode.Forbidden, allowed);
    }
}
