using Rampart.Cli.Audit;
using Rampart.Core.Audit;

namespace Rampart.Cli;

/// <summary><c>rampart audit &lt;verify|tail|search|stats|replay|repair&gt;</c> (CLI-055..CLI-058, AUD-080..AUD-084, AUD-072); one file per subcommand in <c>Cli/Audit/</c>.</summary>
internal static class AuditCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(args.Length == 0 ? Console.Error : Console.Out);
            return args.Length == 0 ? 1 : 0;
        }
        try
        {
            switch (args[0])
            {
                case "verify": return AuditVerifyCommand.Run(args[1..]);
                case "tail": return await AuditTailCommand.RunAsync(args[1..]);
                case "search": return AuditSearchCommand.Run(args[1..]);
                case "stats": return AuditStatsCommand.Run(args[1..]);
                case "repair": return AuditRepairCommand.Run(args[1..]);
                case "replay": return await AuditReplayCommand.RunAsync(args[1..]);
                default:
                    Console.Error.WriteLine($"rampart audit: unknown subcommand \"{args[0]}\" (run 'rampart audit help')");
                    return 1;
            }
        }
        catch (Exception ex) when (ex is CliUsageException or AuditReadException)
        {
            // CLI-003: one line, exit 1.
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("audit: " + ex.Message);
            return 1;
        }
    }

    static void PrintUsage(TextWriter w)
    {
        w.WriteLine("Usage: rampart audit <subcommand> [--audit-dir DIR]");
        w.WriteLine();
        w.WriteLine("Subcommands:");
        w.WriteLine("  verify [--since YYYY-MM-DD] [--checkpoints PUBLIC_KEY.pem]   Check the hash chain (and signed checkpoints)");
        w.WriteLine("  tail [--lines N] [--follow] [--no-color]                    Show the latest events");
        w.WriteLine("  search <query> [--tool --agent --decision --since --until]   Find events");
        w.WriteLine("  stats [--since 7d]                                          Count events by decision, tool and agent");
        w.WriteLine("  replay [--speed X]                                          Replay events with their timing");
        w.WriteLine("  repair                                                      Move a torn final record aside (serve refuses to start on one)");
    }
}
