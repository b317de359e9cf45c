using System.Collections.Immutable;
using System.Text;

namespace Rampart.Hosting;

/// <summary>
/// The system unit <c>rampart.service</c>: the hardened file shipped as <c>dist/rampart.service</c>
/// (SEC-017, embedded in the binary so install writes exactly what was reviewed and scored), and the
/// CLI-031/SEC-026 test of whether an existing unit file is Rampart's to replace or remove.
/// </summary>
internal static class SystemUnit
{
    public const long MaxFileBytes = 1 << 20; // SEC-023

    /// <summary>The shipped unit, byte for byte.</summary>
    public static string Content { get; } = ReadEmbedded();

    /// <summary>The words of the shipped unit's <c>ExecStart=</c>: the command the service runs.</summary>
    public static ImmutableArray<string> ExecStart { get; } = ExecStartWords(Content) ?? throw new InvalidOperationException("embedded unit has no single ExecStart");

    /// <summary>The account the shipped unit runs as (<c>User=</c>).</summary>
    public static string User { get; } = Directive(Content, "User") ?? "rampart-svc";

    /// <summary>
    /// Whether <paramref name="content"/> is a Rampart unit (CLI-031): exactly one <c>ExecStart=</c>
    /// whose first two words are a <c>rampart</c> binary and <c>serve</c>.
    /// </summary>
    public static bool IsRampartUnit(string content) =>
        ExecStartWords(content) is { Length: >= 2 } words
        && Path.GetFileName(words[0]) is "rampart" or "rampart.exe"
        && words[1] == "serve";

    static ImmutableArray<string>? ExecStartWords(string content)
    {
        string? value = null;
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("ExecStart=", StringComparison.Ordinal)) continue;
            if (value is not null) return null;
            value = line["ExecStart=".Length..];
        }
        if (value is null) return null;
        // systemd prefixes ('-', '@', '+', '!', ':') change how the command runs, not what it is.
        value = value.TrimStart('-', '@', '+', '!', ':');
        return [.. value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('"'))];
    }

    static string? Directive(string content, string name)
    {
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith(name + "=", StringComparison.Ordinal)) return line[(name.Length + 1)..];
        }
        return null;
    }

    static string ReadEmbedded()
    {
        using var stream = typeof(SystemUnit).Assembly.GetManifestResourceStream("rampart.service")
            ?? throw new InvalidOperationException("rampart.service is not embedded in this build");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
