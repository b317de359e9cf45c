using System.Diagnostics;
using System.Net;

namespace Rampart.Tests.Server;

/// <summary>File-watcher and SIGHUP reloads (API-110, API-111, POL-032).</summary>
public sealed class HotReloadTests
{
    const string Strict = """
        version: "1"
        default_action: deny
        policies:
          - name: allow-ls
            match:
              tool: exec
            rules:
              - action: allow
                when:
                  command_matches: ["ls *"]
        """;

    static async Task<bool> DefaultIsAsync(ServerHarness server, string action) =>
        await ServerHarness.EventuallyAsync(async () =>
        {
            var (_, body) = await server.GetAsync("/v1/status");
            return body.GetProperty("default_action").GetString() == action;
        });

    [Fact]
    public async Task Good_then_broken_then_good_file_keeps_the_last_good_set_and_reports_the_error()
    {
        await using var server = await ServerHarness.StartAsync();
        await File.WriteAllTextAsync(server.PolicyFile, Strict);
        Assert.True(await DefaultIsAsync(server, "deny"), "the watcher did not pick up the new policy");

        await File.WriteAllTextAsync(server.PolicyFile, "policies:\n  - name: broken\n    rules:\n      - action: explode\n");
        Assert.True(await ServerHarness.EventuallyAsync(async () =>
        {
            var (_, body) = await server.GetAsync("/v1/status");
            return body.TryGetProperty("reload_error", out var e) && e.GetString()!.StartsWith("engine: reload failed: ");
        }), "the broken policy was not reported in /v1/status");
        var (status, body) = await server.GetAsync("/v1/status");
        Assert.Equal("deny", body.GetProperty("default_action").GetString());
        Assert.Equal(1, body.GetProperty("policy_count").GetInt32());
        var (denied, _) = await server.PostAsync("/v1/tool/exec", """{"command":"make"}""");
        Assert.Equal(HttpStatusCode.Forbidden, denied);

        await File.WriteAllTextAsync(server.PolicyFile, ServerHarness.DefaultPolicy);
        Assert.True(await DefaultIsAsync(server, "allow"));
        var (_, fixedBody) = await server.GetAsync("/v1/status");
        Assert.False(fixedBody.TryGetProperty("reload_error", out _));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Replacing_the_config_file_by_rename_is_noticed()
    {
        await using var server = await ServerHarness.StartAsync();
        var temp = server.PolicyFile + ".tmp";
        await File.WriteAllTextAsync(temp, Strict);
        File.Move(temp, server.PolicyFile, overwrite: true);
        Assert.True(await DefaultIsAsync(server, "deny"));
    }

    [Fact]
    public async Task Policy_directory_changes_are_picked_up()
    {
        var dir = Directory.CreateTempSubdirectory("rampart-policy-dir-").FullName;
        try
        {
            await using var server = await ServerHarness.StartAsync(configure: o => o with { ConfigDir = dir });
            await File.WriteAllTextAsync(Path.Combine(dir, "extra.yaml"), """
                policies:
                  - name: extra-deny
                    match:
                      tool: exec
                    rules:
                      - action: deny
                        when:
                          command_matches: ["make *"]
                """);
            Assert.True(await ServerHarness.EventuallyAsync(async () =>
            {
                var (_, body) = await server.GetAsync("/v1/status");
                return body.GetProperty("policy_count").GetInt32() == 5;
            }));
            var (status, _) = await server.PostAsync("/v1/tool/exec", """{"command":"make all"}""");
            Assert.Equal(HttpStatusCode.Forbidden, status);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Emptying_the_file_is_rejected_and_keeps_the_policies()
    {
        await using var server = await ServerHarness.StartAsync();
        await File.WriteAllTextAsync(server.PolicyFile, "");
        Assert.True(await ServerHarness.EventuallyAsync(async () =>
        {
            var (_, body) = await server.GetAsync("/v1/status");
            return body.TryGetProperty("reload_error", out _);
        }));
        var (_, status) = await server.GetAsync("/v1/status");
        Assert.Equal(4, status.GetProperty("policy_count").GetInt32());
    }
}
