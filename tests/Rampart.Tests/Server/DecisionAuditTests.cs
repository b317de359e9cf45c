using System.Net;
using System.Text.Json;
using Rampart.Server;

namespace Rampart.Tests.Server;

/// <summary>Decisions reach the hash-chained trail before the response (AUD-055, AUD-060, AUD-061).</summary>
public sealed class DecisionAuditTests
{
    static string AuditDir(ServerHarness server) => Path.Combine(server.Root, "audit");

    static List<JsonElement> Records(ServerHarness server)
    {
        var records = new List<JsonElement>();
        foreach (var file in Directory.GetFiles(AuditDir(server), "*.jsonl"))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                if (line.Length == 0) continue;
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("id", out var id) && id.GetString()!.Length > 0) records.Add(doc.RootElement.Clone());
            }
        }
        return records;
    }

    [Fact]
    public async Task Decision_record_is_on_disk_when_the_response_arrives()
    {
        await using var server = await ServerHarness.StartAsync();
        var (_, body) = await server.PostAsync("/v1/tool/exec", """{"agent":"a","session":"s","command":"rm -rf /x","params":{"token":"hunter2"}}""");
        var id = body.GetProperty("audit_id").GetString();
        var record = Records(server).Single(r => r.GetProperty("id").GetString() == id);
        Assert.Equal("exec", record.GetProperty("tool").GetString());
        Assert.Equal("deny", record.GetProperty("decision").GetProperty("action").GetString());
        Assert.Equal("rm -rf /x", record.GetProperty("request").GetProperty("command").GetString());
        Assert.Equal("[REDACTED]", record.GetProperty("request").GetProperty("token").GetString());
        Assert.Matches("^sha256:[0-9a-f]{64}$", record.GetProperty("hash").GetString());
    }

    [Fact]
    public async Task Response_scan_writes_a_second_response_phase_record()
    {
        await using var server = await ServerHarness.StartAsync();
        var (_, body) = await server.PostAsync("/v1/tool/exec", """{"command":"cat","response":"AKIAABCDEFGHIJKLMNOP"}""");
        var records = Records(server);
        Assert.Equal(2, records.Count);
        var phase = records.Single(r => r.GetProperty("id").GetString() == body.GetProperty("audit_id").GetString());
        Assert.Equal("response", phase.GetProperty("request").GetProperty("rampart_phase").GetString());
        Assert.Equal(records[0].GetProperty("id").GetString(), phase.GetProperty("request").GetProperty("request_audit_id").GetString());
        Assert.Contains("response-redacted", phase.GetProperty("response").GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Verification_preflight_writes_no_record()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PostAsync("/v1/preflight/exec", """{"command":"ls","verification":true}""");
        Assert.Empty(Records(server));
    }

    [Fact]
    public async Task Unusable_audit_directory_is_a_startup_error()
    {
        var blocker = Path.Combine(Path.GetTempPath(), "rampart-audit-blocker-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(blocker, "not a directory");
        try
        {
            var e = await Assert.ThrowsAsync<ServeException>(() => ServerHarness.StartAsync(configure: o => o with { AuditDir = blocker }));
            Assert.StartsWith("serve: create audit sink: ", e.Message);
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    [Fact]
    public async Task Audit_failure_refuses_tool_calls_in_enforce_mode_and_is_reported()
    {
        await using var server = await ServerHarness.StartAsync();
        Directory.Delete(AuditDir(server), recursive: true);
        await File.WriteAllTextAsync(AuditDir(server), "blocks the directory");
        var (status, body) = await server.PostAsync("/v1/tool/exec", """{"command":"ls"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("audit storage is unavailable; refusing tool call", body.GetProperty("error").GetString());
        var (_, health) = await server.GetAsync("/healthz", null);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("unavailable", health.GetProperty("audit").GetString());
        var (_, st) = await server.GetAsync("/v1/status");
        Assert.Equal("unavailable", st.GetProperty("audit").GetString());
        File.Delete(AuditDir(server));
    }

    [Fact]
    public async Task Audit_failure_does_not_block_monitor_mode()
    {
        await using var server = await ServerHarness.StartAsync(mode: ServiceMode.Monitor);
        Directory.Delete(AuditDir(server), recursive: true);
        await File.WriteAllTextAsync(AuditDir(server), "blocks the directory");
        var (status, body) = await server.PostAsync("/v1/tool/exec", """{"command":"rm -rf /x"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.TryGetProperty("audit_id", out _));
        File.Delete(AuditDir(server));
    }
}
