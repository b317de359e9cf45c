namespace Rampart.Core.Matching;

/// <summary>Heuristic shell text operations of POL-068..081 and POL-087 (not a shell).</summary>
public static class ShellText
{
    public static string Sanitize(string raw) => throw new NotImplementedException();
    public static IReadOnlyList<string> Split(string command, ShellDialect dialect = ShellDialect.Posix) => throw new NotImplementedException();
    public static IReadOnlyList<string> ExtractSubcommands(string command) => throw new NotImplementedException();
    public static IReadOnlyList<string> Tokenize(string text, ShellDialect dialect = ShellDialect.Posix) => throw new NotImplementedException();
    public static string Normalize(string command, ShellDialect dialect = ShellDialect.Posix) => throw new NotImplementedException();
    public static string StripComment(string command) => throw new NotImplementedException();
    public static bool IsEnvAssignment(string token) => throw new NotImplementedException();
    public static ShellDialect? WrapperDialect(string command) => throw new NotImplementedException();
}
