using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Rampart.Core.Audit;

/// <summary>Options of an <see cref="AuditWriter"/>.</summary>
public sealed record AuditWriterOptions
{
    public required string Directory { get; init; }
    /// <summary>fsync every commit (server: always; native hooks: never, AUD-056).</summary>
    public bool Fsync { get; init; } = true;
    /// <summary>Start from the checkpoint instead of a full scan when it validates (native hooks, AUD-056).</summary>
    public bool StartFromCheckpoint { get; init; }
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    /// <summary>Size rotation threshold (AUD-042).</summary>
    public long MaxFileBytes { get; init; } = 100L * 1024 * 1024;
    /// <summary>Upper bound of records per group commit.</summary>
    public int MaxBatchRecords { get; init; } = 4096;
    /// <summary>Redact before hashing (AUD-020); off only for callers that already redacted.</summary>
    public bool Redact { get; init; } = true;
    /// <summary>Host stamped on events that carry none (AUD-014); default: this machine.</summary>
    public AuditHost? Host { get; init; }
    public AuditSigningOptions? Signing { get; init; }
}

/// <summary>Proof that a record is durable: its id (for the decision response), hash, 1-based position and file.</summary>
public sealed record AuditReceipt(string EventId, string Hash, long Sequence, string File);

/// <summary>
/// The audit sink (AUD-050..AUD-055) with group commit: callers' records are queued, and one
/// committer thread chains everything waiting, in arrival order, appends it with one write and
/// makes it durable with one fsync. A caller's task completes only after the fsync that covers its
/// record (durable before visible). Fail closed: if anything before durability fails, every caller
/// of that batch gets <see cref="AuditUnavailableException"/>, the file is truncated back to the
/// last durable offset, the in-memory head does not move, <see cref="IsHealthy"/> turns false, and
/// the next batch starts with a full recovery from disk — so writing resumes by itself once the
/// fault is gone.
/// </summary>
public sealed class AuditWriter : IAsyncDisposable
{
    static readonly ConcurrentDictionary<string, object> ProcessLocks = new(StringComparer.Ordinal);
    const string ChainStateTempPrefix = ".audit-chain-state.json.tmp-";

    readonly AuditWriterOptions _options;
    readonly AuditDirectory _dir;
    readonly TimeProvider _clock;
    readonly AuditHost _host;
    readonly object _processLock;
    readonly Channel<Pending> _queue;
    readonly Thread _committer;
    readonly GoJson _scratch = new(8192);
    readonly ArrayBufferWriter<byte> _segment = new(64 * 1024);
    readonly CheckpointSigner? _signer;

    // Committer-thread state.
    ChainTail? _tail;
    SafeFileHandle? _current;
    string _currentName = "";
    FileStatus _currentStatus;
    SafeFileHandle? _lock;
    FileStatus _lockStatus;
    byte[]? _lastCheckpoint;
    bool _needsFullRecovery;
    readonly List<Truncation> _truncations = [];

    // Published state.
    volatile bool _healthy = true;
    volatile string? _lastError;
    long _eventCount;
    volatile string _lastHash = "";
    int _disposed;

    AuditWriter(AuditWriterOptions options)
    {
        _options = options;
        _dir = new AuditDirectory(Path.GetFullPath(options.Directory));
        _clock = options.Clock;
        _host = options.Host ?? AuditHostInfo.Current;
        _processLock = ProcessLocks.GetOrAdd(_dir.Path, static _ => new object());
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(65536)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        if (options.Signing is { } signing) _signer = new CheckpointSigner(signing, _dir, options.Fsync);
        _committer = new Thread(Run) { IsBackground = true, Name = "rampart-audit-commit" };
    }

    /// <summary>
    /// Opens (creating 0700 if missing) and recovers the trail (AUD-070). Throws
    /// <see cref="AuditUnavailableException"/> <c>audit: recover chain state: …</c> when the trail is
    /// damaged: a damaged trail is never silently extended.
    /// </summary>
    public static AuditWriter Open(AuditWriterOptions options)
    {
        var writer = new AuditWriter(options);
        try
        {
            lock (writer._processLock)
            {
                writer._dir.Ensure(create: true);
                writer.AcquireLock();
                try
                {
                    if (options.StartFromCheckpoint) writer.Refresh();
                    else writer.FullRecover();
                    writer.WriteChainState();
                }
                finally
                {
                    writer.ReleaseLock();
                }
            }
        }
        catch (Exception ex) when (ex is AuditChainException or IOException or UnauthorizedAccessException)
        {
            writer.CloseHandles();
            writer._signer?.Dispose();
            throw new AuditUnavailableException("audit: recover chain state: " + ex.Message, ex);
        }
        writer.Publish();
        writer._committer.Start();
        return writer;
    }

