namespace Rampart.Core.Tools;

/// <summary>Tool-name canonicalisation for the HTTP API (POL-010, API-021).</summary>
public static class ToolNames
{
    public static bool TryCanonicalize(string segment, out string canonical, out string error) => throw new NotImplementedException();

    public static bool IsReservedClass(string name) => throw new NotImplementedException();
}
