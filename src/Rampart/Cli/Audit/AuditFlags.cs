namespace Rampart.Cli.Audit;

/// <summary>The flags every audit reader shares (CLI-055..CLI-059, AUD-080), parsed by <see cref="CliArgs"/>.</summary>
internal static class AuditFlags
{
    public static readonly CliFlag AuditDir = new("audit-dir");
    public static readonly CliFlag NoColor = new("no-color", IsBool: true);

    /// <summary><c>--audit-dir</c>, default <c>~/.rampart/audit</c>, with <c>~</c> expanded (AUD-080, CLI-055).</summary>
    public static string Directory(CliArgs args)
    {
        var dir = args.String(AuditDir.Name) ?? "~/.rampart/audit";
        if (dir != "~" && !dir.StartsWith("~/", StringComparison.Ordinal)) return dir;
        var home = Environment.GetEnvironmentVariable("HOME");
        // CLI-004: an empty home is an error, not the current directory.
        if (string.IsNullOrEmpty(home)) throw new CliUsageException("audit: cannot resolve ~: HOME is not set");
        return dir == "~" ? home : Path.Combine(home, dir[2..]);
    }

    /// <summary>CLI-008: colour only on a terminal and without NO_COLOR; <c>--no-color</c> always wins.</summary>
    public static bool UseColor(CliArgs args) =>
        !args.Bool(NoColor.Name) && Environment.GetEnvironmentVariable("NO_COLOR") is null && !Console.IsOutputRedirected;
}
