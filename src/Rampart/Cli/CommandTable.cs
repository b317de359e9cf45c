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
        new("hook", "Answer a Claude Code hook event (stdin → decision on stdout)", HookCommand.RunAsync),
        new("setup", "Install the Rampart hook into an agent (claude-code)", SetupCommand.RunAsync),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(Console.Out);
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] is "--version" or "-v") return await VersionCommand.RunAsync([]);
        foreach (var command in Commands)
        {
            if (command.Name == args[0]) return await command.Run(args[1..]);
        }
        Console.Error.WriteLine($"rampart: unknown command \"{args[0]}\" (run 'rampart help')");
        return 2;
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
