namespace Rampart.Cli;

/// <summary>One flag a command accepts: long name (without dashes), whether it is boolean, optional one-letter alias.</summary>
internal sealed record CliFlag(string Name, bool IsBool = false, char? Short = null);

/// <summary>A command line that does not fit the command's flags; the message is shown to the user as is (CLI-003).</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// Parsed arguments of one command, in the style upstream's CLI accepts (pflag): <c>--flag value</c>,
/// <c>--flag=value</c>, <c>-flag value</c> (Go <c>flag</c> style), bare booleans and <c>--bool=false</c>,
/// one-letter aliases, positionals interspersed with flags, <c>--</c> ending flag parsing.
/// A flag given twice keeps every value (<see cref="Strings"/>); single-valued readers take the last.
/// </summary>
internal sealed class CliArgs
{
    /// <summary>
    /// CLI-002: <c>--config</c> and <c>--verbose</c> are accepted by every command, before or after its
    /// own arguments (CommandTable moves leading ones behind them). A command that gives either a
    /// meaning declares it in its own flags, which are looked up first; the others accept and ignore it.
    /// </summary>
    public static readonly CliFlag[] Globals = [new("config"), new("verbose", IsBool: true)];

    readonly Dictionary<string, List<string>> _values;

    CliArgs(Dictionary<string, List<string>> values, List<string> positionals)
    {
        _values = values;
        Positionals = positionals;
    }

    public IReadOnlyList<string> Positionals { get; }

    public static CliArgs Parse(IReadOnlyList<string> args, IReadOnlyList<CliFlag> flags)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var positionals = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                for (i++; i < args.Count; i++) positionals.Add(args[i]);
                break;
            }
            if (arg.Length < 2 || arg[0] != '-')
            {
                positionals.Add(arg);
                continue;
            }

            var body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg[1..];
            string? inline = null;
            var eq = body.IndexOf('=');
            if (eq >= 0)
            {
                inline = body[(eq + 1)..];
                body = body[..eq];
            }
            var flag = Find(flags, body, isLong: arg.StartsWith("--", StringComparison.Ordinal) || body.Length > 1)
                ?? throw new CliUsageException($"unknown flag: {arg.Split('=')[0]}");

            string value;
            if (flag.IsBool)
            {
                value = inline ?? "true";
                if (!TryParseBool(value, out var b))
                    throw new CliUsageException($"invalid argument \"{value}\" for \"--{flag.Name}\" flag: expected true or false");
                value = b ? "true" : "false";
            }
            else if (inline is not null)
            {
                value = inline;
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new CliUsageException($"flag needs an argument: --{flag.Name}");
            }

            if (!values.TryGetValue(flag.Name, out var list)) values[flag.Name] = list = [];
            list.Add(value);
        }
        return new CliArgs(values, positionals);
    }

    public bool IsSet(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public string String(string name, string fallback) => String(name) ?? fallback;

    public bool Bool(string name) => String(name) == "true";

    /// <summary>Every value of a repeatable flag, each split on commas (<c>--scope eval,admin --scope x</c>).</summary>
    public IReadOnlyList<string> Strings(string name)
    {
        if (!_values.TryGetValue(name, out var list)) return [];
        var result = new List<string>();
        foreach (var v in list)
        {
            foreach (var part in v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) result.Add(part);
        }
        return result;
    }

    /// <summary>An integer flag; a malformed value is a usage error naming the flag.</summary>
    public int Int(string name, int fallback)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n))
            throw new CliUsageException($"invalid argument \"{text}\" for \"--{name}\" flag: parse error");
        return n;
    }

    /// <summary>A finite floating-point flag; a malformed value is a usage error naming the flag.</summary>
    public double Double(string name, double fallback)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) || !double.IsFinite(n))
            throw new CliUsageException($"invalid argument \"{text}\" for \"--{name}\" flag: expected a number");
        return n;
    }

    static CliFlag? Find(IReadOnlyList<CliFlag> flags, string name, bool isLong)
    {
        foreach (var f in flags)
        {
            if (isLong ? f.Name == name : f.Short is { } s && name.Length == 1 && s == name[0]) return f;
        }
        // `-b` given as a long-style single letter still reaches its alias.
        if (name.Length == 1)
        {
            foreach (var f in flags)
            {
                if (f.Short is { } s && s == name[0]) return f;
            }
        }
        foreach (var f in Globals)
        {
            if (f.Name == name) return f;
        }
        return null;
    }

    // Go's strconv.ParseBool vocabulary.
    static bool TryParseBool(string text, out bool value)
    {
        switch (text)
        {
            case "1" or "t" or "T" or "true" or "TRUE" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}
