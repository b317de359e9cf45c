using Rampart.Agents;

namespace Rampart.Tests.Agents;

/// <summary>Socket discovery for the hook and wrap (issue 7): flag → (unless --serve-url) RAMPART_SOCKET → config <c>socket</c>; no token over a socket.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServiceEndpointSocketTests : IDisposable
{
    readonly string home = Directory.CreateTempSubdirectory("rampart-endpoint-socket-").FullName;

    public void Dispose() => Directory.Delete(home, recursive: true);

    static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        name => Array.Find(vars, v => v.Key == name) is { Key: not null } hit ? hit.Value : null;

    void WriteConfig(string content)
    {
        Directory.CreateDirectory(Path.Combine(home, ".rampart"));
        File.WriteAllText(Path.Combine(home, ".rampart", "config.yaml"), content);
    }

    ServiceEndpoint Discover(Func<string, string?> env, string? flagUrl = null, string? flagSocket = null, bool acceptsSocket = true) =>
        ServiceEndpoint.Discover(flagUrl, env, home, flagSocket: flagSocket, acceptsSocket: acceptsSocket);

    [Fact]
    public void The_flag_beats_RAMPART_SOCKET_which_beats_config()
    {
        WriteConfig("socket: /run/config.sock\n");
        Assert.Equal("/run/flag.sock", Discover(Env(("RAMPART_SOCKET", "/run/env.sock")), flagSocket: "/run/flag.sock").SocketPath);
        Assert.Equal("/run/env.sock", Discover(Env(("RAMPART_SOCKET", "/run/env.sock"))).SocketPath);
        Assert.Equal("/run/config.sock", Discover(Env()).SocketPath);
    }

    [Fact]
    public void A_socket_beats_RAMPART_URL_but_not_an_explicit_serve_url()
    {
        var env = Env(("RAMPART_SOCKET", "/run/env.sock"), ("RAMPART_URL", "http://127.0.0.1:7000"));
        Assert.Equal("/run/env.sock", Discover(env).SocketPath);
        var explicitUrl = Discover(env, flagUrl: "http://127.0.0.1:7001");
        Assert.Null(explicitUrl.SocketPath);
        Assert.Equal(7001, explicitUrl.BaseUrl.Port);
    }

    [Fact]
    public void No_token_is_read_or_sent_over_a_socket()
    {
        var e = Discover(Env(("RAMPART_SOCKET", "/run/env.sock"), ("RAMPART_TOKEN", "secret")));
        Assert.Equal("", e.Token);
        Assert.False(e.IsTokenFromFile);
    }

    [Fact]
    public void Clients_that_cannot_use_a_socket_ignore_it()
    {
        var e = Discover(Env(("RAMPART_SOCKET", "/run/env.sock")), acceptsSocket: false);
        Assert.Null(e.SocketPath);
        Assert.Equal(new Uri(ServiceEndpoint.DefaultUrl), e.BaseUrl);
    }

    [Fact]
    public void A_relative_socket_path_is_a_config_error()
    {
        var e = Assert.Throws<EndpointException>(() => Discover(Env(("RAMPART_SOCKET", "run/r.sock"))));
        Assert.Equal(EndpointProblem.Config, e.Problem);
        Assert.Equal("Rampart socket path must be absolute, got \"run/r.sock\"", e.Message);
    }
}
