using System.Text;

namespace Rampart.Fuzz.Harnesses;

/// <summary>One fuzz target: a name (the corpus folder under <c>fuzz/corpus/</c>) and a body that must not throw.</summary>
/// <remarks>
/// The contract (issue 8): a body returns normally for every input, or throws only the clean validation
/// error its subject documents; it catches that one itself. Anything that escapes is a bug.
/// </remarks>
internal sealed record FuzzHarness(string Name, FuzzHarness.Body Run)
{
    internal delegate void Body(ReadOnlySpan<byte> data);

    /// <summary>Every harness, in the order run.sh and the smoke test list them.</summary>
    public static readonly IReadOnlyList<FuzzHarness> All =
    [
        new("policy-yaml", PolicyYamlHarness.Run),
        new("shell", ShellHarness.Run),
        new("glob", GlobHarness.Run),
        new("tool-call", ToolCallHarness.Run),
        new("audit-verify", AuditVerifierHarness.Run),
    ];

    public static FuzzHarness? Find(string name)
    {
        foreach (var h in All)
        {
            if (h.Name == name) return h;
        }
        return null;
    }

    /// <summary>Input bytes as the text a file or request body would give (invalid UTF-8 becomes U+FFFD).</summary>
    internal static string Text(ReadOnlySpan<byte> data) => Encoding.UTF8.GetString(data);

    /// <summary>
    /// Splits at the first newline: JSON and YAML strings can carry any character, so a name or pattern
    /// with an embedded newline is still reachable by escaping it in the policy, but here the newline is
    /// the cheapest separator for the fuzzer to learn.
    /// </summary>
    internal static (string First, string Second) SplitLine(string text)
    {
        var nl = text.IndexOf('\n');
        return nl < 0 ? (text, "") : (text[..nl], text[(nl + 1)..]);
    }
}
