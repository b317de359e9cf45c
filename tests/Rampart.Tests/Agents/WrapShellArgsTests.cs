using Rampart.Cli;

namespace Rampart.Tests.Agents;

public sealed class WrapShellArgsTests
{
    public static TheoryData<string[], string?> Invocations => new()
    {
        { ["-c", "echo hi"], "echo hi" },
        { ["-c", "echo hi", "name", "arg1"], "echo hi" },
        { ["-lc", "make test"], "make test" },
        { ["-l", "-c", "make test"], "make test" },
        { ["--login", "-c", "ls"], "ls" },
        { ["--norc", "--noprofile", "-c", "ls"], "ls" },
        { ["--rcfile", "/tmp/rc", "-c", "ls"], "ls" },
        { ["-e", "-o", "pipefail", "-c", "a | b"], "a | b" },
        { ["-euo", "pipefail", "-c", "a | b"], "a | b" },
        { ["-c", "-x", "echo hi"], "echo hi" }, // options may follow -c; the command string is the first word after them
        { ["-c", "-x"], null },
        { ["+x", "-c", "ls"], "ls" },
        { ["-c", "--", "ls"], "ls" }, // "--" ends the options, as in bash -c -- 'ls'
        { [], null },              // interactive
        { ["-i"], null },
        { ["-l"], null },
        { ["script.sh", "-c", "x"], null }, // a script file; its own arguments are not shell options
        { ["-s"], null },
        { ["-c"], null },          // the real shell reports the missing argument
        { ["+c", "ls"], null },    // +c is not the command flag
    };

    [Theory]
    [MemberData(nameof(Invocations))]
    public void Finds_the_command_string_of_a_dash_c_invocation_only(string[] args, string? expected) =>
        Assert.Equal(expected, WrapShellArgs.CommandOf(args));
}
