using System.Reflection;

namespace Rampart.Cli;

/// <summary><c>rampart version</c>.</summary>
internal static class VersionCommand
{
    public static string Version { get; } =
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            .Split('+')[0] ?? "0.0.0";

    public static Task<int> RunAsync(string[] args)
    {
        Console.Out.WriteLine($"rampart {Version}");
        return Task.FromResult(0);
    }
}
