using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Rampart.Server;

/// <summary>
/// Reload triggers (API-110): file-system changes of the config file and of <c>*.yaml</c>/<c>*.yml</c>
/// entries directly inside the policy directory, <c>SIGHUP</c>, and the optional periodic interval.
/// </summary>
/// <remarks>
/// The config file is watched through its directory, filtered on its name, so a replace by rename
/// (editors, deployment tools) is noticed too (API-111). Debounce (API-110): an event triggers a
/// reload 100 ms later, and reloads are at least 500 ms apart. Upstream drops events inside that
/// window, which can miss the last write of a multi-step save; here they are coalesced into one
/// reload at the window's end instead (what a user expects: the final file wins).
/// </remarks>
internal sealed class PolicyWatcher : IDisposable
{
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    readonly LivePolicy _policy;
    readonly ILogger _log;
    readonly List<FileSystemWatcher> _watchers = [];
    readonly PosixSignalRegistration? _hangup;
    readonly Timer _timer;
    readonly Timer? _periodic;
    readonly Lock _gate = new();
    readonly string? _configName;
    DateTime _windowEnd;
    bool _scheduled;
    bool _disposed;

    public PolicyWatcher(LivePolicy policy, TimeSpan reloadInterval, ILogger log)
    {
        _policy = policy;
        _log = log;
        _timer = new Timer(_ => Fire(), null, Timeout.Infinite, Timeout.Infinite);
        var sources = policy.Sources;
        if (sources.File is { } file)
        {
            var full = Path.GetFullPath(file);
            _configName = Path.GetFileName(full);
            Watch(Path.GetDirectoryName(full)!, _configName);
        }
        if (sources.Directory is { } dir && Directory.Exists(dir))
        {
            Watch(Path.GetFullPath(dir), null);
        }
        try
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
            {
                ctx.Cancel = true;
                _log.LogInformation("SIGHUP received; reloading policies");
                _ = Task.Run(() => _policy.Reload("sighup"));
            });
        }
        catch (PlatformNotSupportedException)
        {
            _hangup = null;
        }
        if (reloadInterval > TimeSpan.Zero)
            _periodic = new Timer(_ => _policy.Reload("interval"), null, reloadInterval, reloadInterval);
    }

    void Watch(string directory, string? onlyName)
    {
        try
        {
            var w = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            FileSystemEventHandler changed = (_, e) => OnEvent(e.Name, onlyName);
            w.Changed += changed;
            w.Created += changed;
            w.Deleted += changed;
            w.Renamed += (_, e) =>
            {
                OnEvent(e.Name, onlyName);
                OnEvent(e.OldName, onlyName);
            };
            w.Error += (_, e) => _log.LogWarning("policy watcher error: dir={Dir} error={Error}", directory, e.GetException().Message);
            w.EnableRaisingEvents = true;
            _watchers.Add(w);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            _log.LogWarning("cannot watch policy directory: dir={Dir} error={Error}", directory, e.Message);
        }
    }

    void OnEvent(string? name, string? onlyName)
    {
        if (name is null) return;
        if (onlyName is not null)
        {
            if (!string.Equals(name, onlyName, StringComparison.Ordinal)) return;
        }
        else if (!name.EndsWith(".yaml", StringComparison.Ordinal) && !name.EndsWith(".yml", StringComparison.Ordinal))
        {
            return;
        }
        // Events while a reload is pending merge into it (one directory may deliver several).
        lock (_gate)
        {
            if (_disposed || _scheduled) return;
            _scheduled = true;
            var untilWindowEnd = _windowEnd - DateTime.UtcNow;
            _timer.Change(untilWindowEnd > Settle ? untilWindowEnd : Settle, Timeout.InfiniteTimeSpan);
        }
    }

    void Fire()
    {
        lock (_gate)
        {
            _scheduled = false;
            _windowEnd = DateTime.UtcNow + Window;
        }
        _policy.Reload("file change");
    }

    public void Dispose()
    {
        lock (_gate) _disposed = true;
        foreach (var w in _watchers) w.Dispose();
        _hangup?.Dispose();
        _timer.Dispose();
        _periodic?.Dispose();
    }
}
