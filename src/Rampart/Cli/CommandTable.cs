namespace Rampart.Cli;

/// <summary>A subcommand: its name, one-line summary and handler (arguments after the name → exit code).</summary>
internal sealed record CliCommand(string Name, string Summary, Func<string[], Task<int>> Run);

/// <summary>The subcommands of <c>rampart</c>. Each command lives in its own file and is listed here.</summary>
internal static class CommandTable
{
    static readonly CliCommand[] Commands =
    [
        new("version", "Print the version", VersionCommand.RunAsync),
        new("serve", "Run the policy decision service", ServeCommand.RunAsync),
        new("health", "Exit 0 when a running serve answers its health probe", HealthCommand.RunAsync),
        new("token", "Show or manage the admin token and per-agent tokens", TokenCommand.RunAsync),
        new("test", "Run policy tests or test one call", TestCommand.RunAsync),
        new("policy", "Lint and inspect policies", PolicyCommand.RunAsync),
        new("init", "Write the default policy to ~/.rampart/policies and ./rampart.yaml", InitCommand.RunAsync),
        new("hook", "Answer a Claude Code hook event (stdin → decision on stdout)", HookCommand.RunAsync),
        new("setup", "Install the Rampart hook into an agent (claude-code)", SetupCommand.RunAsync),
        new("wrap", "Run a command whose $SHELL -c commands are checked with Rampart first", WrapCommand.RunAsync),
        new("pending", "List approvals waiting for a human", PendingCommand.RunAsync),
        new("approve", "Approve a pending request (--always: also allow it from now on)", ApproveCommand.RunAsync),
        new("deny", "Deny a pending request", DenyCommand.RunAsync),
        new("doctor", "Check the installation: token, policies, Claude Code hooks, audit, server", DoctorCommand.RunAsync),
        new("audit", "Verify, tail, search and summarise the audit trail", AuditCommand.RunAsync),
        new("log", "Show recent decisions", LogCommand.RunAsync),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        // CLI-002: global flags may come before the command; they are handed to it as if written after
        // it, so each command reads them in one place.
        var globals = new List<string>();
        var i = 0;
        for (; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--version" or "-v") return await VersionCommand.RunAsync([]);
            if (arg is "-h" or "--help") break;
            if (arg is "--verbose" || arg.StartsWith("--verbose=", StringComparison.Ordinal) || arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                globals.Add(arg);
                continue;
            }
            if (arg == "--config")
            {
                if (i + 1 >= args.Length)
                {
                    Console.Error.WriteLine("flag needs an argument: --config");
                    return 1;
                }
                globals.Add(arg);
                globals.Add(args[++i]);
                continue;
            }
            if (arg.StartsWith('-'))
            {
                Console.Error.WriteLine($"unknown flag: {arg}");
                return 1; // CLI-003: usage errors exit 1
            }
            break;
        }
        // CLI-001: `rampart` alone prints help.
        if (i >= args.Length || args[i] is "-h" or "--help" or "help")
        {
            PrintUsage(Console.Out);
            return 0;
        }
        var name = args[i];
        foreach (var command in Commands)
        {
            if (command.Name == name) return await command.Run(WithGlobals(args[(i + 1)..], globals));
        }
        Console.Error.WriteLine($"rampart: unknown command \"{name}\" (run 'rampart help')");
        return 1;
    }

    /// <summary>
    /// Places leading global flags among the command's own arguments: at the end, or before a <c>--</c>
    /// (after it they would be positional). The end is after any sub-command word, so grouped commands
    /// (<c>policy lint</c>, <c>setup claude-code</c>) still see their sub-command first.
    /// </summary>
    internal static string[] WithGlobals(string[] rest, List<string> globals)
    {
        if (globals.Count == 0) return rest;
        var dashes = Array.IndexOf(rest, "--");
        if (dashes < 0) return [.. rest, .. globals];
        return [.. rest[..dashes], .. globals, .. rest[dashes..]];
    }

    static void PrintUsage(TextWriter w)
    {
        w.WriteLine("rampart — a policy firewall for AI agents");
        w.WriteLine();
        w.WriteLine("Usage: rampart <command> [flags]");
        w.WriteLine();
        w.WriteLine("Commands:");
        foreach (var c in Commands) w.WriteLine($"  {c.Name,-12} {c.Summary}");
    }
}
