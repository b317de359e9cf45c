using System.Net;
using Rampart.Tests.Server;
using Xunit.Abstractions;

namespace Rampart.Tests.Faults;

/// <summary>
/// Wall-clock jumps while serving (issue 8), through the server's clock seam (<see cref="JumpingClock"/>:
/// the wall clock moves, the monotonic clock and timers do not — as with an NTP step). The trail
/// keeps arrival order across a midnight rotation, a jump back over midnight and a jump a year
/// ahead, never reopens an earlier day's file, and verifies; uptime never goes negative; reloads and
/// approval timeouts keep to real elapsed time.
/// </summary>
public sealed class ClockJumpTests(ITestOutputHelper output)
{
    const string Policy = """
        version: "1"
        default_action: allow
        policies:
          - name: block-rm
            match:
              tool: exec
            rules:
              - action: deny
                when:
                  command_matches: ["rm -rf *"]
                message: destructive command blocked
          - name: ask-deploy
            match:
              tool: exec
            rules:
              - action: ask
                when:
                  command_matches: ["deploy *"]
                message: deploys need a human
        """;

    static readonly DateTimeOffset BeforeMidnight = new(2026, 3, 10, 23, 59, 58, TimeSpan.Zero);

    [Fact]
    public async Task Trail_keeps_arrival_order_and_verifies_across_jumps_back_and_forward()
    {
        var clock = new JumpingClock(BeforeMidnight);
        await using var serve = await InProcessServe.StartAsync(Policy, time: clock);
        var sent = new List<string>();

        async Task PostBatchAsync(string phase)
        {
            for (var i = 0; i < 10; i++)
            {
                var command = i % 2 == 0 ? "git status" : "rm -rf /tmp/x";
                var (status, body) = await serve.PostAsync("/v1/tool/exec", $$"""{"agent":"clock","session":"{{phase}}","command":"{{command}}"}""");
                Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Forbidden, $"{phase}: {(int)status} {body}");
                Assert.Equal(i % 2 == 1, status == HttpStatusCode.Forbidden);
                sent.Add(body.GetProperty("audit_id").GetString()!);
            }
        }

        await PostBatchAsync("before-midnight");
        clock.Set(BeforeMidnight.AddSeconds(4));             // 2026-03-11 00:00:02: rotates by day
        await PostBatchAsync("after-midnight");
        clock.Jump(TimeSpan.FromDays(-2));                   // back to 2026-03-09
        await PostBatchAsync("jumped-back-two-days");
        var (_, health) = await serve.GetAsync("/healthz");
        Assert.True(health.GetProperty("uptime_seconds").GetInt64() >= 0, "uptime went negative: " + health);
        clock.Jump(TimeSpan.FromMinutes(-3));                // back again, within the day
        await PostBatchAsync("jumped-back-minutes");
        clock.Jump(TimeSpan.FromDays(365));                  // a year ahead: a new day's file
        await PostBatchAsync("jumped-a-year-ahead");
        await serve.StopAsync();

        var files = Directory.GetFiles(serve.AuditDir, "*.jsonl").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        output.WriteLine("audit files: " + string.Join(", ", files));
        Assert.DoesNotContain(files, f => f!.StartsWith("2026-03-09", StringComparison.Ordinal)); // no file sorting before the chain's head
        Assert.Contains(files, f => f!.StartsWith("2026-03-10", StringComparison.Ordinal));
        Assert.Contains(files, f => f!.StartsWith("2026-03-11", StringComparison.Ordinal));
        Assert.Contains(files, f => f!.StartsWith("2027-", StringComparison.Ordinal));

        var verify = await serve.VerifyAuditAsync();
        Assert.True(verify.ExitCode == 0, $"audit verify failed after clock jumps: {verify.Stderr}{verify.Stdout}");
        // Sequential client: file order is send order — not reordered, duplicated or lost.
        Assert.Equal(sent, ServeProcess.RecordIds(serve.AuditDir));
        output.WriteLine($"{sent.Count} decisions, {sent.Count} records in order; {verify.Stdout.Trim()}");
    }

    [Fact]
    public async Task Reloads_and_approval_timeouts_keep_to_real_time_after_a_jump_back()
    {
        var clock = new JumpingClock(BeforeMidnight);
        await using var serve = await InProcessServe.StartAsync(Policy, o => o with { ApprovalTimeout = TimeSpan.FromSeconds(1) }, clock);

        // Reload once so the debounce window is armed, then jump back a day: the next reload must
        // not wait for the wall clock to catch up.
        await File.WriteAllTextAsync(serve.PolicyFile, Policy.Replace("default_action: allow", "default_action: deny"));
        Assert.True(await DefaultIsAsync(serve, "deny"), "first reload not picked up");
        clock.Jump(TimeSpan.FromDays(-1));
        await File.WriteAllTextAsync(serve.PolicyFile, Policy);
        Assert.True(await DefaultIsAsync(serve, "allow"), "a reload after the clock jumped back was held off");

        // An approval asked for, then the clock jumps back an hour: it still times out after its
        // one second of real time (polled with a generous deadline), not an hour later.
        var (status, ask) = await serve.PostAsync("/v1/tool/exec", """{"agent":"clock","command":"deploy prod"}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = ask.GetProperty("approval_id").GetString()!;
        clock.Jump(TimeSpan.FromHours(-1));
        Assert.True(await ServerHarness.EventuallyAsync(async () =>
            (await serve.GetAsync($"/v1/approvals/{id}")).Body.GetProperty("status").GetString() == "expired"),
            "the approval did not time out after the clock jumped back");
        var (_, detail) = await serve.GetAsync($"/v1/approvals/{id}");
        Assert.Equal("timeout", detail.GetProperty("resolved_by").GetString());

        // A forward jump past expires_at: the approval cannot be resolved any more, and it expires.
        var (_, ask2) = await serve.PostAsync("/v1/tool/exec", """{"agent":"clock","session":"2","command":"deploy prod"}""");
        var id2 = ask2.GetProperty("approval_id").GetString()!;
        clock.Jump(TimeSpan.FromHours(2));
        var (resolveStatus, _) = await serve.PostAsync($"/v1/approvals/{id2}/resolve", """{"approved":true,"resolved_by":"tester"}""");
        Assert.Equal(HttpStatusCode.Gone, resolveStatus);
        Assert.True(await ServerHarness.EventuallyAsync(async () =>
            (await serve.GetAsync($"/v1/approvals/{id2}")).Body.GetProperty("status").GetString() == "expired"));

        await serve.StopAsync();
        var verify = await serve.VerifyAuditAsync();
        Assert.True(verify.ExitCode == 0, $"audit verify failed: {verify.Stderr}{verify.Stdout}");
    }

    static Task<bool> DefaultIsAsync(InProcessServe serve, string action) =>
        ServerHarness.EventuallyAsync(async () =>
            (await serve.GetAsync("/v1/status")).Body.GetProperty("default_action").GetString() == action);
}
