using Rampart.Agents;

namespace Rampart.Tests.Agents;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServiceEndpointTests : IDisposable
{
    readonly string home = Directory.CreateTempSubdirectory("rampart-endpoint-").FullName;

    public void Dispose() => Directory.Delete(home, recursive: true);

    static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        name => Array.Find(vars, v => v.Key == name) is { Key: not null } hit ? hit.Value : null;

    void WriteState(string file, string content)
    {
        Directory.CreateDirectory(Path.Combine(home, ".rampart"));
        File.WriteAllText(Path.Combine(home, ".rampart", file), content);
    }

    [Fact]
    public void Default_is_the_loopback_server_without_a_token()
    {
        var e = ServiceEndpoint.Discover(null, Env(), home);
        Assert.Equal(new Uri(ServiceEndpoint.DefaultUrl), e.BaseUrl);
        Assert.Equal("", e.Token);
    }

    [Fact]
    public void Flag_beats_RAMPART_URL_which_beats_config_which_beats_the_old_alias()
    {
        WriteState("config.yaml", "url: http://127.0.0.1:7001\nserve_url: http://127.0.0.1:7002\n");
        Assert.Equal(7000, ServiceEndpoint.Discover("http://127.0.0.1:7000/", Env(("RAMPART_URL", "http://127.0.0.1:7003")), home).BaseUrl.Port);
        Assert.Equal(7003, ServiceEndpoint.Discover(null, Env(("RAMPART_URL", "http://127.0.0.1:7003")), home).BaseUrl.Port);
        Assert.Equal(7001, ServiceEndpoint.Discover(null, Env(("RAMPART_SERVE_URL", "http://127.0.0.1:7004")), home).BaseUrl.Port);
        WriteState("config.yaml", "serve_url: http://127.0.0.1:7002\n");
        Assert.Equal(7004, ServiceEndpoint.Discover(null, Env(("RAMPART_SERVE_URL", "http://127.0.0.1:7004")), home).BaseUrl.Port);
        Assert.Equal(7002, ServiceEndpoint.Discover(null, Env(), home).BaseUrl.Port);
    }

    [Fact]
    public void Serve_state_is_the_last_discovery_step()
    {
        WriteState("serve.state", """{"url":"http://localhost:7010","port":7010}""");
        Assert.Equal(7010, ServiceEndpoint.Discover(null, Env(), home).BaseUrl.Port);
    }

    [Fact]
    public void Config_with_unknown_keys_is_a_config_error()
    {
        WriteState("config.yaml", "token: abc\n");
        var ex = Assert.Throws<EndpointException>(() => ServiceEndpoint.Discover(null, Env(), home));
        Assert.Equal(EndpointProblem.Config, ex.Problem);
    }

    [Fact]
    public void RAMPART_TOKEN_beats_the_token_file_which_is_read_trimmed_and_made_owner_only()
    {
        WriteState("token", "file-token\n");
        var path = Path.Combine(home, ".rampart", "token");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Equal("env-token", ServiceEndpoint.Discover(null, Env(("RAMPART_TOKEN", "env-token")), home).Token);
        var e = ServiceEndpoint.Discover(null, Env(), home);
        Assert.Equal("file-token", e.Token);
        Assert.True(e.IsTokenFromFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_symlinked_token_file_is_refused()
    {
        WriteState("real", "t");
        File.CreateSymbolicLink(Path.Combine(home, ".rampart", "token"), Path.Combine(home, ".rampart", "real"));
        var ex = Assert.Throws<EndpointException>(() => ServiceEndpoint.Discover(null, Env(), home));
        Assert.Equal(EndpointProblem.Credentials, ex.Problem);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:9090")]
    [InlineData("http://user:pw@127.0.0.1:9090")]
    [InlineData("http://127.0.0.1:9090/?x=1")]
    [InlineData("http://127.0.0.1:9090/#frag")]
    [InlineData("not a url")]
    public void Malformed_or_unsafe_urls_are_refused(string url)
    {
        var ex = Assert.Throws<EndpointException>(() => ServiceEndpoint.CheckUrl(url, hasToken: false, tokenFromFile: false));
        Assert.Equal(EndpointProblem.UnsafeEndpoint, ex.Problem);
    }

    [Fact]
    public void A_token_goes_over_plain_http_only_to_loopback()
    {
        Assert.NotNull(ServiceEndpoint.CheckUrl("http://localhost:9090", true, true));
        Assert.NotNull(ServiceEndpoint.CheckUrl("http://[::1]:9090", true, true));
        Assert.NotNull(ServiceEndpoint.CheckUrl("http://127.1.2.3:9090", true, true));
        Assert.Throws<EndpointException>(() => ServiceEndpoint.CheckUrl("http://rampart.example:9090", true, false));
        Assert.NotNull(ServiceEndpoint.CheckUrl("https://rampart.example", true, false));
        Assert.NotNull(ServiceEndpoint.CheckUrl("http://rampart.example:9090", false, false));
    }

    [Fact]
    public void A_token_from_the_file_never_leaves_the_host()
    {
        var ex = Assert.Throws<EndpointException>(() => ServiceEndpoint.CheckUrl("https://rampart.example", true, true));
        Assert.Contains("refusing to send the auto-discovered token", ex.Message);
    }
}
