using System.Runtime.InteropServices;
using Rampart.Core.Audit;

namespace Rampart.Core.Tests.Audit;

/// <summary>Events and helpers shared by the writer tests.</summary>
internal static class AuditTestEvents
{
    public static readonly AuditHost Host = new("test-host", "linux", "amd64");

    public static AuditEvent Exec(string command, string agent = "claude-code", string action = "allow") => new()
    {
        Agent = agent,
        Session = "repo/main",
        Tool = "exec",
        Request = AuditValue.Object([new("command", AuditValue.From(command))]),
        Decision = new AuditDecision { Action = action, MatchedPolicies = ["p"], EvaluationTimeUs = 5, Message = "m" },
    };

    public static AuditWriterOptions Options(string dir, TimeProvider? clock = null) => new()
    {
        Directory = dir,
        Host = Host,
        Clock = clock ?? TimeProvider.System,
    };

    public static string[] Lines(string file) =>
        File.ReadAllText(file).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static UnixFileMode Mode(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException() : File.GetUnixFileMode(path);

    [DllImport("libc", EntryPoint = "umask")]
    public static extern int Umask(int mask);

    [DllImport("libc", EntryPoint = "geteuid")]
    public static extern uint GetEuid();
}

/// <summary>A clock the test moves by hand (the BCL has no fake TimeProvider).</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Set(DateTimeOffset now) => _now = now;
}
