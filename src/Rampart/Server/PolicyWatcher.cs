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
/// The window is measured on the monotonic clock, so a wall-clock jump back cannot hold reloads
/// off for the size of the jump (issue 8). The policy directory is also watched through its parent:
/// a directory that is deleted and comes back (or appears after start-up) is watched again and
/// reloaded — inotify drops the watch of a deleted directory for good.
/// </remarks>
internal sealed class PolicyWatcher : IDisposable
{
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    readonly LivePolicy _policy;
    readonly TimeProvider _time;
    readonly ILogger _log;
    readonly List<FileSystemWatcher> _watchers = [];
    readonly string? _policyDir;
    FileSystemWatcher? _policyDirWatcher;
    readonly PosixSignalRegistration? _hangup;
    readonly Timer _timer;
    readonly Timer? _periodic;
    readonly Lock _gate = new();
    readonly string? _configName;
    long _lastFire;
    bool _fired;
    bool _scheduled;
    bool _disposed;

    public PolicyWatcher(LivePolicy policy, TimeSpan reloadInterval, TimeProvider time, ILogger log)
    {
        _policy = policy;
        _time = time;
        _log = log;
        _timer = new Timer(_ => Fire(), null, Timeout.Infinite, Timeout.Infinite);
        var sources = policy.Sources;
        if (sources.File is { } file)
        {
            var full = Path.GetFullPath(file);
            _configName = Path.GetFileName(full);
            Watch(Path.GetDirectoryName(full)!, _configName);
        }
        if (sources.Directory is { } dir)
        {
            _policyDir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
            if (Path.GetDirectoryName(_policyDir) is { } parent) WatchPolicyDirParent(parent, Path.GetFileName(_policyDir));
            if (Directory.Exists(_policyDir)) _policyDirWatcher = Watch(_policyDir, null);
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

    FileSystemWatcher? Watch(string directory, string? onlyName)
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
            lock (_gate) _watchers.Add(w);
            return w;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            _log.LogWarning("cannot watch policy directory: dir={Dir} error={Error}", directory, e.Message);
            return null;
        }
    }

    /// <summary>Follows the policy directory itself (created, deleted, renamed in or out) through its parent.</summary>
    void WatchPolicyDirParent(string parent, string name)
    {
        try
        {
            var w = new FileSystemWatcher(parent) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.DirectoryName };
            FileSystemEventHandler changed = (_, e) => OnPolicyDirEvent(e.Name, name);
            w.Created += changed;
            w.Deleted += changed;
            w.Renamed += (_, e) =>
            {
                OnPolicyDirEvent(e.Name, name);
                OnPolicyDirEvent(e.OldName, name);
            };
            w.EnableRaisingEvents = true;
            lock (_gate) _watchers.Add(w);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            _log.LogWarning("cannot watch policy directory's parent: dir={Dir} error={Error}", parent, e.Message);
        }
    }

    void OnPolicyDirEvent(string? name, string dirName)
    {
        if (!string.Equals(name, dirName, StringComparison.Ordinal)) return;
        FileSystemWatcher? stale;
        lock (_gate)
        {
            if (_disposed) return;
            stale = _policyDirWatcher;
            _policyDirWatcher = null;
            if (stale is not null) _watchers.Remove(stale);
        }
        stale?.Dispose();
        if (Directory.Exists(_policyDir))
        {
            // Watch before the reload is scheduled: files written into the new directory from
            // now on trigger their own reload, and the one below reads whatever is already there.
            var fresh = Watch(_policyDir!, null);
            lock (_gate)
            {
                if (_disposed) fresh?.Dispose();
                else _policyDirWatcher = fresh;
            }
            _log.LogInformation("policy directory present: dir={Dir}", _policyDir);
        }
        else
        {
            _log.LogWarning("policy directory removed: dir={Dir}", _policyDir);
        }
        Schedule();
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
        Schedule();
    }

    void Schedule()
    {
        // Events while a reload is pending merge into it (one directory may deliver several).
        lock (_gate)
        {
            if (_disposed || _scheduled) return;
            _scheduled = true;
            var untilWindowEnd = _fired ? Window - _time.GetElapsedTime(_lastFire) : TimeSpan.Zero;
            _timer.Change(untilWindowEnd > Settle ? untilWindowEnd : Settle, Timeout.InfiniteTimeSpan);
        }
    }

    void Fire()
    {
        lock (_gate)
        {
            _scheduled = false;
            _fired = true;
            _lastFire = _time.GetTimestamp();
        }
        _policy.Reload("file change");
    }

    public void Dispose()
    {
        List<FileSystemWatcher> watchers;
        lock (_gate)
        {
            _disposed = true;
            watchers = [.. _watchers];
            _watchers.Clear();
        }
        foreach (var w in watchers) w.Dispose();
        _hangup?.Dispose();
        _timer.Dispose();
        _periodic?.Dispose();
    }
}
