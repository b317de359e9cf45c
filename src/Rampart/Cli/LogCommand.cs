using System.Text;
using Rampart.Cli.Audit;
using Rampart.Core.Audit;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart log [-n N] [--deny] [--today] [--json] [--audit-dir D] [--no-color]</c> (CLI-059):
/// recent decisions, one line each (or one JSON line each).
/// </summary>
internal static class LogCommand
{
    static readonly CliFlag Number = new("number", Short: 'n');
    static readonly CliFlag Deny = new("deny", IsBool: true);
    static readonly CliFlag Today = new("today", IsBool: true);
    static readonly CliFlag Json = new("json", IsBool: true);

    // CLI-059: hook restarts leave parse-failure denies of tool "unknown" that are not decisions.
    static readonly string[] HookNoise = ["eof", "parse failure", "parse error", "unexpected end"];

    public static Task<int> RunAsync(string[] args)
    {
        try
        {
            return Task.FromResult(Run(args));
        }
        catch (Exception ex) when (ex is CliUsageException or AuditReadException)
        {
            Console.Error.WriteLine(ex.Message);
            return Task.FromResult(1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("log: " + ex.Message);
            return Task.FromResult(1);
        }
    }

    static int Run(string[] args)
    {
        var a = CliArgs.Parse(args, [AuditFlags.AuditDir, AuditFlags.NoColor, Number, Deny, Today, Json]);
        if (a.Positionals.Count > 0) throw new CliUsageException($"log: unexpected argument \"{a.Positionals[0]}\"");
        var count = a.Int(Number.Name, 20);
        var directory = AuditFlags.Directory(a);
        var denyOnly = a.Bool(Deny.Name);
        var names = AuditReader.Files(directory);

        List<string> files;
        if (a.Bool(Today.Name))
        {
            var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            files = names.FindAll(n => n.Contains(today, StringComparison.Ordinal));
        }
        else if (denyOnly) files = names;
        else files = AuditReader.Newest(names) is { } newest ? [newest] : [];

        var events = new List<AuditEvent>();
        foreach (var line in AuditReader.Read(directory, files, AuditReadOptions.Strict))
        {
            if (denyOnly && (line.Event.Decision.Action != "deny" || IsHookNoise(line.Event))) continue;
            events.Add(line.Event);
        }
        // Several files: order by time, not by file (stable, so equal times keep chain order).
        if (files.Count > 1) events = [.. events.OrderBy(e => e.Timestamp.ToDateTimeOffset())];
        if (count >= 0 && events.Count > count) events = events.GetRange(events.Count - count, count);

        if (events.Count == 0)
        {
            Console.Out.WriteLine("No events found.");
            return 0;
        }
        var json = a.Bool(Json.Name);
        var color = AuditFlags.UseColor(a);
        foreach (var e in events)
            Console.Out.WriteLine(json ? Encoding.UTF8.GetString(AuditChain.Serialize(e)) : AuditLineFormat.Log(e, color));
        return 0;
    }

    static bool IsHookNoise(AuditEvent e)
    {
        if (e.Tool != "unknown") return false;
        foreach (var marker in HookNoise)
        {
            if (e.Decision.Message.Contains(marker, StringComparison.OrdinalIgnoreCase) ||
                AuditLineFormat.Detail(e).Contains(marker, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }
}
