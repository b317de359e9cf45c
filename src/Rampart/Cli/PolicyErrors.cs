using Rampart.Core.Policies;

namespace Rampart.Cli;

/// <summary>How the CLI prints a policy load error's location (issue 2: file:line:column).</summary>
internal static class PolicyErrors
{
    /// <summary>" (at file:line:col)" when the loader knows where and the message does not say it already; else "".</summary>
    /// <remarks>A message listing several problems (yaml.v3's "unmarshal errors") gets the position of the first on a line of its own.</remarks>
    public static string Location(PolicyLoadException e)
    {
        if (e.Location.Length == 0 || e.Message.Contains(e.Location, StringComparison.Ordinal)) return "";
        return e.Message.Contains('\n') ? $"\n  (first error at {e.Location})" : $" (at {e.Location})";
    }
}
