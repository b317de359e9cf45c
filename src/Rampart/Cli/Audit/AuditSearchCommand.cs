namespace Rampart.Cli.Audit;

/// <summary>
/// <c>rampart audit search &lt;query&gt; [--tool T] [--agent A] [--decision D] [--since S] [--until U] [--no-color]</c>
/// (CLI-057): matching events of all files in the tail format, then <c>Found &lt;n&gt; matching events</c>.
/// </summary>
internal static class AuditSearchCommand
{
    static readonly AuditFlag Tool = new("tool");
    static readonly AuditFlag Agent = new("agent");
    static readonly AuditFlag Decision = new("decision");
    static readonly AuditFlag Since = new("since");
    static readonly AuditFlag Until = new("until");

    public static int Run(string[] args)
    {
        var a = AuditArgs.Parse(args, AuditArgs.AuditDir, AuditArgs.NoColor, Tool, Agent, Decision, Since, Until);
        if (a.Positionals.Count != 1) throw new AuditUsageException("usage: rampart audit search <query> [--tool T] [--agent A] [--decision D] [--since S] [--until U]");
        var now = DateTimeOffset.UtcNow;
        var filter = new AuditSearchFilter
        {
            Text = a.Positionals[0],
            Tool = a.Get(Tool.Name),
            Agent = a.Get(Agent.Name),
            Decision = a.Get(Decision.Name),
            Since = a.Get(Since.Name) is { } s ? AuditTimeArgs.Instant(Since.Name, s, now) : null,
            Until = a.Get(Until.Name) is { } u ? AuditTimeArgs.Instant(Until.Name, u, now) : null,
        };
        var directory = a.AuditDirectory();
        var color = a.UseColor();
        var found = 0;
        foreach (var line in AuditTrailFiles.Read(directory, AuditTrailFiles.AllOrFail(directory)))
        {
            if (!filter.Matches(line.Event)) continue;
            Console.Out.WriteLine(AuditLineFormat.Tail(line.Event, color));
            found++;
        }
        Console.Out.WriteLine($"Found {found} matching events");
        return 0;
    }
}
