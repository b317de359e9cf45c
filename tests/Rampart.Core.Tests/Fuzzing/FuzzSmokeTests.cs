using System.Text;
using Rampart.Fuzz.Harnesses;
using Rampart.Testing;

namespace Rampart.Core.Tests.Fuzzing;

/// <summary>
/// The fuzz harnesses (fuzz/Rampart.Fuzz) in CI: every harness body over its seed corpus
/// (fuzz/corpus/&lt;harness&gt;/) and over a few thousand fixed-seed mutations of it. The long,
/// coverage-guided runs are fuzz/run.sh; this keeps their contract from regressing between runs.
/// </summary>
public sealed class FuzzSmokeTests
{
    const int Mutations = 3000;

    public static TheoryData<string> Harnesses()
    {
        var data = new TheoryData<string>();
        foreach (var h in FuzzHarness.All) data.Add(h.Name);
        return data;
    }

    static byte[][] Corpus(string harness)
    {
        var dir = Path.Combine(SharedFiles.RepoRoot, "fuzz", "corpus", harness);
        var files = Directory.GetFiles(dir);
        Array.Sort(files, StringComparer.Ordinal);
        return [.. files.Select(File.ReadAllBytes)];
    }

    static string Describe(byte[] input) =>
        input.Length <= 400 ? Encoding.UTF8.GetString(input).ReplaceLineEndings("⏎") : $"{input.Length} bytes, base64 {Convert.ToBase64String(input)[..200]}…";

    [Theory]
    [MemberData(nameof(Harnesses))]
    public void Every_harness_has_a_seed_corpus(string harness)
    {
        Assert.True(Corpus(harness).Length >= 40, $"fuzz/corpus/{harness} has fewer than 40 seeds; run fuzz/seed.py");
    }

    [Theory]
    [MemberData(nameof(Harnesses))]
    public void Seed_corpus_runs_without_unexpected_exceptions(string harness)
    {
        var run = FuzzHarness.Find(harness)!.Run;
        var failures = new List<string>();
        foreach (var input in Corpus(harness))
        {
            try
            {
                run(input);
            }
            catch (Exception ex)
            {
                failures.Add($"{ex.GetType().Name}: {ex.Message} on {Describe(input)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    [Theory]
    [MemberData(nameof(Harnesses))]
    public void Fixed_seed_mutations_run_without_unexpected_exceptions(string harness)
    {
        var run = FuzzHarness.Find(harness)!.Run;
        var corpus = Corpus(harness);
        // string.GetHashCode is randomised per process; CI needs the same mutants every run.
        var seed = 0;
        foreach (var c in harness) seed = seed * 31 + c;
        var mutator = new SeedMutator(seed);
        var pick = new Random(seed);
        var failures = new List<string>();
        for (var i = 0; i < Mutations && failures.Count < 10; i++)
        {
            var input = mutator.Mutate(corpus[pick.Next(corpus.Length)], corpus[pick.Next(corpus.Length)]);
            try
            {
                run(input);
            }
            catch (Exception ex)
            {
                failures.Add($"mutation {i}: {ex.GetType().Name}: {ex.Message} on {Describe(input)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
