namespace Rampart.Cli.Audit;

/// <summary>One flag of an audit/log command: long name (without dashes), whether it is boolean, optional one-letter alias.</summary>
internal sealed record AuditFlag(string Name, bool IsBool = false, char? Short = null);

/// <summary>A command line that does not fit the command's flags; the message is shown as is (CLI-003).</summary>
internal sealed class AuditUsageException(string message) : Exception(message);

/// <summary>
/// Parsed arguments of one audit/log command in the style upstream's CLI accepts (pflag):
/// <c>--flag value</c>, <c>--flag=value</c>, bare booleans, one-letter aliases (<c>-n 5</c>),
/// positionals between flags, <c>--</c> ending flag parsing. A repeated flag keeps its last value.
/// </summary>
internal sealed class AuditArgs
{
    /// <summary>Every audit command reads this directory (CLI-055..CLI-059, AUD-080).</summary>
    public static readonly AuditFlag AuditDir = new("audit-dir");
    public static readonly AuditFlag NoColor = new("no-color", IsBool: true);

    readonly Dictionary<string, string> _values;

    AuditArgs(Dictionary<string, string> values, List<string> positionals)
    {
        _values = values;
        Positionals = positionals;
    }

    public IReadOnlyList<string> Positionals { get; }

    public static AuditArgs Parse(string[] args, params AuditFlag[] flags)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var positionals = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                positionals.AddRange(args[(i + 1)..]);
                break;
            }
            if (arg.Length < 2 || arg[0] != '-')
            {
                positionals.Add(arg);
                continue;
            }
            var isLong = arg.StartsWith("--", StringComparison.Ordinal);
            var body = isLong ? arg[2..] : arg[1..];
            string? inline = null;
            var eq = body.IndexOf('=');
            if (eq >= 0)
            {
                inline = body[(eq + 1)..];
                body = body[..eq];
            }
            var flag = Find(flags, body, isLong) ?? throw new AuditUsageException($"unknown flag: {arg.Split('=')[0]}");
            string value;
            if (flag.IsBool)
            {
                value = inline ?? "true";
                if (value is not ("true" or "false" or "1" or "0"))
                    throw new AuditUsageException($"invalid argument \"{value}\" for \"--{flag.Name}\" flag: expected true or false");
                value = value is "true" or "1" ? "true" : "false";
            }
            else if (inline is not null) value = inline;
            else if (i + 1 < args.Length) value = args[++i];
            else throw new AuditUsageException($"flag needs an argument: --{flag.Name}");
            values[flag.Name] = value;
        }
        return new AuditArgs(values, positionals);
    }

    static AuditFlag? Find(AuditFlag[] flags, string name, bool isLong)
    {
        foreach (var f in flags)
        {
            if (f.Name == name) return f;
            if (!isLong && name.Length == 1 && f.Short == name[0]) return f;
        }
        return null;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public bool Flag(string name) => _values.TryGetValue(name, out var v) && v == "true";

    public int Int(string name, int fallback)
    {
        if (!_values.TryGetValue(name, out var v)) return fallback;
        if (!int.TryParse(v, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n))
            throw new AuditUsageException($"invalid argument \"{v}\" for \"--{name}\" flag: expected an integer");
        return n;
    }

    public double Double(string name, double fallback)
    {
        if (!_values.TryGetValue(name, out var v)) return fallback;
        if (!double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) ||
            !double.IsFinite(n))
            throw new AuditUsageException($"invalid argument \"{v}\" for \"--{name}\" flag: expected a number");
        return n;
    }

    /// <summary><c>--audit-dir</c>, default <c>~/.rampart/audit</c>, with <c>~</c> expanded (AUD-080, CLI-055).</summary>
    public string AuditDirectory()
    {
        var dir = Get(AuditDir.Name) ?? "~/.rampart/audit";
        if (dir != "~" && !dir.StartsWith("~/", StringComparison.Ordinal)) return dir;
        var home = Environment.GetEnvironmentVariable("HOME");
        // CLI-004: an empty home is an error, not the current directory.
        if (string.IsNullOrEmpty(home)) throw new AuditUsageException("audit: cannot resolve ~: HOME is not set");
        return dir == "~" ? home : Path.Combine(home, dir[2..]);
    }

    /// <summary>CLI-008: colour only on a terminal and without NO_COLOR; <c>--no-color</c> always wins.</summary>
    public bool UseColor() =>
        !Flag(NoColor.Name) && Environment.GetEnvironmentVariable("NO_COLOR") is null && !Console.IsOutputRedirected;
}
