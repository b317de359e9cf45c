using System.Net;
using System.Text.Json;
using Rampart.Server;

namespace Rampart.Tests.Server.Approvals;

/// <summary>
/// Starts real servers for the approval tests: <see cref="ServerHarness"/> with the approval policy,
/// optionally over a state directory the test owns so a second server can restart on it.
/// </summary>
internal static class ApprovalServer
{
    public const string Policy = """
        version: "1"
        default_action: allow
        policies:
          - name: ask-deploy
            match:
              tool: ["exec", "deploy-tool"]
            rules:
              - action: ask
                when:
                  command_matches: ["deploy *"]
                message: deploys need a human
          - name: ask-read-secrets
            match:
              tool: read
            rules:
              - action: ask
                when:
                  path_matches: ["/secrets/**"]
                message: secret files need a human
        """;

    public static Task<ServerHarness> StartAsync(TimeSpan? timeout = null, string? stateDir = null, string policy = Policy,
        Func<ServeOptions, ServeOptions>? configure = null) =>
        ServerHarness.StartAsync(policy, configure: o =>
        {
            if (timeout is { } t) o = o with { ApprovalTimeout = t };
            if (stateDir is not null) o = o with { StateDir = stateDir };
            return configure is null ? o : configure(o);
        });

    /// <summary>The body of an exact-retry-able deploy call; every bound field can be overridden.</summary>
    public static string DeployCall(string agent = "codex", string session = "s1", string runId = "run-1", string toolCallId = "call-1",
        string cwd = "/work", string note = "n1", string command = "deploy prod")
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("agent", agent);
            w.WriteString("session", session);
            w.WriteString("run_id", runId);
            w.WriteString("tool_call_id", toolCallId);
            w.WriteString("cwd", cwd);
            w.WriteStartObject("params");
            w.WriteString("command", command);
            w.WriteString("note", note);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Sends an ask-producing call and returns the new approval id (asserting the 202 shape).</summary>
    public static async Task<string> AskAsync(ServerHarness server, string body, string tool = "exec", string? token = "")
    {
        var (status, reply) = await server.PostAsync($"/v1/tool/{tool}", body, token);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("pending", reply.GetProperty("approval_status").GetString());
        Assert.False(reply.GetProperty("allowed").GetBoolean());
        Assert.Equal("ask", reply.GetProperty("decision").GetString());
        Assert.True(DateTimeOffset.TryParse(reply.GetProperty("expires_at").GetString(), out _));
        return reply.GetProperty("approval_id").GetString()!;
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> ResolveAsync(ServerHarness server, string id, bool approve, string? token = "", bool persist = false) =>
        server.PostAsync($"/v1/approvals/{id}/resolve", $$"""{"approved":{{(approve ? "true" : "false")}},"resolved_by":"tester","persist":{{(persist ? "true" : "false")}}}""", token);

    public static async Task<string> StatusOfAsync(ServerHarness server, string id)
    {
        var (status, body) = await server.GetAsync($"/v1/approvals/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("status").GetString()!;
    }
}

