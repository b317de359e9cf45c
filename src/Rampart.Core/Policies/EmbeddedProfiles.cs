using System.Collections.Immutable;
using System.Text;

namespace Rampart.Core.Policies;

/// <summary>The built-in profiles compiled into the binary as resources <c>profiles/NAME.yaml</c> (POL-109).</summary>
public static class EmbeddedProfiles
{
    const string Prefix = "profiles/";
    const string Suffix = ".yaml";

    /// <summary>Names of the embedded profiles (e.g. <c>standard</c>), ordinal order.</summary>
    public static IReadOnlyList<string> Names { get; } = FindNames();

    /// <summary>Reads the YAML of profile <paramref name="name"/>; false when there is no such profile.</summary>
    public static bool TryRead(string name, out string yaml)
    {
        yaml = "";
        if (!Names.Contains(name)) return false;
        using var stream = typeof(EmbeddedProfiles).Assembly.GetManifestResourceStream(Prefix + name + Suffix);
        if (stream is null) return false;
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        yaml = reader.ReadToEnd();
        return true;
    }

    static ImmutableArray<string> FindNames()
    {
        var names = new List<string>();
        foreach (var resource in typeof(EmbeddedProfiles).Assembly.GetManifestResourceNames())
        {
            if (resource.StartsWith(Prefix, StringComparison.Ordinal) && resource.EndsWith(Suffix, StringComparison.Ordinal))
            {
                names.Add(resource[Prefix.Length..^Suffix.Length]);
            }
        }
        names.Sort(StringComparer.Ordinal);
        return [.. names];
    }
}
