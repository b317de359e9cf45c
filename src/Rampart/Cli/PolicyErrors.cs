using Rampart.Core.Policies;

namespace Rampart.Cli;

/// <summary>How the CLI prints a policy load error's location (issue 2: file:line:column).</summary>
internal static class PolicyErrors
{
    /// <summary>" (at file:line:col)" when the loader knows where and the message does not say it already; else "".</summary>
    public static string Location(PolicyLoadException e) => "";
}
