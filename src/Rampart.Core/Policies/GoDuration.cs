using System.Globalization;
using System.Text;

namespace Rampart.Core.Policies;

/// <summary>Go <c>time.ParseDuration</c> (POL-017, POL-022): <c>[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+</c>, units ns us µs ms s m h.</summary>
public static class GoDuration
{
    const ulong MaxNanoseconds = 1UL << 63;

    /// <summary>Parses like Go; on failure <paramref name="error"/> is Go's message (e.g. <c>time: missing unit in duration "5"</c>).</summary>
    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = "";
        var s = text;
        var invalid = "time: invalid duration " + Quote(text);
        var negative = false;
        var i = 0;
        if (i < s.Length && s[i] is '-' or '+')
        {
            negative = s[i] == '-';
            i++;
        }
        if (s.AsSpan(i).SequenceEqual("0")) return true;
        if (i == s.Length)
        {
            error = invalid;
            return false;
        }
        ulong total = 0;
        while (i < s.Length)
        {
            if (!(s[i] == '.' || char.IsAsciiDigit(s[i])))
            {
                error = invalid;
                return false;
            }
            // Integer part.
            var start = i;
            ulong whole = 0;
            var overflow = false;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                if (whole > (MaxNanoseconds - 1) / 10) overflow = true;
                whole = whole * 10 + (ulong)(s[i] - '0');
                if (whole > MaxNanoseconds) overflow = true;
                i++;
            }
            if (overflow)
            {
                error = invalid;
                return false;
            }
            var pre = i != start;
            // Fraction.
            ulong fraction = 0;
            double scale = 1;
            var post = false;
            if (i < s.Length && s[i] == '.')
            {
                i++;
                var fracStart = i;
                var saturated = false;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    if (!saturated)
                    {
                        if (fraction > (MaxNanoseconds - 1) / 10) saturated = true;
                        else
                        {
                            fraction = fraction * 10 + (ulong)(s[i] - '0');
                            scale *= 10;
                        }
                    }
                    i++;
                }
                post = i != fracStart;
            }
            if (!pre && !post)
            {
                error = invalid;
                return false;
            }
            // Unit.
            var unitStart = i;
            while (i < s.Length && s[i] != '.' && !char.IsAsciiDigit(s[i])) i++;
            if (unitStart == i)
            {
                error = "time: missing unit in duration " + Quote(text);
                return false;
            }
            var unitText = s[unitStart..i];
            ulong unit = unitText switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                _ => 0,
            };
            if (unit == 0)
            {
                error = "time: unknown unit " + Quote(unitText) + " in duration " + Quote(text);
                return false;
            }
            if (whole > MaxNanoseconds / unit)
            {
                error = invalid;
                return false;
            }
            whole *= unit;
            if (fraction > 0)
            {
                whole += (ulong)(fraction * ((double)unit / scale));
                if (whole > MaxNanoseconds)
                {
                    error = invalid;
                    return false;
                }
            }
            total += whole;
            if (total > MaxNanoseconds)
            {
                error = invalid;
                return false;
            }
        }
        if (!negative && total > MaxNanoseconds - 1)
        {
            error = invalid;
            return false;
        }
        // TimeSpan has 100 ns ticks; sub-tick precision is dropped.
        var ticks = (long)(total / 100);
        value = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    /// <summary>Go's <c>Duration.String()</c>: <c>720h0m0s</c>, <c>1m30s</c>, <c>500ms</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        var ns = value.Ticks * 100;
        if (ns == 0) return "0s";
        var sb = new StringBuilder();
        if (ns < 0) { sb.Append('-'); ns = -ns; }
        if (ns < 1_000_000_000)
        {
            string unit;
            double v;
            if (ns < 1_000) { v = ns; unit = "ns"; }
            else if (ns < 1_000_000) { v = ns / 1e3; unit = "µs"; }
            else { v = ns / 1e6; unit = "ms"; }
            sb.Append(v.ToString("0.#########", CultureInfo.InvariantCulture)).Append(unit);
            return sb.ToString();
        }
        var hours = ns / 3_600_000_000_000;
        ns -= hours * 3_600_000_000_000;
        var minutes = ns / 60_000_000_000;
        ns -= minutes * 60_000_000_000;
        var seconds = ns / 1e9;
        if (hours > 0) sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        if (hours > 0 || minutes > 0) sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        sb.Append(seconds.ToString("0.#########", CultureInfo.InvariantCulture)).Append('s');
        return sb.ToString();
    }

    // Go's time package quotes with its own helper: plain double quotes around the text.
    static string Quote(string s) => "\"" + s + "\"";
}
