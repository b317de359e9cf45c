using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Rampart.Agents;

/// <summary>
/// The <c>call_count</c> state that one-shot hook processes share (CLI-005, CLI-076, POL-043):
/// <c>~/.rampart/hook-call-counts.json</c>, read and rewritten under an exclusive lock on the sidecar
/// <c>hook-call-counts.json.rampart.lock</c> so concurrent tool calls neither lose nor double counts.
/// Both files are owner-only regular files (SEC-020..SEC-023). Hold the instance for the whole
/// read → enforce → save sequence; disposing releases the lock.
/// </summary>
/// <remarks>
/// Format (ours; the spec names only the file): <c>{"version":1,"tools":{"exec":["2025-01-02T03:04:05.0000000+00:00", …]}}</c>,
/// arrival times oldest first, round-trip ("O") format.
/// </remarks>
internal sealed class HookCallCounts : IDisposable
{
    public const string FileName = "hook-call-counts.json";
    public const string LockSuffix = ".rampart.lock";

    /// <summary>1024 tools × 1000 times (POL-043 limits) is about 40 MiB; anything larger is not ours.</summary>
    const long MaxFileBytes = 64L * 1024 * 1024;
    const int FormatVersion = 1;

    /// <summary>Tool calls of one session run in sequence; a lock held longer than this is a stuck process.</summary>
    static readonly TimeSpan LockDeadline = TimeSpan.FromSeconds(2);

    const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;

    readonly FileStream _lock;
    readonly string _path;

    HookCallCounts(FileStream lockHandle, string path, IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> entries)
    {
        _lock = lockHandle;
        _path = path;
        Entries = entries;
    }

    /// <summary>Arrival times per tool as last saved.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> Entries { get; }

    /// <summary>Takes the lock and reads the state in <paramref name="stateDir"/> (created 0700 if missing). Throws <see cref="IOException"/> when the state is unusable.</summary>
    public static HookCallCounts Open(string stateDir)
    {
        if (!Directory.Exists(stateDir))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(stateDir);
            else Directory.CreateDirectory(stateDir, OwnerOnlyDirectory);
        }
        var path = Path.Combine(stateDir, FileName);
        var lockHandle = AcquireLock(path + LockSuffix);
        try
        {
            return new HookCallCounts(lockHandle, path, Read(path));
        }
        catch
        {
            lockHandle.Dispose();
            throw;
        }
    }

    /// <summary>Replaces the state file atomically (temp file 0600, fsync, rename; SEC-020).</summary>
    public void Save(IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> entries)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("version", FormatVersion);
            w.WriteStartObject("tools");
            foreach (var (tool, times) in entries)
            {
                if (times.Count == 0) continue;
                w.WriteStartArray(tool);
                foreach (var t in times) w.WriteStringValue(t.ToString("O", CultureInfo.InvariantCulture));
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        var temp = Path.Combine(Path.GetDirectoryName(_path)!, "." + FileName + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
            using (var fs = new FileStream(temp, options))
            {
                fs.Write(buffer.WrittenSpan);
                fs.Flush(flushToDisk: true);
            }
            RefuseLink(_path);
            File.Move(temp, _path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public void Dispose() => _lock.Dispose();

    static FileStream AcquireLock(string lockPath)
    {
        RefuseLink(lockPath);
        // Monotonic: a wall-clock jump back must not stretch the wait (issue 8, clock jumps).
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                var options = new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    // On Unix, FileShare.None is an exclusive flock held for the life of the handle.
                    Share = FileShare.None,
                };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
                var handle = new FileStream(lockPath, options);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(handle.SafeFileHandle, OwnerOnly); // SEC-022: again on every open
                return handle;
            }
            catch (IOException) when (System.Diagnostics.Stopwatch.GetElapsedTime(started) < LockDeadline)
            {
                // Another hook process holds it; it finishes within milliseconds.
                Thread.Sleep(5);
            }
        }
    }

    static Dictionary<string, IReadOnlyList<DateTimeOffset>> Read(string path)
    {
        var result = new Dictionary<string, IReadOnlyList<DateTimeOffset>>(StringComparer.Ordinal);
        RefuseLink(path);
        var info = new FileInfo(path);
        if (!info.Exists) return result;
        if (info.Length > MaxFileBytes) throw new IOException($"{path}: larger than {MaxFileBytes} bytes");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, OwnerOnly);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0) return result;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != FormatVersion
                || !root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Object)
                throw new IOException($"{path}: not a call counter file (version {FormatVersion})");
            foreach (var tool in tools.EnumerateObject())
            {
                if (tool.Value.ValueKind != JsonValueKind.Array) throw new IOException($"{path}: \"{tool.Name}\" is not a list of times");
                var times = new List<DateTimeOffset>(tool.Value.GetArrayLength());
                foreach (var t in tool.Value.EnumerateArray())
                {
                    if (t.ValueKind != JsonValueKind.String
                        || !DateTimeOffset.TryParseExact(t.GetString(), "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
                        throw new IOException($"{path}: invalid time in \"{tool.Name}\"");
                    times.Add(at);
                }
                result[tool.Name] = times;
            }
            return result;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new IOException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>SEC-021: state and lock files must be regular files, never symbolic links or devices.</summary>
    static void RefuseLink(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) throw new IOException($"{path}: refusing a symbolic link");
        var attributes = info.Attributes; // -1 when nothing is there
        if ((int)attributes != -1 && (attributes & (FileAttributes.Device | FileAttributes.Directory)) != 0)
            throw new IOException($"{path}: not a regular file");
    }
}
