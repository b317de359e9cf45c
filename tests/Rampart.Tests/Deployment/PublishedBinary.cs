using System.Diagnostics;
using Rampart.Testing;

namespace Rampart.Tests.Deployment;

/// <summary>The tests that share machine-wide resources (the published binary, system users, podman) run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class DeploymentCollection
{
    public const string Name = "deployment";
}

/// <summary>
/// The Native AOT static binary, published once per test run (about two minutes), or the one
/// <c>RAMPART_BIN</c> names when that is already a published (standalone) build.
/// </summary>
public sealed class PublishedBinary
{
    static readonly Lazy<Task<PublishedBinary>> Shared = new(PublishAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    PublishedBinary(string path, TimeSpan? publishTime)
    {
        FilePath = path;
        PublishTime = publishTime;
    }

    /// <summary>Absolute path of the executable.</summary>
    public string FilePath { get; }

    /// <summary>How long <c>dotnet publish</c> took; null when <c>RAMPART_BIN</c> was reused.</summary>
    public TimeSpan? PublishTime { get; }

    public long SizeBytes => new FileInfo(FilePath).Length;

    public static Task<PublishedBinary> GetAsync() => Shared.Value;

    static async Task<PublishedBinary> PublishAsync()
    {
        if (Environment.GetEnvironmentVariable("RAMPART_BIN") is { Length: > 0 } bin && File.Exists(bin)
            && !File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(bin))!, "rampart.dll")))
            return new PublishedBinary(Path.GetFullPath(bin), null);

        var output = Path.Combine(SharedFiles.RepoRoot, "artifacts", "deployment-tests", "publish");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var watch = Stopwatch.StartNew();
        var result = await HostProcess.RunAsync(dotnet,
            ["publish", Path.Combine(SharedFiles.RepoRoot, "src", "Rampart"), "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo"],
            // The test host's MSBuild variables must not leak into the nested build.
            env: new Dictionary<string, string?> { ["MSBuildExtensionsPath"] = null, ["MSBuildSDKsPath"] = null, ["MSBUILD_EXE_PATH"] = null },
            timeout: TimeSpan.FromMinutes(15));
        watch.Stop();
        var path = Path.Combine(output, "rampart");
        if (result.ExitCode != 0 || !File.Exists(path))
            throw new InvalidOperationException($"dotnet publish failed (exit {result.ExitCode}):\n{result.Output}");
        return new PublishedBinary(path, watch.Elapsed);
    }
}
