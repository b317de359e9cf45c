namespace Rampart.Hosting;

/// <summary>
/// The cross-process exclusive lock of a read-modify-write sequence (SEC-020): the sidecar
/// <c>&lt;path&gt;.rampart.lock</c> (0600) opened with <see cref="FileShare.None"/>, which .NET on
/// Unix maps to <c>flock(LOCK_EX|LOCK_NB)</c>, plus an in-process semaphore for the same path
/// (flock is per open file description, so threads of one process need their own exclusion).
/// </summary>
internal sealed class FileLock : IDisposable
{
    static readonly Dictionary<string, SemaphoreSlim> InProcess = new(StringComparer.Ordinal);

    readonly FileStream _stream;
    readonly SemaphoreSlim _gate;

    FileLock(FileStream stream, SemaphoreSlim gate)
    {
        _stream = stream;
        _gate = gate;
    }

    /// <summary>Acquires the lock for <paramref name="path"/>, retrying while another process holds it, up to <paramref name="timeout"/>.</summary>
    public static FileLock Acquire(string path, TimeSpan timeout)
    {
        var canonical = Path.GetFullPath(path);
        var lockPath = canonical + ".rampart.lock";
        SemaphoreSlim gate;
        lock (InProcess)
        {
            if (!InProcess.TryGetValue(canonical, out gate!)) InProcess[canonical] = gate = new SemaphoreSlim(1, 1);
        }
        // Monotonic: a wall-clock jump back must not stretch the wait (issue 8, clock jumps).
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!gate.Wait(timeout)) throw new IOException($"timed out waiting for the lock on {path}");
        try
        {
            var info = new FileInfo(lockPath);
            if (info.LinkTarget is not null) throw new IOException($"{lockPath} is a symlink; refusing to lock through it");
            while (true)
            {
                try
                {
                    var stream = new FileStream(lockPath, new FileStreamOptions
                    {
                        Mode = FileMode.OpenOrCreate,
                        Access = FileAccess.ReadWrite,
                        Share = FileShare.None,
                        UnixCreateMode = OwnerOnlyFile.OwnerReadWrite,
                    });
                    return new FileLock(stream, gate);
                }
                catch (IOException) when (System.Diagnostics.Stopwatch.GetElapsedTime(started) < timeout)
                {
                    // Held by another process: its critical sections are a few file operations long.
                    Thread.Sleep(5);
                }
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    /// <summary>Takes the lock only if nobody holds it (single-instance checks, CLI-015); null when it is held.</summary>
    public static FileLock? TryAcquire(string path)
    {
        try
        {
            return Acquire(path, TimeSpan.Zero);
        }
        catch (IOException) when (File.Exists(Path.GetFullPath(path) + ".rampart.lock"))
        {
            return null;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _gate.Release();
    }
}
