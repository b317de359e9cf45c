using System.Text;
using Rampart.Core.Policies;
using YamlDotNet.RepresentationModel;

namespace Rampart.Core.Evaluation;

/// <summary>
/// Consumes a <c>once: true</c> allow after its one enforced use (POL-044): under a process-wide
/// lock and a cross-process lock on the source file, re-check the claim against a fresh load,
/// remove exactly that rule from the file (atomic rewrite), and reload. Any failure is reported
/// to the caller, which fails closed — a once rule must never allow twice.
/// </summary>
internal sealed class OnceClaimer(PolicyEngine engine, Func<PolicyConfig>? reload)
{
    static readonly Lock ProcessLock = new();
    static readonly TimeSpan CrossProcessWait = TimeSpan.FromSeconds(5);

    public bool Claim(ToolCall call, EvaluationOptions options, OnceClaim claim)
    {
        if (claim.Source.Length == 0 || claim.Source.StartsWith(ProfileNames.EmbeddedPrefix, StringComparison.Ordinal)) return false;
        if (!Path.IsPathRooted(claim.Source)) return false;
        try
        {
            lock (ProcessLock)
            {
                using var fileLock = AcquireFileLock(claim.Source);
                if (fileLock is null) return false;

                // Re-check on a fresh snapshot: another process may have consumed the rule already.
                var fresh = reload is null ? engine.Current : CompiledPolicySet.Compile(reload());
                var again = fresh.Evaluate(call, options, engine.Now, engine.Counter);
                if (again.Action != DecisionAction.Allow || again.Once is not { } still || still != claim) return false;

                var policy = FindPolicy(fresh.Config, claim);
                if (policy is null || claim.RuleIndex >= policy.Rules.Length) return false;
                if (!RemoveRule(claim, policy.Rules[claim.RuleIndex])) return false;

                // POL-032: the reload after a claim may legitimately leave no policies.
                var next = reload is null ? WithoutRule(fresh.Config, claim) : reload();
                engine.Swap(CompiledPolicySet.Compile(next));
                return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PolicyLoadException or YamlDotNet.Core.YamlException or InvalidOperationException)
        {
            return false;
        }
    }

    static Policy? FindPolicy(PolicyConfig config, OnceClaim claim)
    {
        foreach (var p in config.Policies)
        {
            if (p.Name == claim.PolicyName && p.Source == claim.Source) return p;
        }
        return null;
    }

    static FileStream? AcquireFileLock(string source)
    {
        var lockPath = source + ".lock";
        // Monotonic: a wall-clock jump back must not stretch the wait (issue 8, clock jumps).
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (System.Diagnostics.Stopwatch.GetElapsedTime(started) < CrossProcessWait)
            {
                Thread.Sleep(20);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <summary>Removes the rule (matched by index and content) from its file; the policy goes too when it has no rules left.</summary>
    static bool RemoveRule(OnceClaim claim, PolicyRule expected)
    {
        var text = File.ReadAllText(claim.Source, Encoding.UTF8);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root) return false;
        if (!root.Children.TryGetValue(new YamlScalarNode("policies"), out var policiesNode) || policiesNode is not YamlSequenceNode policies) return false;

        YamlMappingNode? policyNode = null;
        foreach (var item in policies.Children)
        {
            if (item is YamlMappingNode m && Scalar(m, "name") == claim.PolicyName) { policyNode = m; break; }
        }
        if (policyNode is null) return false;
        if (!policyNode.Children.TryGetValue(new YamlScalarNode("rules"), out var rulesNode) || rulesNode is not YamlSequenceNode rules) return false;
        if (claim.RuleIndex >= rules.Children.Count || rules.Children[claim.RuleIndex] is not YamlMappingNode ruleNode) return false;

        // Content check: the rule at that index must still be the once-allow we evaluated.
        if (!string.Equals(Scalar(ruleNode, "action"), expected.RawAction.Length > 0 ? expected.RawAction : "allow", StringComparison.OrdinalIgnoreCase)) return false;
        if ((Scalar(ruleNode, "message") ?? "") != expected.Message) return false;
        if (Scalar(ruleNode, "once") is not { } once || !IsTrue(once)) return false;

        rules.Children.RemoveAt(claim.RuleIndex);
        if (rules.Children.Count == 0) policies.Children.Remove(policyNode);

        var output = new StringWriter();
        stream.Save(output, assignAnchors: false);
        WriteAtomically(claim.Source, output.ToString());
        return true;
    }

    static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value ?? "" : null;

    static bool IsTrue(string value) => value.ToLowerInvariant() is "true" or "y" or "yes" or "on";

    static void WriteAtomically(string path, string content)
    {
        var dir = Path.GetDirectoryName(path) ?? ".";
        var temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = new UTF8Encoding(false).GetBytes(content);
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The in-memory equivalent of reloading after the rewrite (used without a reload function).</summary>
    static PolicyConfig WithoutRule(PolicyConfig config, OnceClaim claim)
    {
        var policies = config.Policies.ToBuilder();
        for (var i = 0; i < policies.Count; i++)
        {
            var p = policies[i];
            if (p.Name != claim.PolicyName || p.Source != claim.Source) continue;
            var rules = p.Rules.RemoveAt(claim.RuleIndex);
            if (rules.IsEmpty) policies.RemoveAt(i);
            else policies[i] = p with { Rules = rules };
            break;
        }
        return config with { Policies = policies.ToImmutable() };
    }
}
