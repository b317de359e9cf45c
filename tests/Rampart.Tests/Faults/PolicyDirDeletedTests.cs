using System.Net;
using Rampart.Tests.Server;
using Xunit.Abstractions;

namespace Rampart.Tests.Faults;

/// <summary>
/// The policy directory is deleted while serving under load (issue 8): the last good set stays in
/// force (its deny rules keep denying), <c>/v1/status</c> says why, decisions never stop, and when
/// the directory comes back it is loaded and watched again. Every decision is in a verifying trail.
/// </summary>
public sealed class PolicyDirDeletedTests(ITestOutputHelper output)
{
    const string Primary = FaultPolicies.BlockRm;

    static string DenyPolicy(string name, string pattern) => $$"""
        policies:
          - name: {{name}}
            match:
              tool: exec
            rules:
              - action: deny
                when:
                  command_matches: ["{{pattern}}"]
                message: blocked by the directory
        """;

    [Fact]
    public async Task Deleted_policy_directory_keeps_the_last_good_set_and_is_reloaded_when_it_returns()
    {
        string dir = "";
        await using var serve = await InProcessServe.StartAsync(Primary,
            configure: o => o with { ConfigDir = dir },
            prepareRoot: root =>
            {
                dir = Path.Combine(root, "policies");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "make.yaml"), DenyPolicy("no-make", "make *"));
            });
        Assert.Equal(2, (await serve.GetAsync("/v1/status")).Body.GetProperty("policy_count").GetInt32());

        DecisionLoad load;
        await using (load = new DecisionLoad(serve.Http, clients: 4))
        {
            Assert.True(await load.WaitForMoreAsync(20), "no decisions under load");

            Directory.Delete(dir, recursive: true);
            string? error = null;
            Assert.True(await ServerHarness.EventuallyAsync(async () =>
            {
                var (_, body) = await serve.GetAsync("/v1/status");
                error = body.TryGetProperty("reload_error", out var e) ? e.GetString() : null;
                return error is not null;
            }), "the missing policy directory was never reported in /v1/status");
            output.WriteLine("reload_error: " + error);
            Assert.Contains("policy directory", error);
            Assert.Contains("is missing; keeping the previous policy set", error);
            var (_, status) = await serve.GetAsync("/v1/status");
            Assert.Equal(2, status.GetProperty("policy_count").GetInt32());
            // The directory's rule is still in force: fail closed, not open.
            Assert.Equal(HttpStatusCode.Forbidden, (await serve.PostAsync("/v1/tool/exec", """{"command":"make install"}""")).Status);
            Assert.True(await load.WaitForMoreAsync(20), "decisions stopped while the policy directory was missing");

            // It comes back with different content: loaded, and the error is gone.
            var staging = dir + ".new";
            Directory.CreateDirectory(staging);
            File.WriteAllText(Path.Combine(staging, "make.yaml"), DenyPolicy("no-make", "make *"));
            File.WriteAllText(Path.Combine(staging, "npm.yaml"), DenyPolicy("no-npm", "npm publish*"));
            Directory.Move(staging, dir);
            Assert.True(await PolicyCountIsAsync(serve, 3), "the restored policy directory was not loaded");
            var (_, healed) = await serve.GetAsync("/v1/status");
            Assert.False(healed.TryGetProperty("reload_error", out _), "reload_error still set: " + healed);
            Assert.Equal(HttpStatusCode.Forbidden, (await serve.PostAsync("/v1/tool/exec", """{"command":"npm publish"}""")).Status);

            // …and watched again: a file added later is picked up too.
            File.WriteAllText(Path.Combine(dir, "curl.yaml"), DenyPolicy("no-curl", "curl *"));
            Assert.True(await PolicyCountIsAsync(serve, 4), "a file added to the restored directory was not noticed");
            Assert.True(await load.WaitForMoreAsync(20));
        }
        Assert.Empty(load.Unexpected);
        Assert.Empty(load.WrongDecisions);

        await serve.StopAsync();
        var verify = await serve.VerifyAuditAsync();
        Assert.True(verify.ExitCode == 0, $"audit verify failed: {verify.Stderr}{verify.Stdout}");
        var ids = ServeProcess.RecordIds(serve.AuditDir);
        // Everything answered was recorded, and nothing else was (plus the 2 direct probes above).
        Assert.Equal(load.Received.Count + 2, ids.Count);
        Assert.Subset(ids.ToHashSet(StringComparer.Ordinal), load.Received.Keys.ToHashSet(StringComparer.Ordinal));
        output.WriteLine($"{load.Received.Count} decisions under load, {ids.Count} records, {verify.Stdout.Trim()}");
    }

    [Fact]
    public async Task Consuming_a_once_rule_while_the_directory_is_missing_keeps_the_directorys_rules()
    {
        // The engine reloads by itself after a once rule is consumed (POL-044); that reload must not
        // read the vanished directory as "no policies" either.
        const string primaryWithOnce = Primary + """

              - name: deploy-once
                match:
                  tool: exec
                rules:
                  - action: allow
                    when:
                      command_matches: ["deploy *"]
                    message: allowed once
                    once: true
            """;
        string dir = "";
        await using var serve = await InProcessServe.StartAsync(primaryWithOnce,
            configure: o => o with { ConfigDir = dir },
            prepareRoot: root =>
            {
                dir = Path.Combine(root, "policies");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "make.yaml"), DenyPolicy("no-make", "make *"));
            });
        Assert.Equal(3, (await serve.GetAsync("/v1/status")).Body.GetProperty("policy_count").GetInt32());

        Directory.Delete(dir, recursive: true);
        Assert.True(await ServerHarness.EventuallyAsync(async () =>
            (await serve.GetAsync("/v1/status")).Body.TryGetProperty("reload_error", out _)), "the missing directory was never reported");

        var deploy = await serve.PostAsync("/v1/tool/exec", """{"command":"deploy prod"}""");
        output.WriteLine($"deploy prod while the directory is missing: {(int)deploy.Status} {deploy.Body}");
        Assert.Equal(HttpStatusCode.Forbidden, (await serve.PostAsync("/v1/tool/exec", """{"command":"make install"}""")).Status);
        Assert.Equal(3, (await serve.GetAsync("/v1/status")).Body.GetProperty("policy_count").GetInt32());
    }

    static Task<bool> PolicyCountIsAsync(InProcessServe serve, int count) =>
        ServerHarness.EventuallyAsync(async () =>
            (await serve.GetAsync("/v1/status")).Body.GetProperty("policy_count").GetInt32() == count);
}
