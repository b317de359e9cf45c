using Rampart.Testing;

namespace Rampart.Tests.Deployment;

/// <summary>Runs host tools (file, podman, useradd, runuser …) for the deployment tests.</summary>
public static class HostProcess
{
    /// <summary><see cref="ChildProcess.RunAsync"/> with the deployment tests' longer default deadline (podman, useradd, installs).</summary>
    public static Task<ChildProcess.Result> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string?>? env = null,
        string? stdin = null, TimeSpan? timeout = null, string? workdir = null) =>
        ChildProcess.RunAsync(file, args, env, stdin, workdir, timeout ?? TimeSpan.FromMinutes(2));

    public static Task<ChildProcess.Result> RunAsync(string file, params string[] args) => RunAsync(file, (IEnumerable<string>)args);

    /// <summary>Runs and requires exit 0, failing the test with the tool's output otherwise.</summary>
    public static async Task<string> RequireAsync(string file, params string[] args)
    {
        var result = await RunAsync(file, args);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {result.ExitCode}:\n{result.Output}");
        return result.Stdout;
    }

    /// <summary>Runs <paramref name="command"/> as <paramref name="user"/> (runuser -u), the way an agent's own shell would.</summary>
    public static Task<ChildProcess.Result> RunAsUserAsync(string user, params string[] command) => RunAsync("runuser", ["-u", user, "--", .. command]);

    /// <summary>Whether this process runs as root (the deployment tests create users and system paths).</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;
}
