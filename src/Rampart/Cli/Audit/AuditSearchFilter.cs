using Rampart.Core.Audit;

namespace Rampart.Cli.Audit;

/// <summary>
/// What <c>audit search</c> keeps (CLI-057): <c>--tool</c>, <c>--agent</c>, <c>--decision</c> exact
/// but case-insensitive; the query a case-insensitive substring of tool, agent, decision message or
/// any string value in <c>request</c>; optionally a time range (since inclusive, until exclusive).
/// </summary>
internal sealed record AuditSearchFilter
{
    public string Text { get; init; } = "";
    public string? Tool { get; init; }
    public string? Agent { get; init; }
    public string? Decision { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }

    public bool Matches(AuditEvent e)
    {
        if (Tool is { } tool && !string.Equals(e.Tool, tool, StringComparison.OrdinalIgnoreCase)) return false;
        if (Agent is { } agent && !string.Equals(e.Agent, agent, StringComparison.OrdinalIgnoreCase)) return false;
        if (Decision is { } decision && !string.Equals(e.Decision.Action, decision, StringComparison.OrdinalIgnoreCase)) return false;
        if (Since is not null || Until is not null)
        {
            var at = e.Timestamp.ToDateTimeOffset();
            if (Since is { } from && at < from) return false;
            if (Until is { } to && at >= to) return false;
        }
        return Text.Length == 0 || Has(e.Tool) || Has(e.Agent) || Has(e.Decision.Message) || (e.Request is { } r && InValue(r));
    }

    bool Has(string s) => s.Contains(Text, StringComparison.OrdinalIgnoreCase);

    bool InValue(AuditValue v)
    {
        switch (v.Kind)
        {
            case AuditValueKind.String:
                return Has(v.AsString);
            case AuditValueKind.Array:
                foreach (var item in v.Items)
                    if (InValue(item)) return true;
                return false;
            case AuditValueKind.Object:
                foreach (var (_, member) in v.Members)
                    if (InValue(member)) return true;
                return false;
            default:
                return false;
        }
    }
}
