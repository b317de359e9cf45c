using System.Text;

namespace Rampart.Core.Matching;

/// <summary>
/// Host extraction with Go <c>net/url.Parse</c> rules (POL-008), so a URL that upstream rejects (and therefore
/// falls back to the <c>domain</c> parameter for) is rejected here too, and an accepted one yields the same host.
/// </summary>
public static class UrlHost
{
    /// <summary>The host name (no port, no IPv6 brackets, case preserved); false on a parse error or an empty host.</summary>
    public static bool TryGetHost(string url, out string host)
    {
        ArgumentNullException.ThrowIfNull(url);
        host = "";
        if (!TryParseHost(url, out var hostPort)) return false;
        host = Hostname(hostPort);
        return host.Length > 0;
    }

    private static bool TryParseHost(string raw, out string hostPort)
    {
        hostPort = "";
        // Go cuts the fragment first; it must still unescape cleanly.
        var hash = raw.IndexOf('#');
        var rest = hash < 0 ? raw : raw[..hash];
        if (hash >= 0 && !Unescapes(raw.AsSpan(hash + 1), hostMode: false)) return false;

        foreach (var c in rest)
        {
            if (c < 0x20 || c == 0x7F) return false;
        }
        if (rest == "*") return true;

        var hasScheme = false;
        for (var i = 0; i < rest.Length; i++)
        {
            var c = rest[i];
            if (char.IsAsciiLetter(c)) continue;
            if (char.IsAsciiDigit(c) || c is '+' or '-' or '.')
            {
                if (i == 0) break;
                continue;
            }
            if (c == ':')
            {
                if (i == 0) return false; // "missing protocol scheme"
                hasScheme = true;
                rest = rest[(i + 1)..];
            }
            break;
        }

        var query = rest.IndexOf('?');
        if (query >= 0) rest = rest[..query];

        if (!rest.StartsWith('/'))
        {
            if (hasScheme) return true; // opaque (mailto:x): no host
            var slash = rest.IndexOf('/');
            var segment = slash < 0 ? rest : rest[..slash];
            if (segment.Contains(':')) return false; // "first path segment in URL cannot contain colon"
        }

        if ((hasScheme || !rest.StartsWith("///", StringComparison.Ordinal)) && rest.StartsWith("//", StringComparison.Ordinal))
        {
            var authority = rest[2..];
            var slash = authority.IndexOf('/');
            var path = "";
            if (slash >= 0)
            {
                path = authority[slash..];
                authority = authority[..slash];
            }
            if (!TryParseAuthority(authority, out hostPort)) return false;
            return Unescapes(path, hostMode: false);
        }
        return Unescapes(rest, hostMode: false);
    }

    private static bool TryParseAuthority(string authority, out string host)
    {
        host = "";
        var at = authority.LastIndexOf('@');
        if (!TryParseHostPort(at < 0 ? authority : authority[(at + 1)..], out host)) return false;
        if (at < 0) return true;
        var userInfo = authority.AsSpan(0, at);
        foreach (var c in userInfo)
        {
            if (char.IsAsciiLetterOrDigit(c)) continue;
            if ("-._:~!$&'()*+,;=%@".Contains(c)) continue;
            return false; // "invalid userinfo"
        }
        return Unescapes(userInfo, hostMode: false);
    }

    private static bool TryParseHostPort(string host, out string unescaped)
    {
        unescaped = "";
        if (host.StartsWith('['))
        {
            var close = host.LastIndexOf(']');
            if (close < 0) return false; // "missing ']' in host"
            if (!IsOptionalPort(host.AsSpan(close + 1))) return false;
            var zone = host.AsSpan(0, close).IndexOf("%25", StringComparison.Ordinal);
            if (zone >= 0)
            {
                // RFC 6874 zone identifier: any escape that decodes to a host character (or a space) is fine.
                if (!Unescapes(host.AsSpan(0, zone), hostMode: true)) return false;
                if (!ZoneUnescapes(host.AsSpan(zone, close - zone))) return false;
                if (!Unescapes(host.AsSpan(close), hostMode: true)) return false;
                unescaped = Decode(host);
                return true;
            }
        }
        else
        {
            var colon = host.LastIndexOf(':');
            if (colon >= 0 && !IsOptionalPort(host.AsSpan(colon))) return false;
        }
        if (!Unescapes(host, hostMode: true)) return false;
        unescaped = Decode(host);
        return true;
    }

    private static bool IsOptionalPort(ReadOnlySpan<char> port)
    {
        if (port.IsEmpty) return true;
        if (port[0] != ':') return false;
        foreach (var c in port[1..])
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        return true;
    }

    /// <summary>Go's unescape validation: every <c>%</c> starts two hex digits; in a host only non-ASCII bytes or <c>%25</c> may be escaped and only host characters may appear.</summary>
    private static bool Unescapes(ReadOnlySpan<char> s, bool hostMode)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%')
            {
                if (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2])) return false;
                if (hostMode && HexValue(s[i + 1]) < 8 && !(s[i + 1] == '2' && s[i + 2] == '5')) return false;
                i += 2;
            }
            else if (hostMode && c < 0x80 && !IsHostChar(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool ZoneUnescapes(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%')
            {
                if (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2])) return false;
                var v = (char)(HexValue(s[i + 1]) << 4 | HexValue(s[i + 2]));
                var isPercent = s[i + 1] == '2' && s[i + 2] == '5';
                if (!isPercent && v != ' ' && (v >= 0x80 || !IsHostChar(v))) return false;
                i += 2;
            }
            else if (c < 0x80 && !IsHostChar(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsHostChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "-._~!$&'()*+,;=:[]<>\"".Contains(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>Percent-decodes (already validated) text; decoded bytes are read as UTF-8.</summary>
    private static string Decode(string s)
    {
        if (!s.Contains('%')) return s;
        var bytes = new List<byte>(s.Length);
        Span<byte> one = stackalloc byte[4];
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '%')
            {
                bytes.Add((byte)(HexValue(s[i + 1]) << 4 | HexValue(s[i + 2])));
                i += 2;
                continue;
            }
            var n = Encoding.UTF8.GetBytes(s.AsSpan(i, char.IsHighSurrogate(s[i]) && i + 1 < s.Length ? 2 : 1), one);
            if (n == 4) i++;
            for (var k = 0; k < n; k++) bytes.Add(one[k]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Go's URL.Hostname: drop a valid <c>:port</c>, then IPv6 brackets.</summary>
    private static string Hostname(string hostPort)
    {
        var host = hostPort;
        var colon = host.LastIndexOf(':');
        if (colon >= 0 && IsOptionalPort(host.AsSpan(colon))) host = host[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        return host;
    }
}
