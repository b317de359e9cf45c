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
    static long Bytes(Action a)
    {
        for (var i = 0; i < 20; i++) a();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) a();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
    }

    [Fact]
    public void Probe2()
    {
        var pth = "/home/user";
        Directory.CreateDirectory("/tmp/perfprobe/d");
        output.WriteLine("fileinfo " + Bytes(() => new FileInfo(pth)));
        output.WriteLine("linktarget " + Bytes(() => _ = new FileInfo(pth).LinkTarget));
        output.WriteLine("direxists " + Bytes(() => Directory.Exists(pth)));
        output.WriteLine("direxists2 " + Bytes(() => Directory.Exists("/tmp/perfprobe/d")));
        output.WriteLine("fileexists " + Bytes(() => File.Exists(pth)));
        output.WriteLine("fsinfo exists " + Bytes(() => _ = new FileInfo("/tmp/perfprobe/d").Exists));
        output.WriteLine("resolvelink " + Bytes(() => File.ResolveLinkTarget("/tmp/perfprobe/d", false)));
        if (!Directory.Exists("/tmp/perfprobe/alias")) Directory.CreateSymbolicLink("/tmp/perfprobe/alias", "d");
        output.WriteLine("file resolve on dirlink: " + (File.ResolveLinkTarget("/tmp/perfprobe/alias", false)?.ToString() ?? "null"));
        output.WriteLine("dir resolve on dirlink: " + (Directory.ResolveLinkTarget("/tmp/perfprobe/alias", false)?.ToString() ?? "null"));
        output.WriteLine("linktarget on dirlink: " + (new FileInfo("/tmp/perfprobe/alias").LinkTarget ?? "null"));
        output.WriteLine("candidates " + Bytes(() => Rampart.Core.Matching.PathNames.Candidates("/home/user/project/src/main.go", "")));
        output.WriteLine("clean " + Bytes(() => Rampart.Core.Matching.PathNames.Clean("/home/user/project/src/main.go", "")));
        output.WriteLine("resolve " + Bytes(() => Rampart.Core.Matching.PathNames.Resolve("/home/user/project/src/main.go")));
        output.WriteLine("analysis " + Bytes(() => Rampart.Core.Matching.CommandAnalysis.Of("rm -rf /")));
        output.WriteLine("rmaliases " + Bytes(() => Rampart.Core.Matching.ShellForms.CanonicalRmAliases("rm -rf /", out _)));
        output.WriteLine("semantic " + Bytes(() => Rampart.Core.Matching.ShellForms.SemanticAliases("rm -rf /")));
        output.WriteLine("alt " + Bytes(() => Rampart.Core.Matching.ShellForms.AlternateReadings("rm -rf /")));
        output.WriteLine("restrictive " + Bytes(() => Rampart.Core.Matching.ShellForms.RestrictiveCandidates("rm -rf /")));
        output.WriteLine("normalize " + Bytes(() => Rampart.Core.Matching.ShellText.Normalize("rm -rf /")));
        output.WriteLine("danger " + Bytes(() => Suggestions.IsExtremelyDangerousCommand("rm -rf /")));
        output.WriteLine("env " + Bytes(() => Rampart.Core.Matching.ShellForms.EnvAssignmentNames("rm -rf /")));
    }
}
