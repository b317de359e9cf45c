using System.Text.Json;

namespace Rampart.Core.Tools;

/// <summary>Claude Code hook tool names to classes (POL-012, POL-013).</summary>
public static class ClaudeCodeTools
{
    public static string Classify(string hostToolName, IReadOnlyDictionary<string, JsonElement>? toolInput = null) => throw new NotImplementedException();
}
