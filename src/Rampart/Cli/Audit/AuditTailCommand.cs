using Rampart.Core.Audit;

namespace Rampart.Cli.Audit;

/// <summary>
/// <c>rampart audit tail [--lines N] [--follow] [--no-color]</c> (CLI-055): the last N events of the
/// newest file; with <c>--follow</c>, new events as they become complete, switching to a newer file
/// when one appears.
/// </summary>
internal static class AuditTailCommand
{
    static readonly CliFlag Lines = new("lines", Short: 'n');
    static readonly CliFlag Follow = new("follow", IsBool: true, Short: 'f');
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static async Task<int> RunAsync(string[] args)
    {
        var a = CliArgs.Parse(args, [AuditFlags.AuditDir, AuditFlags.NoColor, Lines, Follow]);
        if (a.Positionals.Count > 0) throw new CliUsageException($"audit tail: unexpected argument \"{a.Positionals[0]}\"");
        var count = a.Int(Lines.Name, 20);
        if (count <= 0) throw new CliUsageException("audit tail: --lines must be greater than 0");
        var directory = AuditFlags.Directory(a);
        var color = AuditFlags.UseColor(a);

        var names = AuditReader.Files(directory);
        var newest = AuditReader.Newest(names);
        if (newest is null && !a.Bool(Follow.Name)) throw new AuditReadException($"audit: no .jsonl files found in {directory}");

        AuditFileCursor? cursor = null;
        if (newest is not null)
        {
            cursor = new AuditFileCursor(directory, newest, AuditReadOptions.Strict);
            var events = cursor.ReadNew();
            for (var i = Math.Max(0, events.Count - count); i < events.Count; i++)
                Console.Out.WriteLine(AuditLineFormat.Tail(events[i].Event, color));
        }
        if (!a.Bool(Follow.Name)) return 0;

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                if (cursor is not null) Print(cursor.ReadNew(), color);
                // Rotation: drain what is left of the old file, then continue with the newer one.
                var latest = AuditReader.Newest(AuditReader.Files(directory));
                if (latest is not null && latest != cursor?.Name && (cursor is null || AuditFileNames.Compare(latest, cursor.Name) > 0))
                {
                    cursor = new AuditFileCursor(directory, latest, AuditReadOptions.Strict);
                    Print(cursor.ReadNew(), color);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }

    static void Print(List<AuditEntry> lines, bool color)
    {
        foreach (var line in lines) Console.Out.WriteLine(AuditLineFormat.Tail(line.Event, color));
    }
}
