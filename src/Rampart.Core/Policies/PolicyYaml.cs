namespace Rampart.Core.Policies;

/// <summary>Strict decoding and validation of one policy document (POL-014..POL-024).</summary>
public static class PolicyYaml
{
    /// <summary>Decodes and validates <paramref name="yaml"/>; throws <see cref="PolicyLoadException"/> with the spec's messages.</summary>
    public static PolicyDocument Parse(string yaml, string source) => throw new NotImplementedException();
}
