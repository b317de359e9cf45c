using System.Runtime.InteropServices;
using System.Text;
using Rampart.Agents;

namespace Rampart.Cli;

/// <summary>
/// The shell shim of <c>rampart wrap</c> (CLI-095): what runs when the wrapped program starts
/// <c>$SHELL</c>. The generated script calls <c>rampart wrap --shim …  -- &lt;shell arguments&gt;</c>.
/// A <c>-c</c> command is checked with the service first and refused with exit 126 unless the
/// service confirms an enforced allow (SEC-042); then the process becomes the real shell
/// (<c>execv</c>, same arguments), so signals, job control and the exit status are the shell's own.
/// Any other invocation — an interactive shell, a script file, <c>-s</c> — has no command string to
/// check and becomes the real shell directly: <c>wrap</c> guards the commands a program hands to
/// <c>$SHELL -c</c>, not what a person types into a shell it opens.
/// </summary>
internal static class WrapShim
{
    /// <param name="Shell">The real shell (the <c>$SHELL</c> <c>wrap</c> started with).</param>
    internal sealed record Options(string Shell, string Agent, string Session, string? ServeUrl, string? Socket, bool IsFailOpen);

    /// <summary>The shim's own arguments, as <see cref="WrapCommand"/> writes them into the script.</summary>
    public static IEnumerable<string> Arguments(Options o)
    {
        yield return "wrap";
        yield return "--shim";
        yield return "--shell";
        yield return o.Shell;
        yield return "--agent";
        yield return o.Agent;
        yield return "--session";
        yield return o.Session;
        if (o.Socket is { } socket)
        {
            yield return "--socket";
            yield return socket;
        }
        else if (o.ServeUrl is { } url)
        {
            yield return "--serve-url";
            yield return url;
        }
        if (o.IsFailOpen) yield return "--fail-open";
        yield return "--";
    }

    /// <summary>Runs the shim: <paramref name="args"/> are the arguments after <c>wrap --shim</c>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var dashes = Array.IndexOf(args, "--");
        if (dashes < 0 || Parse(args[..dashes]) is not { } options)
        {
            Console.Error.WriteLine("rampart: wrap --shim is internal to `rampart wrap` (its generated shell script calls it)");
            return WrapPreflight.BlockedExitCode;
        }
        var shellArgs = args[(dashes + 1)..];
        if (WrapShellArgs.CommandOf(shellArgs) is { } command)
        {
            var verdict = await CheckAsync(options, command).ConfigureAwait(false);
            switch (verdict.Outcome)
            {
                case WrapOutcome.Blocked:
                    Console.Error.WriteLine("rampart: " + verdict.Message);
                    foreach (var s in verdict.Suggestions) Console.Error.WriteLine("rampart:   " + s);
                    return WrapPreflight.BlockedExitCode;
                case WrapOutcome.Unconfirmed when !options.IsFailOpen:
                    Console.Error.WriteLine($"rampart: command blocked: Rampart could not confirm enforcement ({verdict.Message}); " +
                        "refusing to run it (rampart wrap --fail-open runs commands anyway)");
                    return WrapPreflight.BlockedExitCode;
                case WrapOutcome.Unconfirmed:
                    Console.Error.WriteLine($"rampart: WARNING: FAILING OPEN — Rampart could not confirm enforcement ({verdict.Message}); " +
                        "the command runs WITHOUT policy enforcement");
                    break;
            }
        }
        return Exec(options.Shell, shellArgs);
    }

    static Options? Parse(string[] flags)
    {
        string? shell = null, agent = null, session = null, url = null, socket = null;
        var failOpen = false;
        for (var i = 0; i < flags.Length; i++)
        {
            string? Next() => i + 1 < flags.Length ? flags[++i] : null;
            switch (flags[i])
            {
                case "--shell": shell = Next(); break;
                case "--agent": agent = Next(); break;
                case "--session": session = Next(); break;
                case "--serve-url": url = Next(); break;
                case "--socket": socket = Next(); break;
                case "--fail-open": failOpen = true; break;
                default: return null;
            }
        }
        return string.IsNullOrEmpty(shell) ? null : new Options(shell, agent ?? "", session ?? "", url, socket, failOpen);
    }

    /// <summary>
    /// CLI-007's client timeout (10 s), not the hook's 2 s (CLI-082): a blocked command is a failed
    /// build step, so a slow but working server should still be waited for.
    /// </summary>
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    static async Task<WrapVerdict> CheckAsync(Options options, string command)
    {
        ServiceEndpoint endpoint;
        try
        {
            endpoint = ServiceEndpoint.Discover(options.ServeUrl, Environment.GetEnvironmentVariable, Environment.GetEnvironmentVariable("HOME") ?? "",
                flagSocket: options.Socket, acceptsSocket: true);
        }
        catch (EndpointException e)
        {
            return WrapVerdict.Unconfirmed(e.Message);
        }
        using var client = new RampartServiceClient(endpoint, Deadline);
        var reply = await client.PostAsync(WrapPreflight.Path, WrapPreflight.Body(command, options.Agent, options.Session, Environment.CurrentDirectory)).ConfigureAwait(false);
        return reply.Failure is { } failure ? WrapVerdict.Unconfirmed(failure) : WrapPreflight.Interpret(reply.Status, reply.Body);
    }

    /// <summary>Becomes <paramref name="shell"/> with <paramref name="args"/>; returns only when that fails (127 missing, 126 otherwise, as a shell would).</summary>
    static int Exec(string shell, string[] args)
    {
        // .NET ignores SIGPIPE and may have blocked signals on this thread; exec keeps both, and a shell
        // started that way behaves differently (`yes | head` would never end). Restore the defaults.
        SysSignal(SigPipe, SigDfl);
        var emptySet = new byte[128]; // sigset_t
        SysSigprocmask(SigSetMask, ref emptySet[0], 0);
        var argv = new nint[args.Length + 2];
        argv[0] = Marshal.StringToCoTaskMemUTF8(shell);
        for (var i = 0; i < args.Length; i++) argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
        var path = Encoding.UTF8.GetBytes(shell + "\0");
        SysExecv(ref path[0], ref argv[0]);
        var errno = Marshal.GetLastPInvokeError();
        Console.Error.WriteLine($"rampart: cannot run the shell {shell}: {Marshal.GetPInvokeErrorMessage(errno)}");
        return errno == 2 ? 127 : 126; // ENOENT
    }

    const int SigPipe = 13;
    const nint SigDfl = 0;
    const int SigSetMask = 2;

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which this project does not enable; these signatures are blittable.
    [DllImport("libc", EntryPoint = "execv", SetLastError = true)]
    static extern int SysExecv(ref byte path, ref nint argv);

    [DllImport("libc", EntryPoint = "signal")]
    static extern nint SysSignal(int signal, nint handler);

    [DllImport("libc", EntryPoint = "sigprocmask")]
    static extern int SysSigprocmask(int how, ref byte set, nint oldSet);
#pragma warning restore SYSLIB1054
}
