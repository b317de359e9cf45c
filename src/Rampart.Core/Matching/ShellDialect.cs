namespace Rampart.Core.Matching;

/// <summary>The shell grammar a command string is read under (POL-069/070/086).</summary>
public enum ShellDialect
{
    Posix,
    Cmd,
    PowerShell,
}
