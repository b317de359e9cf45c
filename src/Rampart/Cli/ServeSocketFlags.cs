using Rampart.Server;

namespace Rampart.Cli;

/// <summary>
/// The <c>serve</c> flags of the Unix socket listener (project addition, issue 7): <c>--unix-socket</c>,
/// <c>--unix-socket-mode</c>, <c>--unix-socket-group</c>, <c>--identities</c>. Kept apart from
/// <see cref="ServeCommand"/> so the listener's surface reads in one place.
/// </summary>
internal static class ServeSocketFlags
{
    public const string IdentitiesFileName = "identities.yaml";

    /// <summary>The socket options, or null without <c>--unix-socket</c> (the other three flags then make no sense and are refused).</summary>
    public static UnixSocketOptions? ToOptions(CliArgs args, string stateDir)
    {
        var path = args.String("unix-socket");
        if (string.IsNullOrEmpty(path))
        {
            foreach (var flag in (ReadOnlySpan<string>)["unix-socket-mode", "unix-socket-group", "identities"])
            {
                if (args.IsSet(flag)) throw new CliUsageException($"serve: --{flag} needs --unix-socket");
            }
            return null;
        }
        if (!Path.IsPathFullyQualified(path)) throw new CliUsageException($"serve: --unix-socket must be an absolute path, got \"{path}\"");
        var mode = UnixSocketOptions.DefaultMode;
        if (args.String("unix-socket-mode") is { } modeText)
        {
            var digits = modeText.StartsWith("0o", StringComparison.Ordinal) ? modeText[2..] : modeText;
            int value = 0;
            var valid = digits.Length is > 0 and <= 4;
            foreach (var c in digits)
            {
                if (c is < '0' or > '7') { valid = false; break; }
                value = value * 8 + (c - '0');
            }
            if (!valid || value > 0x1FF)
                throw new CliUsageException($"serve: invalid --unix-socket-mode \"{modeText}\" (octal permission bits, e.g. 0660)");
            mode = (UnixFileMode)value;
        }
        var identities = args.String("identities") is { Length: > 0 } file ? file : Path.Combine(stateDir, IdentitiesFileName);
        return new UnixSocketOptions(path, mode, args.String("unix-socket-group") is { Length: > 0 } g ? g : null, identities);
    }

    public static void PrintHelp(TextWriter w)
    {
        w.WriteLine("  --unix-socket <path>       also listen on a Unix socket; callers are identified by the kernel (SO_PEERCRED),");
        w.WriteLine("                             no bearer token; with --port 0 the socket is the only listener");
        w.WriteLine("  --unix-socket-mode <octal> permission bits of the socket file (default 0660)");
        w.WriteLine("  --unix-socket-group <g>    group of the socket (and of its directory when serve creates it, mode 0750)");
        w.WriteLine("  --identities <file>        uid → agent identity map for socket callers (default ~/.rampart/" + IdentitiesFileName + "):");
        w.WriteLine("                               identities:");
        w.WriteLine("                                 - uid: 1001          # or: user: alice");
        w.WriteLine("                                   agent: claude-alice # every call of this uid carries this agent");
        w.WriteLine("                                   scopes: [eval]      # eval (default) and/or admin");
        w.WriteLine("                                   policy: paranoid    # optional profile, as token create --policy");
        w.WriteLine("                             an unmapped uid is refused (401); the file is re-read when it changes");
    }
}
