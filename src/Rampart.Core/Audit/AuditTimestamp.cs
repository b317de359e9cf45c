using System.Globalization;

namespace Rampart.Core.Audit;

/// <summary>
/// A Go <c>time.Time</c> as the audit trail stores it (AUD-032): wall-clock fields, nanoseconds and
/// the UTC offset as written. Foreign lines keep their offset (a different offset for the same
/// instant hashes differently, AUD-036); our own events are UTC. .NET ticks are 100 ns, too coarse
/// for nine-digit fractions written by upstream, hence a type of its own.
/// </summary>
public readonly record struct AuditTimestamp
{
    const long UnixEpochSeconds = 62135596800; // seconds from 0001-01-01 to 1970-01-01

    public AuditTimestamp(int year, int month, int day, int hour, int minute, int second, int nanosecond, int offsetMinutes)
    {
        Year = year;
        Month = month;
        Day = day;
        Hour = hour;
        Minute = minute;
        Second = second;
        Nanosecond = nanosecond;
        OffsetMinutes = offsetMinutes;
    }

    public int Year { get; }
    public int Month { get; }
    public int Day { get; }
    public int Hour { get; }
    public int Minute { get; }
    public int Second { get; }
    public int Nanosecond { get; }
    public int OffsetMinutes { get; }

    /// <summary>Go's zero time (<c>0001-01-01T00:00:00Z</c>); <c>default</c> is treated the same way.</summary>
    public bool IsZero => (Year == 0 && Month == 0) || (SecondsSinceYearOne == 0 && Nanosecond == 0);

    /// <summary>Seconds of the instant since 0001-01-01T00:00:00Z (negative for year 0).</summary>
    public long SecondsSinceYearOne
    {
        get
        {
            if (Year == 0 && Month == 0) return 0;
            var days = DaysFromCivil(Year, Month, Day);
            return days * 86400L + Hour * 3600L + Minute * 60L + Second - OffsetMinutes * 60L;
        }
    }

    public static AuditTimestamp FromDateTimeOffset(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        var nanos = (int)(utc.Ticks % TimeSpan.TicksPerSecond) * 100;
        return new(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second, nanos, 0);
    }

    /// <summary>The instant at 100 ns precision (years 1–9999).</summary>
    public DateTimeOffset ToDateTimeOffset()
    {
        if (IsZero) return DateTimeOffset.MinValue;
        var ticks = (SecondsSinceYearOne * TimeSpan.TicksPerSecond) + Nanosecond / 100;
        return new DateTimeOffset(Math.Max(0, ticks), TimeSpan.Zero);
    }

    /// <summary>Compares instants (offsets normalised).</summary>
    public int CompareInstant(AuditTimestamp other)
    {
        var c = SecondsSinceYearOne.CompareTo(other.SecondsSinceYearOne);
        return c != 0 ? c : Nanosecond.CompareTo(other.Nanosecond);
    }

    /// <summary>Go RFC 3339 with nanoseconds: trailing fraction zeros trimmed, zero offset as <c>Z</c> (AUD-032).</summary>
    public override string ToString()
    {
        if (Year == 0 && Month == 0) return "0001-01-01T00:00:00Z";
        Span<char> buf = stackalloc char[40];
        var pos = 0;
        Put(buf, ref pos, Year, 4);
        buf[pos++] = '-';
        Put(buf, ref pos, Month, 2);
        buf[pos++] = '-';
        Put(buf, ref pos, Day, 2);
        buf[pos++] = 'T';
        Put(buf, ref pos, Hour, 2);
        buf[pos++] = ':';
        Put(buf, ref pos, Minute, 2);
        buf[pos++] = ':';
        Put(buf, ref pos, Second, 2);
        if (Nanosecond != 0)
        {
            buf[pos++] = '.';
            var digits = 9;
            var ns = Nanosecond;
            while (ns % 10 == 0) { ns /= 10; digits--; }
            Put(buf, ref pos, ns, digits);
        }
        if (OffsetMinutes == 0) buf[pos++] = 'Z';
        else
        {
            buf[pos++] = OffsetMinutes < 0 ? '-' : '+';
            var off = Math.Abs(OffsetMinutes);
            Put(buf, ref pos, off / 60, 2);
            buf[pos++] = ':';
            Put(buf, ref pos, off % 60, 2);
        }
        return new string(buf[..pos]);
    }

    static void Put(Span<char> buf, ref int pos, int value, int width)
    {
        for (var i = width - 1; i >= 0; i--)
        {
            buf[pos + i] = (char)('0' + value % 10);
            value /= 10;
        }
        pos += width;
    }

    /// <summary>
    /// Parses the raw content of a JSON timestamp string the way upstream's decoder accepts it
    /// (vectors <c>go_timestamps</c>): upper-case <c>T</c>/<c>Z</c>, <c>.</c> or <c>,</c> before a
    /// fraction truncated to 9 digits, <c>±hh:mm</c> offsets, years 0000–9999.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out AuditTimestamp value)
    {
        value = default;
        if (s.Length < 20) return false;
        if (!Num(s, 0, 4, 0, 9999, out var year) || s[4] != '-' ||
            !Num(s, 5, 2, 1, 12, out var month) || s[7] != '-' ||
            !Num(s, 8, 2, 1, 31, out var day) || s[10] != 'T' ||
            !Num(s, 11, 2, 0, 23, out var hour) || s[13] != ':' ||
            !Num(s, 14, 2, 0, 59, out var minute) || s[16] != ':' ||
            !Num(s, 17, 2, 0, 59, out var second))
            return false;
        if (day > DaysInMonth(year, month)) return false;
        var pos = 19;
        var nanos = 0;
        if (pos < s.Length && (s[pos] == '.' || s[pos] == ','))
        {
            pos++;
            var digits = 0;
            while (pos < s.Length && s[pos] >= '0' && s[pos] <= '9')
            {
                if (digits < 9)
                {
                    nanos = nanos * 10 + (s[pos] - '0');
                    digits++;
                }
                pos++;
            }
            if (digits == 0) return false;
            for (; digits < 9; digits++) nanos *= 10;
        }
        var rest = s[pos..];
        int offset;
        if (rest.Length == 1 && rest[0] == 'Z') offset = 0;
        else if (rest.Length == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
                 Num(rest, 1, 2, 0, 23, out var oh) && Num(rest, 4, 2, 0, 59, out var om))
            offset = (rest[0] == '-' ? -1 : 1) * (oh * 60 + om);
        else return false;
        value = new(year, month, day, hour, minute, second, nanos, offset);
        return true;
    }

    public static bool TryParse(string s, out AuditTimestamp value) =>
        TryParse(System.Text.Encoding.UTF8.GetBytes(s), out value);

    static bool Num(ReadOnlySpan<byte> s, int at, int width, int min, int max, out int value)
    {
        value = 0;
        for (var i = 0; i < width; i++)
        {
            var c = s[at + i];
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        return value >= min && value <= max;
    }

    static int DaysInMonth(int year, int month) => month switch
    {
        2 => (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    // Days from 0001-01-01 in the proleptic Gregorian calendar (year 0 allowed → negative).
    static long DaysFromCivil(int y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yoe = y - era * 400;
        var doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        var doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        var daysFromUnix = era * 146097L + doe - 719468;
        return daysFromUnix + UnixEpochSeconds / 86400;
    }

    internal static string Format(DateTimeOffset value) => FromDateTimeOffset(value).ToString();

    internal static string DateOf(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
