using Rampart.Core.Policies;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart policy &lt;subcommand&gt;</c>: <c>lint &lt;file&gt;</c> (CLI-050, POL-094..POL-100) and
/// <c>test</c>, which is <c>rampart test</c> (CLI-046), and <c>explain</c> (CLI-051).
/// </summary>
internal static class PolicyCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(args.Length == 0 ? Console.Error : Console.Out);
            return Task.FromResult(args.Length == 0 ? 1 : 0);
        }
        switch (args[0])
        {
            case "lint":
                return Task.FromResult(Lint(args[1..]));
            case "test":
                return TestCommand.RunAsync(args[1..]);
            case "explain":
                return Task.FromResult(ExplainCommand.Run(args[1..], Console.Out, Console.Error));
            default:
                Console.Error.WriteLine($"rampart policy: unknown subcommand \"{args[0]}\" (run 'rampart policy help')");
                return Task.FromResult(1);
        }
    }

    static int Lint(string[] args)
    {
        args = WithoutGlobalFlags(args);
        if (args.Length != 1 || args[0].StartsWith('-'))
        {
            Console.Error.WriteLine("usage: rampart policy lint <file>");
            return 1;
        }
        var path = args[0];
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"file not found: {path}");
            return 1;
        }
        var findings = PolicyLinter.Lint(path);
        Console.Out.Write(PolicyLinter.Format(path, findings));
        // CLI-003: the exit status is the result; no extra error line.
        return PolicyLinter.HasErrors(findings) ? 1 : 0;
    }

    /// <summary>CLI-002: the global flags are accepted everywhere; lint reads only its file, so it drops them.</summary>
    static string[] WithoutGlobalFlags(string[] args)
    {
        var rest = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a is "--verbose" || a.StartsWith("--config=", StringComparison.Ordinal) || a.StartsWith("--verbose=", StringComparison.Ordinal)) continue;
            if (a == "--config" && i + 1 < args.Length) { i++; continue; }
            rest.Add(a);
        }
        return [.. rest];
    }

    static void PrintUsage(TextWriter w)
    {
        w.WriteLine("Usage: rampart policy <subcommand>");
        w.WriteLine();
        w.WriteLine("Subcommands:");
        w.WriteLine("  lint <file>   Check a policy file for mistakes (exit 1 when there are errors)");
        w.WriteLine("  test [file]   Run a policy test suite or test one call (same as 'rampart test')");
        w.WriteLine("  explain <arg> Show why a call gets its decision (--tool, --agent, --session, --config)");
    }
}
