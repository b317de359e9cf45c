using Rampart.Cli;
using Rampart.Server;

namespace Rampart.Tests.Server.UnixSocket;

public sealed class ServeSocketFlagsTests
{
    static ServeOptions Options(params string[] args) =>
        ServeCommand.ToOptions(CliArgs.Parse(args, ServeCommand.Flags), new Dictionary<string, string?> { ["HOME"] = "/home/svc" });

    [Fact]
    public void Without_the_flag_there_is_no_socket_and_tcp_listens()
    {
        var o = Options();
        Assert.Null(o.UnixSocket);
        Assert.True(o.ListensOnTcp);
    }

    [Fact]
    public void The_socket_comes_with_default_mode_and_the_identity_map_in_the_state_directory()
    {
        var o = Options("--unix-socket", "/run/rampart/rampart.sock");
        Assert.Equal(new UnixSocketOptions("/run/rampart/rampart.sock", UnixSocketOptions.DefaultMode, null, "/home/svc/.rampart/identities.yaml"), o.UnixSocket);
        Assert.True(o.ServesHttp);
        Assert.True(o.ListensOnTcp); // in addition to TCP by default
    }

    [Fact]
    public void Port_zero_with_a_socket_serves_on_the_socket_only()
    {
        var o = Options("--unix-socket", "/run/r.sock", "--port", "0");
        Assert.True(o.ServesHttp);
        Assert.False(o.ListensOnTcp);
    }

    [Theory]
    [InlineData("0600", 0b110_000_000)]
    [InlineData("666", 0b110_110_110)]
    [InlineData("0o660", 0b110_110_000)]
    public void Mode_is_octal(string text, int mode)
    {
        var o = Options("--unix-socket", "/run/r.sock", "--unix-socket-mode", text, "--unix-socket-group", "agents", "--identities", "/etc/rampart/identities.yaml");
        Assert.Equal(new UnixSocketOptions("/run/r.sock", (UnixFileMode)mode, "agents", "/etc/rampart/identities.yaml"), o.UnixSocket);
    }

    [Theory]
    [InlineData(new[] { "--unix-socket", "run/r.sock" }, "serve: --unix-socket must be an absolute path, got \"run/r.sock\"")]
    [InlineData(new[] { "--unix-socket", "/r.sock", "--unix-socket-mode", "0860" }, "serve: invalid --unix-socket-mode \"0860\" (octal permission bits, e.g. 0660)")]
    [InlineData(new[] { "--unix-socket", "/r.sock", "--unix-socket-mode", "17777" }, "serve: invalid --unix-socket-mode \"17777\" (octal permission bits, e.g. 0660)")]
    [InlineData(new[] { "--identities", "/etc/rampart/identities.yaml" }, "serve: --identities needs --unix-socket")]
    [InlineData(new[] { "--unix-socket-mode", "0600" }, "serve: --unix-socket-mode needs --unix-socket")]
    public void Mistakes_are_usage_errors(string[] args, string message)
    {
        var e = Assert.Throws<CliUsageException>(() => Options(args));
        Assert.Equal(message, e.Message);
    }
}
