using System.Net;

namespace Rampart.Tests.Server;

/// <summary><c>GET /v1/rules/auto-allowed</c> and <c>DELETE /v1/rules/auto-allowed/{name}</c> (API-060, API-061).</summary>
public sealed class RuleEndpointsTests
{
    const string DenyByDefault = """
        version: "1"
        default_action: deny
        policies:
          - name: block-rm
            match:
              tool: exec
            rules:
              - action: deny
                when:
                  command_matches: ["rm -rf *"]
        """;

    const string GitStatus = "auto-allow-git-status-20260301T120000Z-0123456789abcdef01234567";
    const string ReadHosts = "auto-allow-read-etc-hosts-20260302T083000Z-abcdefabcdefabcdefabcdef";

    const string AutoAllowed = $$"""
        version: "1"
        default_action: deny
        policies:
        - name: "{{GitStatus}}"
          match:
            tool: ["exec"]
          rules:
          - action: allow
            when:
              command_matches: ["git status"]
        - name: "{{ReadHosts}}"
          match:
            tool: ["read"]
          rules:
          - action: allow
            when:
              path_matches: ["/etc/hosts"]
        - name: "hand-written"
          match:
            tool: ["fetch"]
          rules:
          - action: allow
            when:
              domain_matches: ["example.com"]
        """;

    static string RulesFile(ServerHarness server) => Path.Combine(server.StateDir, "policies", "auto-allowed.yaml");

    /// <summary>A server whose policy directory holds <paramref name="autoAllowed"/> from the start (so it is loaded).</summary>
    static async Task<ServerHarness> StartAsync(string? autoAllowed)
    {
        return await ServerHarness.StartAsync(DenyByDefault, configure: o =>
        {
            if (autoAllowed is not null)
            {
                var dir = Path.Combine(o.StateDir, "policies");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "auto-allowed.yaml"), autoAllowed);
            }
            return o;
        });
    }

    [Fact]
    public async Task Missing_file_lists_no_rules()
    {
        await using var server = await StartAsync(null);
        var (status, body) = await server.GetAsync("/v1/rules/auto-allowed");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"rules":[]}""", body.GetRawText());
    }

    [Fact]
    public async Task Lists_one_entry_per_policy()
    {
        await using var server = await StartAsync(AutoAllowed);
        var (_, body) = await server.GetAsync("/v1/rules/auto-allowed");
        var rules = body.GetProperty("rules");
        Assert.Equal(3, rules.GetArrayLength());
        Assert.Equal($$"""{"index":0,"tool":"exec","command_pattern":"git status","name":"{{GitStatus}}","created":"2026-03-01T12:00:00Z"}""", rules[0].GetRawText());
        Assert.Equal($$"""{"index":1,"tool":"read","command_pattern":"","path_pattern":"/etc/hosts","name":"{{ReadHosts}}","created":"2026-03-02T08:30:00Z"}""", rules[1].GetRawText());
        Assert.Equal("""{"index":2,"tool":"fetch","command_pattern":"","name":"hand-written"}""", rules[2].GetRawText());
    }

    [Fact]
    public async Task Unparseable_file_is_500()
    {
        await using var server = await StartAsync(null);
        Directory.CreateDirectory(Path.GetDirectoryName(RulesFile(server))!);
        await File.WriteAllTextAsync(RulesFile(server), "policies: [unclosed");
        var (status, _) = await server.GetAsync("/v1/rules/auto-allowed");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
    }

    [Fact]
    public async Task Deleting_a_rule_rewrites_the_file_and_reloads()
    {
        await using var server = await StartAsync(AutoAllowed);
        var (before, _) = await server.PostAsync("/v1/tool/exec", """{"command":"git status"}""");
        Assert.Equal(HttpStatusCode.OK, before);

        var (status, body) = await server.SendAsync(HttpMethod.Delete, "/v1/rules/auto-allowed/" + GitStatus, server.AdminToken);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"deleted":true}""", body.GetRawText());

        var (after, _) = await server.PostAsync("/v1/tool/exec", """{"command":"git status"}""");
        Assert.Equal(HttpStatusCode.Forbidden, after);
        var (_, list) = await server.GetAsync("/v1/rules/auto-allowed");
        Assert.Equal([ReadHosts, "hand-written"], list.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(RulesFile(server)));
    }

    [Fact]
    public async Task Deleting_the_last_rule_deletes_the_file()
    {
        const string single = $$"""
            version: "1"
            policies:
            - name: "{{GitStatus}}"
              match:
                tool: ["exec"]
              rules:
              - action: allow
                when:
                  command_matches: ["git status"]
            """;
        await using var server = await StartAsync(single);
        var (status, body) = await server.SendAsync(HttpMethod.Delete, "/v1/rules/auto-allowed/" + GitStatus, server.AdminToken);
        Assert.True(status == HttpStatusCode.OK, body.GetRawText());
        Assert.False(File.Exists(RulesFile(server)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Unknown_name_is_404(bool withFile)
    {
        await using var server = await StartAsync(withFile ? AutoAllowed : null);
        var (status, body) = await server.SendAsync(HttpMethod.Delete, "/v1/rules/auto-allowed/no-such-rule", server.AdminToken);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("no rule with name \"no-such-rule\"", body.GetProperty("error").GetString());
        if (withFile) Assert.Equal(AutoAllowed, await File.ReadAllTextAsync(RulesFile(server)));
    }

    [Fact]
    public async Task Rule_routes_are_admin_only()
    {
        await using var server = await StartAsync(AutoAllowed);
        var eval = server.CreateAgentToken("codex");
        var (list, _) = await server.GetAsync("/v1/rules/auto-allowed", eval);
        Assert.Equal(HttpStatusCode.Forbidden, list);
        var (delete, body) = await server.SendAsync(HttpMethod.Delete, "/v1/rules/auto-allowed/" + GitStatus, eval);
        Assert.Equal(HttpStatusCode.Forbidden, delete);
        Assert.Equal("this endpoint requires admin scope", body.GetProperty("error").GetString());
        Assert.Equal(AutoAllowed, await File.ReadAllTextAsync(RulesFile(server)));
    }
}
