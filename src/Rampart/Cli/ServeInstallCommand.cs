using Rampart.Hosting;

namespace Rampart.Cli;

/// <summary><c>rampart serve install|uninstall --system</c> (CLI-033): flags → <see cref="SystemInstall"/>.</summary>
internal static class ServeInstallCommand
{
    static readonly CliFlag[] Flags =
    [
        new("system", IsBool: true), new("agent-user"), new("dry-run", IsBool: true), new("help", IsBool: true, Short: 'h'),
    ];

    /// <summary><paramref name="args"/> starts with <c>install</c> or <c>uninstall</c>.</summary>
    public static Task<int> RunAsync(string[] args) => Task.FromResult(Run(args[0], args[1..], Console.Out, Console.Error));

    internal static int Run(string verb, string[] args, TextWriter stdout, TextWriter stderr)
    {
        CliArgs parsed;
        try
        {
            parsed = CliArgs.Parse(args, Flags);
            if (parsed.Positionals.Count > 0) throw new CliUsageException($"serve {verb}: unexpected argument \"{parsed.Positionals[0]}\"");
        }
        catch (CliUsageException e)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }
        if (parsed.Bool("help"))
        {
            PrintHelp(stdout);
            return 0;
        }
        if (!parsed.Bool("system"))
        {
            // Upstream's per-user unit (CLI-030) puts the admin token in Environment=, readable by the
            // agent's own account; this build installs only the user-separated service.
            stderr.WriteLine($"serve {verb}: only the system-wide, user-separated service is supported: sudo rampart serve {verb} --system" +
                (verb == "install" ? " [--agent-user USER]" : ""));
            return 2;
        }
        var dryRun = parsed.Bool("dry-run");
        if (!dryRun && Posix.EffectiveUserId != 0)
        {
            stderr.WriteLine($"serve {verb} --system must run as root (try: sudo rampart serve {verb} --system{(verb == "install" ? " --agent-user $USER" : "")}); " +
                "add --dry-run to see the plan without changing anything");
            return 1;
        }
        var install = new SystemInstall(SystemLayout.Default, stdout);
        if (verb == "uninstall")
        {
            if (parsed.IsSet("agent-user")) stderr.WriteLine("serve uninstall: --agent-user is ignored (the agent's token file is left in place)");
            return install.Uninstall(dryRun);
        }

        UnixUser? agent = null;
        var agentName = parsed.String("agent-user") is { Length: > 0 } given ? given
            : Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudoUser && sudoUser != "root" ? sudoUser : null;
        if (agentName is not null)
        {
            agent = UnixAccounts.Read().User(agentName);
            if (agent is null)
            {
                stderr.WriteLine($"serve install: agent user \"{agentName}\" does not exist (create it first, e.g. useradd --create-home {agentName})");
                return 1;
            }
            if (agent.Uid == 0 || agent.Name == SystemLayout.ServiceAccount)
            {
                // SEC-003: an agent running as root (or as the service) bypasses any separation.
                stderr.WriteLine($"serve install: the agent user must be an ordinary account, not {agent.Name}: an agent running as {agent.Name} can read the audit and rewrite the policy");
                return 1;
            }
        }
        var binary = Environment.ProcessPath;
        if (string.IsNullOrEmpty(binary))
        {
            stderr.WriteLine("serve install: cannot locate the running rampart executable");
            return 1;
        }
        return install.Install(agent, binary, dryRun);
    }

    static void PrintHelp(TextWriter w)
    {
        w.WriteLine("Usage: rampart serve install --system [--agent-user USER] [--dry-run]");
        w.WriteLine("       rampart serve uninstall --system [--dry-run]");
        w.WriteLine();
        w.WriteLine("Install Rampart as the user-separated system service (run as root): the rampart-svc account,");
        w.WriteLine("/etc/rampart (policies), /var/lib/rampart/audit, /usr/local/bin/rampart, an eval-only token in");
        w.WriteLine("~USER/.rampart/token for the agent user, and rampart.service where systemd runs. Re-running changes");
        w.WriteLine("nothing that is already in place. Uninstall removes the service and never deletes audit data.");
        w.WriteLine();
        w.WriteLine("Flags:");
        w.WriteLine("  --system             required: install the system-wide service");
        w.WriteLine("  --agent-user <user>  the account the agent runs as (default: $SUDO_USER)");
        w.WriteLine("  --dry-run            print the plan and change nothing");
    }
}
