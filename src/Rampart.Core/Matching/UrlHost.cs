namespace Rampart.Core.Matching;

/// <summary>Host extraction following Go net/url.Parse (POL-008).</summary>
public static class UrlHost
{
    public static bool TryGetHost(string url, out string host) => throw new NotImplementedException();
}
