namespace Rampart.Core.Matching;

/// <summary>Domain glob (POL-061).</summary>
public sealed class DomainGlob
{
    public static DomainGlob Compile(string pattern) => throw new NotImplementedException();

    public bool IsMatch(string domain) => throw new NotImplementedException();
}
