using System.Net;
using Rampart.Testing;
using Xunit.Abstractions;

namespace Rampart.Tests.Faults;

/// <summary>
/// Fail closed when the audit disk is full (AUD-054 step 7, AUD-055, issue 4): the real serve binary
/// on a 256 KiB tmpfs answers 503 and reports the audit degraded, then resumes by itself once space
/// returns, and the trail verifies.
/// </summary>
public sealed class AuditDiskFullTests(ITestOutputHelper output)
{
    const string Policy = """
        version: "1"
        default_action: allow
        policies: []
        """;

    const string Refused = "audit storage is unavailable; refusing tool call";

    [Fact]
    public async Task Full_audit_disk_refuses_decisions_with_503_then_recovers_when_space_returns()
    {
        var root = Directory.CreateTempSubdirectory("rampart-diskfull-").FullName;
        var mount = Path.Combine(root, "small");
        Directory.CreateDirectory(mount);
        var mounted = SmallTmpfs.TryMount(mount, "256k");
        try
        {
            var home = Path.Combine(root, "home");
            Directory.CreateDirectory(home);
            var policyFile = Path.Combine(root, "rampart.yaml");
            await File.WriteAllTextAsync(policyFile, Policy);
            var auditDir = Path.Combine(mount, "audit");
            var filler = Path.Combine(mount, "filler");
            if (!mounted) output.WriteLine("FALLBACK: cannot mount a tmpfs here (not root?): the fault is a removed audit directory instead of a full disk");

            await using var serve = await ServeProcess.StartAsync(home, policyFile, auditDir);
            var (first, _) = await serve.PostAsync("/v1/tool/exec", """{"command":"git status"}""");
            Assert.Equal(HttpStatusCode.OK, first);

            if (mounted) SmallTmpfs.FillUp(filler);
            else Directory.Delete(auditDir, recursive: true);
            // A record bigger than a page, so it cannot hide in the room left in the log's last page
            // (the text is a parameter: commands over 8 KiB are denied before matching).
            var big = $$$"""{"command":"git status","params":{"note":"{{{new string('x', 16 * 1024)}}}"}}""";
            var (status, body) = await serve.PostAsync("/v1/tool/exec", big);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal(Refused, body.GetProperty("error").GetString());

            var (healthStatus, health) = await serve.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, healthStatus);
            Assert.Equal("unavailable", health.GetProperty("audit").GetString());
            var (_, status2) = await serve.GetAsync("/v1/status");
            Assert.Equal("unavailable", status2.GetProperty("audit").GetString());
            if (mounted) Assert.Contains("No space left on device", status2.GetProperty("audit_error").GetString());

            if (mounted) File.Delete(filler);
            else Directory.CreateDirectory(auditDir);
            var (after, afterBody) = await serve.PostAsync("/v1/tool/exec", big);
            Assert.True(after == HttpStatusCode.OK, $"{(int)after} after space returned: {afterBody}");
            var id = afterBody.GetProperty("audit_id").GetString()!;
            var (_, healed) = await serve.GetAsync("/healthz");
            Assert.False(healed.TryGetProperty("audit", out _), "audit still reported degraded: " + healed);
            await serve.StopAsync();

            var verify = await RampartProcess.RunAsync(["audit", "verify", "--audit-dir", auditDir],
                env: new Dictionary<string, string?> { ["HOME"] = home });
            Assert.True(verify.ExitCode == 0, $"audit verify failed: {verify.Stderr}{verify.Stdout}");
            Assert.Contains(id, ServeProcess.RecordIds(auditDir));
            output.WriteLine(verify.Stdout.Trim());
        }
        finally
        {
            if (mounted) SmallTmpfs.Unmount(mount);
            Directory.Delete(root, recursive: true);
        }
    }
}
