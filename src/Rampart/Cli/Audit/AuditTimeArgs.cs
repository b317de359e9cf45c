using System.Globalization;
using Rampart.Core.Audit;
using Rampart.Core.Policies;

namespace Rampart.Cli.Audit;

/// <summary>Time flags of the audit readers: look-back durations (CLI-056) and points in time (search <c>--since/--until</c>).</summary>
internal static class AuditTimeArgs
{
    /// <summary>
    /// CLI-056: a Go duration, optionally prefixed by whole days (<c>7d</c>, <c>1d12h</c>); must be &gt; 0.
    /// </summary>
    public static TimeSpan LookBack(string flag, string text)
    {
        var rest = text;
        var days = 0L;
        var d = text.IndexOf('d');
        if (d > 0 && long.TryParse(text.AsSpan(0, d), NumberStyles.None, CultureInfo.InvariantCulture, out days))
            rest = text[(d + 1)..];
        else if (d >= 0) throw Invalid(flag, text);
        var span = TimeSpan.Zero;
        if (rest.Length > 0 && !GoDuration.TryParse(rest, out span, out _)) throw Invalid(flag, text);
        TimeSpan total;
        try
        {
            total = TimeSpan.FromDays(days) + span;
        }
        catch (OverflowException)
        {
            throw Invalid(flag, text);
        }
        if (total <= TimeSpan.Zero) throw new CliUsageException($"invalid --{flag} \"{text}\": must be greater than 0");
        return total;
    }

    /// <summary>
    /// A point in time for search (issue 4 asks for a time range; upstream has none): RFC 3339
    /// (<c>2026-03-01T12:00:00Z</c>), a UTC date (<c>2026-03-01</c> = its midnight), or a look-back
    /// duration (<c>2h</c>, <c>7d</c> = that long before now).
    /// </summary>
    public static DateTimeOffset Instant(string flag, string text, DateTimeOffset now)
    {
        if (AuditTimestamp.TryParse(text, out var ts)) return ts.ToDateTimeOffset();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        try
        {
            return now - LookBack(flag, text);
        }
        catch (CliUsageException)
        {
            throw new CliUsageException(
                $"invalid --{flag} \"{text}\": expected an RFC 3339 time (2026-03-01T12:00:00Z), a date (2026-03-01) or a duration before now (2h, 7d)");
        }
    }

    static CliUsageException Invalid(string flag, string text) =>
        new($"invalid --{flag} \"{text}\": expected a duration such as 24h, 7d or 1d12h");
}
