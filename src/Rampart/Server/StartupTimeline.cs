using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Rampart.Server;

/// <summary>
/// Where <c>rampart serve</c>'s start-up time goes (issue 3: cold start to the first decision):
/// named phases, each the time since the previous mark, logged once at debug level (<c>--verbose</c>).
/// </summary>
internal sealed class StartupTimeline
{
    readonly long _start = Stopwatch.GetTimestamp();
    readonly StringBuilder _phases = new();
    long _last;

    public StartupTimeline() => _last = _start;

    public void Mark(string phase)
    {
        var now = Stopwatch.GetTimestamp();
        if (_phases.Length > 0) _phases.Append(' ');
        _phases.Append(phase).Append('=').Append(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)).Append("ms");
        _last = now;
    }

    /// <summary>A duration measured elsewhere (e.g. on the thread that compiled the policy), listed without moving the mark.</summary>
    public void Note(string name, TimeSpan duration)
    {
        if (_phases.Length > 0) _phases.Append(' ');
        _phases.Append(name).Append('=').Append(duration.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)).Append("ms");
    }

    /// <summary>A state instead of a duration (e.g. a background step still running).</summary>
    public void Note(string name, string text)
    {
        if (_phases.Length > 0) _phases.Append(' ');
        _phases.Append(name).Append('=').Append(text);
    }

    public override string ToString() =>
        _phases + " total=" + Stopwatch.GetElapsedTime(_start).TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + "ms";
}
