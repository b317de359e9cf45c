using System.Text.Json;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;
using Rampart.Testing;
using Xunit.Abstractions;

namespace Rampart.Core.Tests.Evaluation;

public sealed class EvaluationAllocationTests(ITestOutputHelper output)
{
    static ToolCall Call(string tool, string key, string value) => new()
    {
        Tool = tool,
        Agent = "claude-code",
        Session = "repo/main",
        Params = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            [key] = JsonDocument.Parse(JsonSerializer.Serialize(value, DiffJson.Default.String)).RootElement.Clone(),
        },
    };

    static long PerCall(CompiledPolicySet set, ToolCall call, DateTimeOffset now)
    {
        for (var i = 0; i < 50; i++) set.Evaluate(call, default, now);
        const int n = 200;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < n; i++) set.Evaluate(call, default, now);
        return (GC.GetAllocatedBytesForCurrentThread() - before) / n;
    }

    [Fact]
    public void Probe()
    {
        var set = CompiledPolicySet.Compile(PolicyStore.LoadFile(SharedFiles.Fixture("standard.yaml")));
        var now = DateTimeOffset.UtcNow;
        foreach (var call in new[] { Call("exec", "command", "git status"), Call("exec", "command", "rm -rf /"), Call("read", "file_path", "/home/user/project/src/main.go") })
        {
            var d = set.Evaluate(call, default, now);
            output.WriteLine($"{d.Action} '{d.Message}' [{string.Join(",", d.MatchedPolicies)}] sugg={d.Suggestions.Length} bytes={PerCall(set, call, now)}");
        }
    }
}