    /// <summary>False after a failed commit until a later one succeeds (for <c>/healthz</c>, <c>/v1/status</c>).</summary>
    public bool IsHealthy => _healthy;

    /// <summary>The last failure, or null when healthy.</summary>
    public string? LastError => _lastError;

    /// <summary>Durable events in the chain.</summary>
    public long EventCount => Interlocked.Read(ref _eventCount);

    /// <summary>Hash of the last durable event ("" for an empty trail).</summary>
    public string LastHash => _lastHash;

    public string DirectoryPath => _dir.Path;

    /// <summary>The signing public key (PEM) when signed checkpoints are on.</summary>
    public string? CheckpointPublicKeyPem => _signer?.PublicKeyPem;

    /// <summary>
    /// Appends one event: defaults (AUD-014) and redaction (AUD-020) here, then chaining, write and
    /// fsync in the next group commit. Completes after the record is durable; throws
    /// <see cref="AuditUnavailableException"/> when it could not be made durable. Cancelling stops
    /// the wait, not the write: a queued record is still committed.
    /// </summary>
    public ValueTask<AuditReceipt> AppendAsync(AuditEvent e, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var pending = new Pending(Prepare(e));
        if (_queue.Writer.TryWrite(pending)) return Await(pending, ct);
        return EnqueueSlow(pending, ct);
    }

