namespace Rampart.Core.Policies;

/// <summary>The built-in profiles compiled into the binary as resources <c>profiles/NAME.yaml</c> (POL-109).</summary>
public static class EmbeddedProfiles
{
    public static IReadOnlyList<string> Names => throw new NotImplementedException();
    public static bool TryRead(string name, out string yaml) => throw new NotImplementedException();
}
