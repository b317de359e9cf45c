using System.Globalization;
using System.Text;
using Rampart.Core.Audit;
using Rampart.Core.Evaluation;

namespace Rampart.Cli.Audit;

/// <summary>How the audit readers show one event: the tail line (CLI-055, also search and replay) and the log line (CLI-059).</summary>
internal static class AuditLineFormat
{
    const string Reset = "\u001b[0m";

    /// <summary><c>&lt;icon&gt; HH:MM:SS &lt;tool,-6&gt; "&lt;detail&gt;" &lt;action,-7&gt; &lt;first policy or -&gt;</c> (CLI-055).</summary>
    public static string Tail(AuditEvent e, bool color)
    {
        var action = e.Decision.Action;
        var shown = action == "deny" ? "DENY" : action;
        var sb = new StringBuilder(128);
        sb.Append(Icon(action)).Append(' ').Append(Clock(e.Timestamp)).Append(' ');
        sb.Append(Pad(e.Tool, 6)).Append(' ');
        // Go's %q (CLI-055); the escaping also keeps terminal control sequences in agent-written
        // commands from reaching the operator's terminal.
        sb.Append(GoQuote.Quote(Detail(e))).Append(' ');
        Colored(sb, Pad(shown, 7), action, color);
        sb.Append(' ').Append(FirstPolicy(e) ?? "-");
        return sb.ToString();
    }

    /// <summary><c>HH:MM:SS  &lt;icon&gt;  &lt;tool:decision,-22&gt;  &lt;detail cut to 48&gt;  &lt;policy or (no match)&gt;</c> (CLI-059).</summary>
    public static string Log(AuditEvent e, bool color)
    {
        var action = e.Decision.Action;
        var sb = new StringBuilder(128);
        sb.Append(Clock(e.Timestamp)).Append("  ").Append(Icon(action)).Append("  ");
        Colored(sb, Pad(e.Tool + ":" + action, 22), action, color);
        sb.Append("  ").Append(Pad(Cut(OneLine(Detail(e)), 48), 48));
        sb.Append("  ").Append(FirstPolicy(e) ?? "(no match)");
        return sb.ToString();
    }

    /// <summary>✅ allow, 🔴 deny, 🟡 watch/log, • anything else (CLI-055).</summary>
    public static string Icon(string action) => action switch
    {
        "allow" => "✅",
        "deny" => "🔴",
        "watch" or "log" => "🟡",
        _ => "•",
    };

    /// <summary>
    /// The event's wall-clock time as stored: Go formats the parsed timestamp in its own offset, and
    /// our writer stores UTC (AUD-032), so this is UTC for every trail we write.
    /// </summary>
    public static string Clock(AuditTimestamp t) =>
        t.Hour.ToString("D2", CultureInfo.InvariantCulture) + ":" + t.Minute.ToString("D2", CultureInfo.InvariantCulture) + ":" +
        t.Second.ToString("D2", CultureInfo.InvariantCulture);

    /// <summary><c>request.command</c>, else <c>request.path</c>, else the first string value (keys in order).</summary>
    public static string Detail(AuditEvent e)
    {
        var request = e.Request;
        if (request is null || !request.IsObject) return "";
        if (request.TryGet("command", out var command) && command.Kind == AuditValueKind.String) return command.AsString;
        if (request.TryGet("path", out var path) && path.Kind == AuditValueKind.String) return path.AsString;
        // Upstream takes "any" string value (Go map order is random); the first in key order is the stable choice.
        foreach (var (_, v) in request.Members)
            if (v.Kind == AuditValueKind.String) return v.AsString;
        return "";
    }

    public static string? FirstPolicy(AuditEvent e) =>
        e.Decision.MatchedPolicies is { IsDefaultOrEmpty: false } p ? p[0] : null;

    static void Colored(StringBuilder sb, string text, string action, bool color)
    {
        var code = action switch
        {
            "allow" => "\u001b[32m",
            "deny" => "\u001b[31m",
            "watch" or "log" => "\u001b[33m",
            "ask" or "require_approval" => "\u001b[36m",
            _ => null,
        };
        if (!color || code is null) sb.Append(text);
        else sb.Append(code).Append(text).Append(Reset);
    }

    /// <summary>Go's <c>%-Ns</c>: pads with spaces to N runes, never cuts.</summary>
    public static string Pad(string s, int width)
    {
        var runes = RuneCount(s);
        return runes >= width ? s : s + new string(' ', width - runes);
    }

    /// <summary>At most <paramref name="max"/> runes: longer text becomes its first max−3 runes + "...".</summary>
    public static string Cut(string s, int max)
    {
        if (RuneCount(s) <= max) return s;
        var sb = new StringBuilder(max + 3);
        var n = 0;
        foreach (var r in s.EnumerateRunes())
        {
            if (n++ == max - 3) break;
            sb.Append(r.ToString());
        }
        return sb.Append("...").ToString();
    }

    /// <summary>Control characters would break the one-line layout (and could forge lines on a terminal).</summary>
    static string OneLine(string s)
    {
        if (!s.AsSpan().ContainsAnyInRange('\0', '\u001f') && !s.Contains('\u007f')) return s;
        var sb = new StringBuilder(s.Length);
        foreach (var c in s) sb.Append(char.IsControl(c) ? ' ' : c);
        return sb.ToString();
    }

    static int RuneCount(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }
}
