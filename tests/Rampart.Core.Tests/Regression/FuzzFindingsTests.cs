using Rampart.Fuzz.Harnesses;
using Rampart.Testing;

namespace Rampart.Core.Tests.Regression;

/// <summary>
/// Every input a fuzz run found crashing (Regression/Inputs/&lt;harness&gt;/) goes through its harness
/// again. The behaviour each one pins down is asserted in the unit's own regression class.
/// </summary>
public sealed class FuzzFindingsTests
{
    static string InputsRoot => Path.Combine(SharedFiles.RepoRoot, "tests", "Rampart.Core.Tests", "Regression", "Inputs");

    public static TheoryData<string, string> Findings()
    {
        var data = new TheoryData<string, string>();
        foreach (var dir in Directory.GetDirectories(InputsRoot).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
            }
        }
        return data;
    }

    [Fact]
    public void Every_finding_belongs_to_a_harness()
    {
        foreach (var dir in Directory.GetDirectories(InputsRoot))
        {
            Assert.NotNull(FuzzHarness.Find(Path.GetFileName(dir)));
        }
    }

    [Theory]
    [MemberData(nameof(Findings))]
    public void Crashing_input_now_runs_clean(string harness, string file)
    {
        FuzzHarness.Find(harness)!.Run(File.ReadAllBytes(Path.Combine(InputsRoot, harness, file)));
    }
}
