using System.Net;

namespace Rampart.Tests.Faults;

/// <summary>
/// AUD-072 end to end on the real binary: a trail whose newest file ends in a torn record keeps serve
/// from starting (fail closed, upstream's message, plus the hint naming the repair), the operator's
/// <c>rampart audit repair</c> moves only the torn bytes aside, and serve then starts and continues
/// the chain, which verifies.
/// </summary>
public sealed class TornTailStartTests
{
    [Fact]
    public async Task Serve_refuses_a_torn_tail_names_the_repair_and_starts_after_it()
    {
        var root = Directory.CreateTempSubdirectory("rampart-torn-").FullName;
        try
        {
            var home = Path.Combine(root, "home");
            Directory.CreateDirectory(home);
            var policyFile = Path.Combine(root, "rampart.yaml");
            await File.WriteAllTextAsync(policyFile, FaultPolicies.BlockRm);
            var auditDir = Path.Combine(root, "audit");
            await using (var first = await ServeProcess.StartAsync(home, policyFile, auditDir))
            {
                var (status, _) = await first.PostAsync("/v1/tool/exec", """{"agent":"a","session":"s","params":{"command":"git status"}}""");
                Assert.Equal(HttpStatusCode.OK, status);
                await first.StopAsync();
            }
            var newest = Directory.GetFiles(auditDir, "*.jsonl").Order(StringComparer.Ordinal).Last();
            var intact = await File.ReadAllBytesAsync(newest);
            const string torn = """{"id":"01TORN","timestamp":"2026-""";
            await File.AppendAllTextAsync(newest, torn);

            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServeProcess.StartAsync(home, policyFile, auditDir));
            Assert.Contains("unterminated audit record", refused.Message, StringComparison.Ordinal);
            Assert.Contains("rampart audit repair", refused.Message, StringComparison.Ordinal);

            var repair = await RampartProcess.RunAsync(["audit", "repair", "--audit-dir", auditDir],
                env: new Dictionary<string, string?> { ["HOME"] = home });
            Assert.True(repair.ExitCode == 0, repair.Stderr + repair.Stdout);
            Assert.Equal(intact, await File.ReadAllBytesAsync(newest));

            await using (var second = await ServeProcess.StartAsync(home, policyFile, auditDir))
            {
                var (status, _) = await second.PostAsync("/v1/tool/exec", """{"agent":"a","session":"s","params":{"command":"ls"}}""");
                Assert.Equal(HttpStatusCode.OK, status);
                await second.StopAsync();
            }
            var verify = await RampartProcess.RunAsync(["audit", "verify", "--audit-dir", auditDir],
                env: new Dictionary<string, string?> { ["HOME"] = home });
            Assert.True(verify.ExitCode == 0, verify.Stderr + verify.Stdout);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
