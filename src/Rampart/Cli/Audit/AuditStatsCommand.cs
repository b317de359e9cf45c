using System.Globalization;
using Rampart.Core.Audit;

namespace Rampart.Cli.Audit;

/// <summary>
/// <c>rampart audit stats [--since DURATION] [--no-color]</c> (CLI-056): totals of all files, by
/// decision (allow, deny, watch with percentages), by tool and by agent (sorted by key).
/// </summary>
internal static class AuditStatsCommand
{
    static readonly CliFlag Since = new("since");
    static readonly string[] MainDecisions = ["allow", "deny", "watch"];

    public static int Run(string[] args)
    {
        var a = CliArgs.Parse(args, [AuditFlags.AuditDir, AuditFlags.NoColor, Since]);
        if (a.Positionals.Count > 0) throw new CliUsageException($"audit stats: unexpected argument \"{a.Positionals[0]}\"");
        var sinceText = a.String(Since.Name);
        DateTimeOffset? from = sinceText is null ? null : DateTimeOffset.UtcNow - AuditTimeArgs.LookBack(Since.Name, sinceText);
        var directory = AuditFlags.Directory(a);

        long total = 0;
        var byDecision = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byTool = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byAgent = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in AuditReader.Read(directory, AuditReader.FilesOrFail(directory), AuditReadOptions.Strict))
        {
            var e = line.Event;
            if (from is { } f && e.Timestamp.ToDateTimeOffset() < f) continue;
            total++;
            Bump(byDecision, e.Decision.Action);
            Bump(byTool, e.Tool);
            Bump(byAgent, e.Agent);
        }

        var w = Console.Out;
        w.WriteLine($"Audit Stats ({(sinceText is null ? "all time" : "last " + sinceText)})");
        w.WriteLine(new string('─', 40));
        w.WriteLine($"Total events:  {total}");
        w.WriteLine();
        w.WriteLine("By decision:");
        foreach (var d in MainDecisions) w.WriteLine(DecisionRow(d, byDecision.GetValueOrDefault(d), total));
        // Other actions (ask, approvals, …) are listed only when present; upstream shows the three above.
        foreach (var (d, n) in byDecision)
            if (Array.IndexOf(MainDecisions, d) < 0) w.WriteLine(DecisionRow(d, n, total));
        w.WriteLine();
        w.WriteLine("By tool:");
        Rows(w, byTool);
        w.WriteLine();
        w.WriteLine("By agent:");
        Rows(w, byAgent);
        return 0;
    }

    static string DecisionRow(string action, long n, long total)
    {
        var percent = total == 0 ? 0.0 : 100.0 * n / total;
        return string.Create(CultureInfo.InvariantCulture, $"  {AuditLineFormat.Pad(action, 10)} {n,6}  ({percent:0.0}%)");
    }

    static void Rows(TextWriter w, SortedDictionary<string, long> map)
    {
        var width = 10;
        foreach (var key in map.Keys) width = Math.Max(width, Label(key).Length);
        foreach (var (key, n) in map) w.WriteLine($"  {AuditLineFormat.Pad(Label(key), width)} {n,6}");
    }

    static string Label(string key) => key.Length == 0 ? "(none)" : key;

    static void Bump(SortedDictionary<string, long> map, string key) => map[key] = map.GetValueOrDefault(key) + 1;
}
