namespace Rampart.Core.Tools;

/// <summary>MCP tool classification (POL-011).</summary>
public static class McpToolClasses
{
    public static string Classify(string name, IReadOnlyDictionary<string, string>? customMap = null) => throw new NotImplementedException();
}
