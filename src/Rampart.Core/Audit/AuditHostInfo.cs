using System.Runtime.InteropServices;

namespace Rampart.Core.Audit;

/// <summary>The local host in Go's vocabulary (AUD-014): <c>linux</c>/<c>darwin</c>/<c>windows</c>, <c>amd64</c>/<c>arm64</c>.</summary>
public static class AuditHostInfo
{
    static readonly Lazy<AuditHost> Local = new(() => new AuditHost(HostName(), GoOs(), GoArch()));

    public static AuditHost Current => Local.Value;

    static string HostName()
    {
        try
        {
            var name = System.Net.Dns.GetHostName();
            return string.IsNullOrEmpty(name) ? "unknown" : name;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return "unknown";
        }
    }

    public static string GoOs() =>
        OperatingSystem.IsLinux() ? "linux"
        : OperatingSystem.IsMacOS() ? "darwin"
        : OperatingSystem.IsWindows() ? "windows"
        : OperatingSystem.IsFreeBSD() ? "freebsd"
        : RuntimeInformation.OSDescription.ToLowerInvariant();

    public static string GoArch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "386",
        Architecture.Arm => "arm",
        Architecture.RiscV64 => "riscv64",
        Architecture.LoongArch64 => "loong64",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        var other => other.ToString().ToLowerInvariant(),
    };
}
