namespace Rampart.Tests.Deployment;

/// <summary>
/// One HTTP/1.0 request sent by a process the test starts as some other user (runuser, nsenter …),
/// written in bash with /dev/tcp: neither the machine nor a FROM scratch pod needs an HTTP client.
/// </summary>
public static class RawHttp
{
    public sealed record Answer(int Status, string Body, string Raw);

    /// <summary>
    /// $1 port, $2 method, $3 path, $4 body, $5 token; an empty token is read from the caller's own
    /// ~/.rampart/token (by the caller, so its file permissions are what is tested); "-" sends none.
    /// </summary>
    const string Script = """
        exec 3<>/dev/tcp/127.0.0.1/$1 || exit 9
        token=$5
        if [ -z "$token" ]; then token=$(cat "$HOME/.rampart/token") || exit 8; fi
        auth="Authorization: Bearer $token"
        if [ "$token" = "-" ]; then auth="X-No-Token: 1"; fi
        printf '%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' "$2" "$3" "$auth" "${#4}" "$4" >&3
        timeout 10 cat <&3
        """;

    /// <summary>Sends the request (<paramref name="token"/>: see the script) with bash run under <paramref name="runAs"/> (a command prefix such as <c>runuser -u U --</c>).</summary>
    public static async Task<Answer> SendAsync(IReadOnlyList<string> runAs, int port, string method, string path, string body = "", string token = "")
    {
        var result = await HostProcess.RunAsync(runAs[0], [.. runAs.Skip(1), "bash", "-c", Script, "raw-http", port.ToString(), method, path, body, token]);
        var raw = result.Stdout;
        var status = raw.StartsWith("HTTP/1.", StringComparison.Ordinal) && raw.Length >= 12 && int.TryParse(raw.AsSpan(9, 3), out var s) ? s : -1;
        var split = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return new Answer(status, split >= 0 ? raw[(split + 4)..] : "", raw + result.Stderr);
    }
}
