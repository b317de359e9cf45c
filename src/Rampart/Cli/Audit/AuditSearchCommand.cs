using Rampart.Core.Audit;

namespace Rampart.Cli.Audit;

/// <summary>
/// <c>rampart audit search &lt;query&gt; [--tool T] [--agent A] [--decision D] [--since S] [--until U] [--no-color]</c>
/// (CLI-057): matching events of all files in the tail format, then <c>Found &lt;n&gt; matching events</c>.
/// </summary>
internal static class AuditSearchCommand
{
    static readonly CliFlag Tool = new("tool");
    static readonly CliFlag Agent = new("agent");
    static readonly CliFlag Decision = new("decision");
    static readonly CliFlag Since = new("since");
    static readonly CliFlag Until = new("until");

    public static int Run(string[] args)
    {
        var a = CliArgs.Parse(args, [AuditFlags.AuditDir, AuditFlags.NoColor, Tool, Agent, Decision, Since, Until]);
        if (a.Positionals.Count != 1) throw new CliUsageException("usage: rampart audit search <query> [--tool T] [--agent A] [--decision D] [--since S] [--until U]");
        var now = DateTimeOffset.UtcNow;
        var filter = new AuditSearchFilter
        {
            Text = a.Positionals[0],
            Tool = a.String(Tool.Name),
            Agent = a.String(Agent.Name),
            Decision = a.String(Decision.Name),
            Since = a.String(Since.Name) is { } s ? AuditTimeArgs.Instant(Since.Name, s, now) : null,
            Until = a.String(Until.Name) is { } u ? AuditTimeArgs.Instant(Until.Name, u, now) : null,
        };
        var directory = AuditFlags.Directory(a);
        var color = AuditFlags.UseColor(a);
        var found = 0;
        foreach (var line in AuditReader.Read(directory, AuditReader.FilesOrFail(directory), AuditReadOptions.Strict))
        {
            if (!filter.Matches(line.Event)) continue;
            Console.Out.WriteLine(AuditLineFormat.Tail(line.Event, color));
            found++;
        }
        Console.Out.WriteLine($"Found {found} matching events");
        return 0;
    }
}
