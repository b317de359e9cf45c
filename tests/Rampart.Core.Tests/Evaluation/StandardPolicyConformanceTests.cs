using Rampart.Core.Evaluation;
using Rampart.Core.Policies;
using Rampart.Testing;

namespace Rampart.Core.Tests.Evaluation;

/// <summary>standard_policy.yaml: decisions of the shipped standard profile loaded alone (preview, no counter).</summary>
public sealed class StandardPolicyConformanceTests
{
    static readonly Lazy<Dictionary<string, Dictionary<string, object?>>> Cases = new(() => ConformanceCalls.ById("standard_policy.yaml"));
    static readonly Lazy<CompiledPolicySet> Standard = new(() => CompiledPolicySet.Compile(PolicyStore.LoadFile(SharedFiles.Fixture("standard.yaml"))));

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Cases.Value.Keys) data.Add(id);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Standard_profile_decides_like_upstream(string id)
    {
        var c = Cases.Value[id];
        var call = ConformanceCalls.ToCall(new Dictionary<string, object?>
        {
            ["tool"] = c["tool"],
            ["agent"] = "test-agent",
            ["session"] = "test-session",
            ["params"] = c.Map("params"),
        });
        var decision = Standard.Value.Evaluate(call, default, DateTimeOffset.UtcNow);
        var diff = ConformanceCalls.Compare(c.Map("expect")!, decision, compareSuggestions: c.Map("expect")!.ContainsKey("suggestions"));
        Assert.True(diff.Length == 0, id + ":" + diff);
    }
}
