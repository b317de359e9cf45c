using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Rampart.Tests.Deployment;

/// <summary><c>dotnet publish</c> yields one static executable that runs with nothing else on the filesystem (issue 5).</summary>
[Collection(DeploymentCollection.Name)]
public sealed class StaticBinaryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Published_binary_is_a_static_pie_executable()
    {
        var binary = await PublishedBinary.GetAsync();
        var described = await HostProcess.RequireAsync("file", "-b", binary.FilePath);

        output.WriteLine($"binary: {binary.FilePath}");
        output.WriteLine($"size: {binary.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes ({binary.SizeBytes / 1048576.0:F1} MiB)");
        if (binary.PublishTime is { } t) output.WriteLine($"publish time: {t.TotalSeconds:F0} s");
        output.WriteLine($"file: {described.Trim()}");
        Assert.Contains("static-pie linked", described);
    }

    [Fact]
    public async Task Published_binary_runs_with_an_empty_environment()
    {
        var binary = await PublishedBinary.GetAsync();
        var watch = Stopwatch.StartNew();
        var result = await HostProcess.RunAsync("env", "-i", binary.FilePath, "version");
        watch.Stop();

        output.WriteLine($"`rampart version` wall time (cold process): {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("rampart ", result.Stdout);
    }

    [Fact]
    public async Task Published_binary_has_no_dynamic_dependencies()
    {
        var binary = await PublishedBinary.GetAsync();
        // ldd on a static executable says so (and exits non-zero); a dynamic one lists its libraries.
        var result = await HostProcess.RunAsync("ldd", binary.FilePath);
        Assert.DoesNotContain("=>", result.Output);
    }
}
