using Rampart.Core.Matching;
using Rampart.Testing;

namespace Rampart.Core.Tests.Matching;

public sealed class UrlHostTests
{
    [Theory]
    [InlineData("https://example.com/x", "example.com")]
    [InlineData("https://API.Evil.Example:8443/x", "API.Evil.Example")]     // case preserved, port dropped
    [InlineData("http://user:pw@host.example:80/p?q=1#f", "host.example")]
    [InlineData("http://a@b@host.example/", "host.example")]                // user-info runs to the last @
    [InlineData("http://[::1]:8080/", "::1")]
    [InlineData("http://[fe80::1%25en0]/", "fe80::1%en0")]
    [InlineData("//evil.example/x", "evil.example")]                        // no scheme, still an authority
    [InlineData("https://example.com?x=//other", "example.com")]
    [InlineData("https://example.com#@other", "example.com")]
    [InlineData("https://ex%C3%A4mple.com/", "exämple.com")]
    [InlineData("https://bücher.example/", "bücher.example")]
    [InlineData("HTTPS://Example.COM", "Example.COM")]
    [InlineData("wss://stream.example/feed", "stream.example")]
    [InlineData("http://host:/x", "host")]                                  // empty port is allowed
    [InlineData("http://a:b:80/", "a:b")]
    public void Extracts_the_host_name(string url, string host)
    {
        Assert.True(UrlHost.TryGetHost(url, out var actual));
        Assert.Equal(host, actual);
    }

    [Theory]
    [InlineData("https://exa\nmple.com/")]         // control character
    [InlineData("https://example.com/\u007f")]
    [InlineData(":foo")]                            // missing scheme
    [InlineData("example.com:8080/x")]              // scheme-less first segment with a colon
    [InlineData("1http://example.com")]             // not a scheme, then a colon in the first segment
    [InlineData("http://example.com:80a/")]         // port must be digits
    [InlineData("http://[::1/")]                    // missing ]
    [InlineData("http://[::1]x/")]
    [InlineData("http://exa mple.com/")]            // space is not a host character
    [InlineData("http://exa{mple.com/")]
    [InlineData("http://ex%41mple.com/")]           // ASCII may not be escaped in a host
    [InlineData("http://ex%zzmple.com/")]
    [InlineData("http://example.com/%zz")]          // bad escape in the path
    [InlineData("http://example.com/#%zz")]         // bad escape in the fragment
    [InlineData("http://us er@example.com/")]       // invalid user-info
    public void Rejects_what_go_rejects(string url)
    {
        Assert.False(UrlHost.TryGetHost(url, out _));
    }

    [Theory]
    [InlineData("mailto:x@example.com")]            // opaque
    [InlineData("file:///etc/passwd")]              // empty authority
    [InlineData("http:///x")]
    [InlineData("http://")]
    [InlineData("example.com/path")]                // a relative path, no host
    [InlineData("///x")]
    [InlineData("")]
    [InlineData("*")]
    public void Reports_no_host_when_there_is_none(string url)
    {
        Assert.False(UrlHost.TryGetHost(url, out var host));
        Assert.Equal("", host);
    }
}