    async ValueTask<AuditReceipt> EnqueueSlow(Pending pending, CancellationToken ct)
    {
        try
        {
            await _queue.Writer.WriteAsync(pending, ct).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(AuditWriter));
        }
        return await Await(pending, ct).ConfigureAwait(false);
    }

    static ValueTask<AuditReceipt> Await(Pending pending, CancellationToken ct) =>
        new(ct.CanBeCanceled ? pending.Task.WaitAsync(ct) : pending.Task);

    AuditEvent Prepare(AuditEvent e)
    {
        var now = _clock.GetUtcNow();
        var prepared = e with
        {
            SchemaVersion = string.IsNullOrWhiteSpace(e.SchemaVersion) ? AuditEvent.CurrentSchema : e.SchemaVersion,
            Id = e.Id.Length == 0 ? AuditIds.NewUlid(now) : e.Id,
            Timestamp = e.Timestamp.IsZero ? AuditTimestamp.FromDateTimeOffset(now) : e.Timestamp,
            Host = Complete(e.Host),
            PrevHash = "",
            Hash = "",
        };
        return _options.Redact ? AuditRedactor.Redact(prepared) : prepared;
    }

    AuditHost Complete(AuditHost? host)
    {
        if (host is null) return _host;
        if (host.Hostname.Length > 0 && host.Os.Length > 0 && host.Arch.Length > 0) return host;
        return new AuditHost(host.Hostname.Length > 0 ? host.Hostname : _host.Hostname,
            host.Os.Length > 0 ? host.Os : _host.Os, host.Arch.Length > 0 ? host.Arch : _host.Arch);
    }

    // ---- the committer -----------------------------------------------------------------------

    void Run()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(256);
        while (true)
        {
            if (!reader.TryRead(out var first))
            {
                if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) break;
                continue;
            }
            batch.Add(first);
            while (batch.Count < _options.MaxBatchRecords && reader.TryRead(out var next)) batch.Add(next);
            Commit(batch);
            batch.Clear();
        }
    }

    void Commit(List<Pending> batch)
    {
        var written = new List<(Pending Pending, AuditReceipt Receipt, AuditEvent Event)>(batch.Count);
        try
        {
            lock (_processLock)
            {
                _dir.Ensure(create: false);
                AcquireLock();
                try
                {
                    ApplyTruncations();
                    Refresh();
                    var now = _clock.GetUtcNow();
                    WriteRecords(batch, now, written);
                    WriteMetadata(written, now);
                }
                finally
                {
                    ReleaseLock();
                }
            }
            Publish();
            _healthy = true;
            _lastError = null;
            foreach (var (p, receipt, _) in written) p.TrySetResult(receipt);
        }
        catch (Exception ex)
        {
            Publish();
            _needsFullRecovery = true;
            _lastCheckpoint = null;
            _healthy = false;
            _lastError = ex.Message;
            var error = new AuditUnavailableException("audit: write failed: " + ex.Message, ex);
            foreach (var p in batch) p.TrySetException(error);
        }
    }

    void Publish()
    {
        if (_tail is not { } t) return;
        Interlocked.Exchange(ref _eventCount, t.EventCount);
        _lastHash = t.LastHash;
    }

    /// <summary>Chains the batch in arrival order; one write + one fsync per file touched.</summary>
    void WriteRecords(List<Pending> batch, DateTimeOffset now, List<(Pending, AuditReceipt, AuditEvent)> written)
    {
        var tail = _tail!;
        var head = tail.LastHash;
        var segmentStart = tail.CurrentSize;
        var inSegment = new List<(Pending Pending, SealedRecord Record, long Offset)>();
        _segment.ResetWrittenCount();

        foreach (var p in batch)
        {
            SealedRecord record;
            try
            {
                record = AuditCompaction.Seal(_scratch, p.Event, head);
            }
            catch (AuditRecordTooLargeException ex)
            {
                // Only this caller fails; it is not an outage of the trail.
                p.TrySetException(new AuditUnavailableException(ex.Message, ex));
                continue;
            }
            long length = record.Line.Length + 1;
            if (NeedsRotation(segmentStart + _segment.WrittenCount, length, now))
            {
                FlushSegment(segmentStart, inSegment, written);
                Rotate(now);
                segmentStart = _tail!.CurrentSize;
            }
            var offset = segmentStart + _segment.WrittenCount;
            _segment.Write(record.Line);
            _segment.Write("\n"u8);
            inSegment.Add((p, record, offset));
            head = record.Hash;
        }
        FlushSegment(segmentStart, inSegment, written);
    }

    void FlushSegment(long start, List<(Pending Pending, SealedRecord Record, long Offset)> records,
        List<(Pending, AuditReceipt, AuditEvent)> written)
    {
        if (records.Count == 0) return;
        try
        {
            RandomAccess.Write(_current!, _segment.WrittenSpan, start);
            if (_options.Fsync) RandomAccess.FlushToDisk(_current!);
        }
        catch
        {
            // A partial write must not stay behind: cut the file back to the last durable offset.
            TruncateBack(_current!, _currentName, _currentStatus, start);
            throw;
        }
        var tail = _tail!;
        var last = records[^1];
        var sequence = tail.EventCount;
        foreach (var (p, r, _) in records) written.Add((p, new AuditReceipt(r.Event.Id, r.Hash, ++sequence, _currentName), r.Event));
        _tail = tail with
        {
            EventCount = sequence,
            LastHash = last.Record.Hash,
            CurrentSize = start + _segment.WrittenCount,
            LastEventFile = _currentName,
            LastEventStart = last.Offset,
            LastEventSize = last.Record.Line.Length + 1,
        };
        records.Clear();
        _segment.ResetWrittenCount();
    }

    void TruncateBack(SafeFileHandle handle, string name, FileStatus identity, long size)
    {
        try
        {
            RandomAccess.SetLength(handle, size);
            if (_options.Fsync) RandomAccess.FlushToDisk(handle);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _truncations.Add(new Truncation(name, identity, size));
        }
    }

    /// <summary>Truncations that failed earlier are retried before anything else is written.</summary>
    void ApplyTruncations()
    {
        for (var i = _truncations.Count - 1; i >= 0; i--)
        {
            var t = _truncations[i];
            var st = UnixFile.LStat(_dir.Combine(t.File));
            if (st is null || !st.Value.IsSameFile(t.Identity))
            {
                _truncations.RemoveAt(i); // the file is gone: nothing left to cut
                continue;
            }
            using var handle = _dir.OpenExisting(t.File, UnixFile.WriteOnly, out _, chmod: true);
            if (UnixFile.FStat(handle, t.File).Size > t.Size)
            {
                RandomAccess.SetLength(handle, t.Size);
                if (_options.Fsync) RandomAccess.FlushToDisk(handle);
            }
            _truncations.RemoveAt(i);
        }
    }

    /// <summary>AUD-042: rotate on size (non-empty file) or when the file is not today's.</summary>
    bool NeedsRotation(long size, long length, DateTimeOffset now)
    {
        AuditFileNames.TryParse(_currentName, out var fileDay, out _);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        // A clock that went backwards must not create a file that sorts before the current one.
        if (fileDay < today) return true;
        return size > 0 && size + length > _options.MaxFileBytes;
    }

    void Rotate(DateTimeOffset now)
    {
        AuditFileNames.TryParse(_currentName, out var fileDay, out _);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        string next;
        if (fileDay < today) next = AuditFileNames.ForDay(today);
        else
        {
            var n = 1;
            while (UnixFile.LStat(_dir.Combine(AuditFileNames.ForPart(fileDay, n))) is not null) n++;
            next = AuditFileNames.ForPart(fileDay, n);
        }
        var header = AuditFileFormat.Header(_tail!.LastHash, _currentName);
        var handle = _dir.CreateExclusive(next, fsync: false);
        try
        {
            var bytes = new byte[header.Length + 1];
            header.CopyTo(bytes, 0);
            bytes[^1] = (byte)'\n';
            RandomAccess.Write(handle, bytes, 0);
            if (_options.Fsync)
            {
                RandomAccess.FlushToDisk(handle);
                UnixFile.FsyncDirectory(_dir.Path);
            }
            var status = UnixFile.FStat(handle, next);
            _current?.Dispose();
            _current = handle;
            _currentName = next;
            _currentStatus = status;
            _tail = _tail with { CurrentFile = next, CurrentSize = bytes.Length };
        }
        catch
        {
            handle.Dispose();
            // The header is not durable: the file must not stay (it would end the chain in a torn line).
            try
            {
                File.Delete(_dir.Combine(next));
            }
            catch (IOException)
            {
            }
            throw;
        }
    }

    /// <summary>After durability: checkpoint (AUD-051), anchor (AUD-052), signed checkpoint.</summary>
    void WriteMetadata(List<(Pending Pending, AuditReceipt Receipt, AuditEvent Event)> written, DateTimeOffset now)
    {
        WriteChainState();
        for (var i = written.Count - 1; i >= 0; i--)
        {
            var (_, receipt, e) = written[i];
            if (receipt.Sequence % 100 != 0) continue;
            var anchor = new AuditAnchor(receipt.EventId, receipt.Hash, receipt.Sequence, e.Timestamp.ToString(), receipt.File);
            _dir.ReplaceAtomically(AuditFileNames.Anchor, AuditFileFormat.Write(anchor), AuditFileNames.AnchorTempPrefix, _options.Fsync);
            break;
        }
        if (written.Count > 0) _signer?.Observe(_tail!.EventCount, _tail.LastHash, now);
    }

    void WriteChainState()
    {
        var bytes = AuditFileFormat.Write(_tail!.ToState());
        var existing = UnixFile.LStat(_dir.Combine(AuditFileNames.ChainState));
        if (existing is null) _dir.ReplaceAtomically(AuditFileNames.ChainState, bytes, ChainStateTempPrefix, fsync: false);
        else _dir.RewriteInPlace(AuditFileNames.ChainState, bytes);
        _lastCheckpoint = bytes;
    }

    // ---- state refresh (AUD-054 step 1) ------------------------------------------------------

    void Refresh()
    {
        if (_needsFullRecovery || _tail is null && !_options.StartFromCheckpoint)
        {
            FullRecover();
            return;
        }
        var bytes = _dir.ReadSmall(AuditFileNames.ChainState);
        // Fast path: the checkpoint is still exactly what we wrote and our file has not moved.
        if (_tail is not null && bytes is not null && _lastCheckpoint is not null &&
            bytes.AsSpan().SequenceEqual(_lastCheckpoint) && CurrentFileUnchanged())
            return;
        var state = bytes is null ? null : AuditFileFormat.ParseChainState(bytes);
        var adopted = state is null ? null : ChainStateCheck.TryAdopt(_dir, state);
        if (adopted is null)
        {
            FullRecover();
            return;
        }
        _tail = adopted;
        OpenCurrent();
    }

    bool CurrentFileUnchanged()
    {
        if (_current is null || _tail is null || _currentName != _tail.CurrentFile) return false;
        var st = UnixFile.LStat(_dir.Combine(_currentName));
        if (st is not { Kind: UnixFileKind.Regular } || !st.Value.IsSameFile(_currentStatus)) return false;
        return UnixFile.FStat(_current, _currentName).Size == _tail.CurrentSize;
    }

    void FullRecover()
    {
        _tail = AuditRecovery.Recover(_dir);
        _needsFullRecovery = false;
        OpenCurrent();
    }

    /// <summary>Opens the file the chain continues in, creating today's first file in an empty directory.</summary>
    void OpenCurrent()
    {
        var tail = _tail!;
        if (tail.CurrentFile.Length == 0)
        {
            var name = AuditFileNames.ForDay(DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime));
            var created = _dir.CreateExclusive(name, _options.Fsync);
            SetCurrent(created, name);
            _tail = tail with { CurrentFile = name, CurrentSize = 0 };
            return;
        }
        if (_current is not null && _currentName == tail.CurrentFile && CurrentFileUnchanged()) return;
        var handle = _dir.OpenExisting(tail.CurrentFile, UnixFile.WriteOnly, out _, chmod: true);
        SetCurrent(handle, tail.CurrentFile);
        var size = _currentStatus.Size;
        if (size != tail.CurrentSize)
            throw new AuditChainException($"audit file {tail.CurrentFile} is {size} bytes, expected {tail.CurrentSize}", tail.CurrentFile, 0);
    }

    void SetCurrent(SafeFileHandle handle, string name)
    {
        if (!ReferenceEquals(_current, handle)) _current?.Dispose();
        _current = handle;
        _currentName = name;
        _currentStatus = UnixFile.FStat(handle, name);
    }

    // ---- the writer lock (AUD-053) ------------------------------------------------------------

    void AcquireLock()
    {
        var path = _dir.Combine(AuditFileNames.Lock);
        var before = UnixFile.LStat(path);
        if (_lock is null || before is null || !before.Value.IsSameFile(_lockStatus))
        {
            _lock?.Dispose();
            _lock = null;
            if (before is null)
            {
                try
                {
                    _lock = _dir.CreateExclusive(AuditFileNames.Lock, fsync: false);
                }
                catch (IOException) when (UnixFile.LStat(path) is not null)
                {
                    // Another writer created it first; open theirs.
                }
            }
            _lock ??= _dir.OpenExisting(AuditFileNames.Lock, UnixFile.ReadWrite, out _, chmod: true);
            _lockStatus = UnixFile.FStat(_lock, path);
        }
        UnixFile.LockExclusiveBlocking(_lock, path);
        var after = UnixFile.LStat(path);
        if (after is not { Kind: UnixFileKind.Regular } || !after.Value.IsSameFile(_lockStatus))
        {
            UnixFile.Unlock(_lock, path);
            throw new IOException($"lock file {path} was replaced while locking");
        }
    }

    void ReleaseLock()
    {
        if (_lock is not null) UnixFile.Unlock(_lock, AuditFileNames.Lock);
    }

    void CloseHandles()
    {
        _current?.Dispose();
        _current = null;
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>Drains the queue (every accepted record is committed), signs a final checkpoint, closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        if (_committer.IsAlive) await Task.Run(_committer.Join).ConfigureAwait(false);
        if (_signer is not null && _tail is { EventCount: > 0 } tail && _healthy)
        {
            try
            {
                lock (_processLock) _signer.Observe(tail.EventCount, tail.LastHash, _clock.GetUtcNow(), force: true);
            }
            catch (IOException)
            {
            }
        }
        _signer?.Dispose();
        CloseHandles();
    }

    sealed class Pending(AuditEvent e) : TaskCompletionSource<AuditReceipt>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public AuditEvent Event { get; } = e;
    }

    readonly record struct Truncation(string File, FileStatus Identity, long Size);
}
