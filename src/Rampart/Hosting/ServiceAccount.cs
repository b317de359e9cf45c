namespace Rampart.Hosting;

/// <summary>
/// The service account <c>rampart-svc</c> (SEC-010): a system user with its own group, no login
/// shell and home <c>/var/lib/rampart</c>. Created with the host's <c>useradd</c> so shadow files,
/// locking and uid ranges stay the distribution's business.
/// </summary>
internal static class ServiceAccount
{
    /// <summary>The shell that refuses logins on this host.</summary>
    public static string NoLoginShell { get; } =
        File.Exists("/usr/sbin/nologin") ? "/usr/sbin/nologin" : File.Exists("/sbin/nologin") ? "/sbin/nologin" : "/bin/false";

    public static UnixUser? Find() => UnixAccounts.Read().User(SystemLayout.ServiceAccount);

    /// <summary>The account, or an <see cref="IOException"/> saying it has to be created first.</summary>
    public static UnixUser Require() =>
        Find() ?? throw new IOException($"the service account {SystemLayout.ServiceAccount} does not exist");

    public static void Create(SystemLayout layout) => HostCommand.Require("useradd",
        "--system", "--user-group", "--no-create-home", "--home-dir", layout.ServiceHome,
        "--shell", NoLoginShell, "--comment", "Rampart policy service", SystemLayout.ServiceAccount);

    public static void DisableLogin() => HostCommand.Require("usermod", "--shell", NoLoginShell, SystemLayout.ServiceAccount);
}
