using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Rampart.Agents;
using Rampart.Hosting;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart wrap [flags] -- COMMAND [ARGS…]</c> (CLI-095): runs COMMAND with <c>$SHELL</c> pointing
/// at a generated shim, so every <c>$SHELL -c '…'</c> the program runs is checked with the Rampart
/// service first (<see cref="WrapShim"/>) and refused with exit 126 unless enforcement is confirmed
/// (SEC-042). The shim is a two-line <c>/bin/sh</c> script in a private temporary directory that
/// calls this binary; it is removed when COMMAND exits. The exit status is COMMAND's.
/// </summary>
internal static class WrapCommand
{
    const string Usage = "usage: rampart wrap [--agent NAME] [--session LABEL] [--serve-url URL | --socket PATH] [--fail-open] [--shell PATH] -- COMMAND [ARGS...]";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "--shim") return await WrapShim.RunAsync(args[1..]);

        string? agent = null, session = null, serveUrl = null, socket = null, shell = null;
        var failOpen = false;
        var i = 0;
        for (; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                i++;
                break;
            }
            if (!arg.StartsWith('-')) break;
            string? inline = null;
            var eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0) { inline = arg[(eq + 1)..]; arg = arg[..eq]; }
            string? Value() => inline ?? (i + 1 < args.Length ? args[++i] : null);
            string? value = null;
            switch (arg)
            {
                case "-h" or "--help":
                    PrintHelp(Console.Out);
                    return 0;
                case "--fail-open": failOpen = true; continue;
                case "--fail-closed": failOpen = false; continue;
                case "--verbose": continue; // CLI-002 global; wrap has nothing more to say
                case "--config": Value(); continue; // CLI-002 global; policies live in the service
                case "--agent": agent = value = Value(); break;
                case "--session": session = value = Value(); break;
                case "--serve-url": serveUrl = value = Value(); break;
                case "--socket": socket = value = Value(); break;
                case "--shell": shell = value = Value(); break;
                default:
                    Console.Error.WriteLine($"unknown flag: {args[i]}\n{Usage}");
                    return 1;
            }
            if (value is null)
            {
                Console.Error.WriteLine($"flag needs an argument: {arg}");
                return 1;
            }
        }
        var command = args[i..];
        if (command.Length == 0)
        {
            Console.Error.WriteLine("wrap: missing command\n" + Usage);
            return 1;
        }

        shell ??= Environment.GetEnvironmentVariable("SHELL") is { Length: > 0 } s ? s : "/bin/sh";
        if (!Path.IsPathFullyQualified(shell))
        {
            Console.Error.WriteLine($"wrap: the real shell must be an absolute path, got \"{shell}\" (set SHELL or pass --shell)");
            return 1;
        }
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        ServiceEndpoint endpoint;
        try
        {
            // Resolved once, here, so a broken configuration stops wrap before anything runs.
            endpoint = ServiceEndpoint.Discover(serveUrl, Environment.GetEnvironmentVariable, home, flagSocket: socket, acceptsSocket: true);
        }
        catch (EndpointException e)
        {
            Console.Error.WriteLine("wrap: " + e.Message);
            return 1;
        }
        agent ??= Environment.GetEnvironmentVariable("RAMPART_AGENT") is { Length: > 0 } a ? a : Path.GetFileName(command[0]);
        session ??= await GitSession.ResolveAsync(Environment.GetEnvironmentVariable("RAMPART_SESSION"), Environment.CurrentDirectory);

        var shim = new WrapShim.Options(shell, agent, session, endpoint.SocketPath is null ? endpoint.BaseUrl.ToString().TrimEnd('/') : null,
            endpoint.SocketPath, failOpen);
        var dir = Directory.CreateTempSubdirectory("rampart-wrap-"); // 0700
        try
        {
            // Named like the real shell: programs look at $SHELL's name to pick a syntax (bash, zsh, fish …).
            var script = Path.Combine(dir.FullName, Path.GetFileName(shell));
            File.WriteAllText(script, Script(Environment.ProcessPath ?? "rampart", shim));
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            return await RunWrappedAsync(command, script, shim);
        }
        finally
        {
            try { dir.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The shim: <c>exec</c> keeps it to one extra process, whose arguments are fixed here and quoted for <c>sh</c>.</summary>
    internal static string Script(string rampart, WrapShim.Options shim)
    {
        var line = new StringBuilder("exec ").Append(ShellQuote(rampart));
        foreach (var a in WrapShim.Arguments(shim)) line.Append(' ').Append(ShellQuote(a));
        line.Append(" \"$@\"");
        return "#!/bin/sh\n# rampart wrap: checks each `-c` command with Rampart, then runs " + shim.Shell + ". Removed when wrap exits.\n" + line + "\n";
    }

    static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    static async Task<int> RunWrappedAsync(string[] command, string script, WrapShim.Options shim)
    {
        var psi = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var a in command.AsSpan(1)) psi.ArgumentList.Add(a);
        psi.Environment["SHELL"] = script;
        psi.Environment["RAMPART_ACTIVE"] = "1"; // CLI-004: shim activation
        if (shim.Socket is { } socket)
        {
            psi.Environment["RAMPART_SOCKET"] = socket; // a Claude Code hook inside uses the same socket
            psi.Environment.Remove("RAMPART_PROXY");
        }
        else
        {
            psi.Environment["RAMPART_PROXY"] = shim.ServeUrl; // CLI-004: proxy URL
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Console.Error.WriteLine($"wrap: cannot run {command[0]}: {e.Message}");
            return 127;
        }
        using (process)
        {
            // The terminal sends SIGINT/SIGQUIT to the whole foreground group, the child included: wrap
            // only waits. SIGTERM/SIGHUP aimed at wrap are passed on, so a supervisor stops the agent.
            void Forward(PosixSignalContext context)
            {
                context.Cancel = true;
                if (context.Signal is PosixSignal.SIGTERM or PosixSignal.SIGHUP)
                {
                    try { Posix.Terminate(process.Id); } catch (IOException) { }
                }
            }
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
            using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Forward);
            using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
            using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Forward);
            await process.WaitForExitAsync();
            return process.ExitCode;
        }
    }

    static void PrintHelp(TextWriter w)
    {
        w.WriteLine(Usage);
        w.WriteLine();
        w.WriteLine("Run COMMAND with $SHELL pointing at a Rampart shim: every `$SHELL -c '<command>'` it starts is");
        w.WriteLine("checked with `rampart serve` (POST /v1/preflight/exec, enforce) before the real shell runs it.");
        w.WriteLine("A denied command, or one the service cannot confirm it enforced, is not run: the shim prints why");
        w.WriteLine("on stderr and exits 126. Interactive shells and script files run the real shell unchecked.");
        w.WriteLine();
        w.WriteLine("Flags:");
        w.WriteLine("  --agent <name>      agent name sent with each check (default RAMPART_AGENT, else COMMAND's name)");
        w.WriteLine("  --session <label>   session label (default RAMPART_SESSION, else <repo>/<branch>)");
        w.WriteLine("  --serve-url <url>   the service (default RAMPART_URL → ~/.rampart/config.yaml → serve.state → http://localhost:9090)");
        w.WriteLine("  --socket <path>     talk to `serve --unix-socket` instead (also RAMPART_SOCKET, config `socket`); no token is sent");
        w.WriteLine("  --fail-open         run commands (with a warning) when the service gives no confirmed decision;");
        w.WriteLine("                      a deny always blocks (default: fail closed, exit 126)");
        w.WriteLine("  --shell <path>      the real shell (default $SHELL, else /bin/sh)");
        w.WriteLine();
        w.WriteLine("Credentials: RAMPART_TOKEN, else ~/.rampart/token (never sent over --socket).");
        w.WriteLine("Environment of COMMAND: SHELL=<shim>, RAMPART_ACTIVE=1, RAMPART_PROXY=<url> (or RAMPART_SOCKET=<path>).");
    }
}
