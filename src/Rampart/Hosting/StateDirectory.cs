namespace Rampart.Hosting;

/// <summary>The per-user state directory <c>~/.rampart</c> (CLI-005) and the well-known files in it.</summary>
internal sealed record StateDirectory(string Path)
{
    public string AdminTokenFile => System.IO.Path.Combine(Path, "token");
    public string AgentTokenStore => System.IO.Path.Combine(Path, "tokens.json");
    /// <summary>The default signing key (CLI-013 step 8), used when <c>--signing-key</c> names none.</summary>
    public string SigningKeyFile => System.IO.Path.Combine(Path, "signing.key");
    public string PolicyDirectory => System.IO.Path.Combine(Path, "policies");
    public string AuditDirectory => System.IO.Path.Combine(Path, "audit");
    public string ServeState => System.IO.Path.Combine(Path, "serve.state");
    public string ActivePolicySummary => System.IO.Path.Combine(Path, "ACTIVE_POLICY.md");

    /// <summary><c>$HOME/.rampart</c>; an empty or unset home is an error (CLI-004).</summary>
    public static StateDirectory ForCurrentUser()
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home)) throw new IOException("cannot locate the home directory: HOME is empty");
        return new StateDirectory(System.IO.Path.Combine(home, ".rampart"));
    }

    /// <summary>Creates the directory if needed and restricts it to its owner (CLI-012: 0700 whenever the token is persisted).</summary>
    public void EnsureOwnerOnly()
    {
        var info = new DirectoryInfo(Path);
        if (info.Exists && info.LinkTarget is not null)
            throw new IOException($"{Path} is a symlink; refusing to use it as the Rampart state directory");
        Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
