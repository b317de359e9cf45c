namespace Rampart.Cli;

/// <summary><c>rampart deny &lt;id&gt;</c> (CLI-035): deny a pending request.</summary>
internal static class DenyCommand
{
    public static Task<int> RunAsync(string[] args) => ApproveCommand.ResolveAsync(args, approve: false);
}
