using Rampart.Core.Audit;

namespace Rampart.Cli.Audit;

/// <summary>
/// <c>rampart audit repair [--audit-dir DIR]</c> (AUD-072, EXTENDED): moves a torn final line of the
/// newest log file aside so that serve can start again; says exactly what it did. Exit 0 when the
/// trail ends cleanly afterwards (repaired or nothing to do), 1 on an error.
/// </summary>
internal static class AuditRepairCommand
{
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse(args, [AuditFlags.AuditDir]);
        if (a.Positionals.Count > 0) throw new CliUsageException($"audit repair: unexpected argument \"{a.Positionals[0]}\"");
        var directory = AuditFlags.Directory(a);
        try
        {
            var result = AuditRepair.RepairTornTail(directory, DateTimeOffset.UtcNow);
            if (result.TornFile is null)
            {
                Console.Out.WriteLine(result.File is null
                    ? $"audit repair: no managed log file in {directory}; nothing to repair"
                    : $"audit repair: {result.File} ends with a complete record; nothing to repair");
                return 0;
            }
            Console.Out.WriteLine(
                $"audit repair: {result.File}: moved {result.TornBytes} bytes of an unterminated final record to {result.TornFile}; " +
                $"the file now ends at byte {result.KeptBytes} after its last complete record. Run 'rampart audit verify' to check the chain.");
            return 0;
        }
        catch (Exception e) when (e is AuditReadException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("audit repair: " + e.Message);
            return 1;
        }
    }
}
