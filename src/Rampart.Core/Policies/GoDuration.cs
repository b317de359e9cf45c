namespace Rampart.Core.Policies;

/// <summary>Go <c>time.ParseDuration</c> (POL-017, POL-022).</summary>
public static class GoDuration
{
    public static bool TryParse(string text, out TimeSpan value, out string error) => throw new NotImplementedException();
}
