using Rampart.Core.Audit;

namespace Rampart.Cli.Audit;

/// <summary>
/// <c>rampart audit replay [--speed X] [--no-color]</c> (CLI-058): every event as <c>[i/n] &lt;tail line&gt;</c>,
/// waiting the gap between consecutive timestamps divided by the speed (0 = no waiting).
/// </summary>
internal static class AuditReplayCommand
{
    static readonly CliFlag Speed = new("speed");

    public static async Task<int> RunAsync(string[] args)
    {
        var a = CliArgs.Parse(args, [AuditFlags.AuditDir, AuditFlags.NoColor, Speed]);
        if (a.Positionals.Count > 0) throw new CliUsageException($"audit replay: unexpected argument \"{a.Positionals[0]}\"");
        var speed = a.Double(Speed.Name, 1);
        if (speed < 0) throw new CliUsageException("audit replay: --speed must be >= 0");
        var directory = AuditFlags.Directory(a);
        var color = AuditFlags.UseColor(a);
        var events = AuditReader.Read(directory, AuditReader.FilesOrFail(directory), AuditReadOptions.Strict).ToList();

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        DateTimeOffset? previous = null;
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                var at = events[i].Event.Timestamp.ToDateTimeOffset();
                if (speed > 0 && previous is { } p && at > p)
                    await Task.Delay(Wait((at - p) / speed), stop.Token);
                previous = at;
                Console.Out.WriteLine($"[{i + 1}/{events.Count}] {AuditLineFormat.Tail(events[i].Event, color)}");
            }
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }

    // Task.Delay's limit (~24.8 days); beyond it a replay would throw instead of waiting.
    static TimeSpan Wait(TimeSpan gap) => gap < MaxWait ? gap : MaxWait;

    static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(int.MaxValue - 1);
}
