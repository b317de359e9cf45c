using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
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
    /// <summary>
    /// Longest the committer waits, after a commit of several records, for their writers to come
    /// back before it starts the next fsync (see <see cref="AuditWriter"/>); zero turns gathering off.
    /// It never waits for more than half an fsync, nor when no fsync is done. 300 µs: with 100 µs the
    /// window, not a stall, ended most short gathers at 16 writers (13.2–13.3 records per fsync against
    /// 14.3–14.7 with 300 µs, paired runs under load), and half an fsync is the tighter bound on an idle disk.
    /// </summary>
    public TimeSpan MaxGatherWindow { get; init; } = TimeSpan.FromMicroseconds(300);
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
/// <para>
/// What keeps batches large (issue 4): (1) everything that does not depend on the chain — defaults,
/// redaction, the JSON of the event up to <c>prev_hash</c> — is done on the caller's thread, and so
/// is the hash: the caller seals its record, under a seal lock taken just before the hand-off lock,
/// after the record queued before it (or the committed head), which is the predecessor it gets in
/// the chain unless a commit fails, a record needs compaction or another process appends in between
/// — the commit checks every record's predecessor after its refresh and seals again what no longer
/// follows (chain order stays arrival order). So the hashing of the next batch runs while
/// the current one is fsynced, and the committer only copies and writes; (2) callers hand records
/// to the committer through a monitor it waits on directly, not through a channel whose wake-up is
/// a thread-pool hop; (3) a
/// short gather: when a commit carried several records (or others are already waiting), those
/// writers are typically on their way back with their next record, and starting the next fsync
/// without them splits the writers into groups that alternate between fsyncs (half the batch, twice
/// the latency). The committer then waits, for at most <see cref="AuditWriterOptions.MaxGatherWindow"/>
/// and half an fsync, until as many new records as it just acknowledged have arrived; it stops early
/// when arrivals stall. A writer that is alone never waits, nor does the gather count the record
/// whose anchor is still being written (its writer is answered later). Chain order stays arrival order.
/// </para>
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
    readonly Thread _committer;
    readonly GoJson _scratch = new(8192);
    readonly GoJson _chainFields = new(256);
    readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    readonly ArrayBufferWriter<byte> _segment = new(64 * 1024);
    readonly long _maxGatherTicks;

    // The hand-off: callers add under _gate; the committer swaps the list out.
    readonly object _gate = new();
    List<Pending> _incoming = new(256);
    // The hash the next queued record is sealed after: the last queued record's, or the committed
    // head when nothing is queued (null: unknown until the next Resync). Used only under _sealLock,
    // which is taken before _gate, never inside it.
    readonly object _sealLock = new();
    string? _aheadHead;
    readonly IncrementalHash _sealSha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    readonly GoJson _sealTail = new(256);
    // Set by a commit that chained a record differently from how it was sealed ahead (or failed):
    // only then may the queue behind it not follow the chain (see Resync).
    bool _aheadBroken;
    long _arrivals;
    bool _committerWaiting;
    bool _closed;

    [ThreadStatic] static GoJson? t_body;
    readonly CheckpointSigner? _signer;

    // Committer-thread state.
    ChainTail? _tail;
    SafeFileHandle? _current;
    string _currentName = "";
    // The day in _currentName (AUD-041), parsed once per file instead of once per record (AUD-042 check).
    DateOnly _currentDay;
    FileStatus _currentStatus;
    SafeFileHandle? _lock;
    FileStatus _lockStatus;
    byte[]? _lastCheckpoint;
    SafeFileHandle? _state;
    // The anchor the last batch made due and the record that made it due (AUD-052, see WriteAnchor).
    (AuditAnchor Anchor, Pending Owner)? _dueAnchor;
    Pending? _deferredAck;
    // The inode audit-anchor.json names now, held open so that replacing it does not free it (see InstallAnchor).
    SafeFileHandle? _heldAnchor;
    SideJob? _side;
    FileStatus _stateStatus;
    // Set when this commit's refresh found the checkpoint path still to be the held file (under the
    // lock, so no cooperating writer can have replaced it since): its rewrite needs no second lstat.
    FileStatus? _stateChecked;
    byte[] _stateRead = new byte[512];
    bool _needsFullRecovery;
    readonly List<Truncation> _truncations = [];

    // Commit counters (written by the committer only; see AuditCommitStats).
    long _statCommits, _statRecords, _statFsyncs, _statGathers, _statGathersShort, _statAhead;
    long _ticksRefresh, _ticksWrite, _ticksFsync, _ticksMetadata, _ticksGather, _ticksCheckpoint, _ticksAnchor;
    int _statLargest;
    long _lastFsyncTicks, _arrivalsAtAck;

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
        _maxGatherTicks = (long)(options.MaxGatherWindow.TotalSeconds * Stopwatch.Frequency);
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
        writer._aheadHead = writer._tail?.LastHash;
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

    /// <summary>Group-commit counters since open (batch sizes, where the committer's time goes).</summary>
    internal AuditCommitStats CommitStats => new(
        Volatile.Read(ref _statCommits), Volatile.Read(ref _statRecords), Volatile.Read(ref _statFsyncs),
        Volatile.Read(ref _statLargest), Volatile.Read(ref _statGathers),
        AuditCommitStats.Ticks(Volatile.Read(ref _ticksRefresh)), AuditCommitStats.Ticks(Volatile.Read(ref _ticksWrite)),
        AuditCommitStats.Ticks(Volatile.Read(ref _ticksFsync)), AuditCommitStats.Ticks(Volatile.Read(ref _ticksMetadata)),
        AuditCommitStats.Ticks(Volatile.Read(ref _ticksGather)), AuditCommitStats.Ticks(Volatile.Read(ref _ticksCheckpoint)),
        AuditCommitStats.Ticks(Volatile.Read(ref _ticksAnchor)), Volatile.Read(ref _statGathersShort), Volatile.Read(ref _statAhead));

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
        var prepared = Prepare(e);
        byte[] line;
        int bodyLength;
        try
        {
            (line, bodyLength) = EncodeBody(prepared);
        }
        catch (ArgumentException ex)
        {
            // A malformed event (e.g. a request that is not an object) fails only its caller.
            return ValueTask.FromException<AuditReceipt>(new AuditUnavailableException("audit: " + ex.Message, ex));
        }
        var pending = new Pending(prepared, line, bodyLength);
        // Sealed here, after the record queued before it (see the class comment, (1)); no seal
        // after a record that needs compaction, until the committer's next Resync. The seal lock
        // orders sealing with queueing; the committer's hand-off lock is held only for the add.
        lock (_sealLock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed), this);
            _aheadHead = _aheadHead is { } prev && pending.SealAhead(_sealSha, _sealTail, prev) ? pending.AheadHash : null;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_closed, this);
                _incoming.Add(pending);
                // Written under the gate, read by the gathering committer without it.
                Volatile.Write(ref _arrivals, _arrivals + 1);
                if (_committerWaiting) Monitor.Pulse(_gate);
            }
        }
        if (ct.CanBeCanceled) pending.CancelWaitOn(ct);
        return new(pending.Task);
    }

    /// <summary>
    /// The chain-independent part of the line, encoded on the caller's thread (see the class
    /// comment), in an array with room for the chain fields, which sealing ahead appends in place.
    /// </summary>
    static (byte[] Line, int BodyLength) EncodeBody(AuditEvent e)
    {
        var w = t_body ??= new GoJson(4096);
        w.Clear();
        AuditEventJson.WriteBody(w, e);
        var line = new byte[w.Length + ChainFieldsRoom];
        w.Written.CopyTo(line);
        // A rare huge record must not leave a huge buffer behind on every thread that saw one.
        if (w.Length > 64 * 1024) t_body = null;
        return (line, w.Length);
    }

    // ,"prev_hash":"sha256:<64>","hash":"sha256:<64>"} is 168 bytes; a longer (foreign) prev_hash
    // than that leaves the chain fields to the commit.
    const int ChainFieldsRoom = 168;

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
        var taken = new List<Pending>(256);
        var batch = new List<Pending>(256);
        while (true)
        {
            lock (_gate)
            {
                while (_incoming.Count == 0)
                {
                    if (_closed) return;
                    _committerWaiting = true;
                    Monitor.Wait(_gate);
                    _committerWaiting = false;
                }
                (taken, _incoming) = (_incoming, taken);
            }
            // Arrival order is chain order; MaxBatchRecords only splits it into consecutive commits.
            int acknowledged;
            if (taken.Count <= _options.MaxBatchRecords) acknowledged = Commit(taken);
            else
            {
                acknowledged = 0;
                for (var start = 0; start < taken.Count; start += _options.MaxBatchRecords)
                {
                    batch.Clear();
                    for (var i = start; i < Math.Min(start + _options.MaxBatchRecords, taken.Count); i++) batch.Add(taken[i]);
                    acknowledged = Commit(batch);
                }
                batch.Clear();
            }
            taken.Clear();
            if (_aheadBroken) Resync();
            Gather(acknowledged);
        }
    }

    /// <summary>
    /// After a commit that acknowledged <paramref name="acknowledged"/> records: waits briefly for
    /// that many new arrivals (those writers' next records) so that they share the next fsync with
    /// whoever is already waiting, instead of missing it by microseconds (see the class comment).
    /// Yields while waiting: on a small machine the writers need the CPU to come back.
    /// </summary>
    void Gather(int acknowledged)
    {
        if (_maxGatherTicks <= 0 || !_options.Fsync || _options.MaxBatchRecords < 2 || _lastFsyncTicks <= 0) return;
        var start = Stopwatch.GetTimestamp();
        var seen = Volatile.Read(ref _arrivals);
        var target = _arrivalsAtAck + acknowledged;
        int waiting;
        lock (_gate) waiting = _incoming.Count;
        // A writer alone never waits; nor does a batch that is already full.
        if (seen >= target || acknowledged + waiting < 2 || waiting >= _options.MaxBatchRecords) return;
        var window = Math.Min(_maxGatherTicks, _lastFsyncTicks / 2);
        var stall = window / 2;
        var lastArrival = start;
        var now = start;
        var reached = false;
        while (now - start < window && now - lastArrival < stall)
        {
            Thread.Yield();
            now = Stopwatch.GetTimestamp();
            var arrivals = Volatile.Read(ref _arrivals);
            if (arrivals >= target)
            {
                reached = true;
                break;
            }
            if (arrivals != seen)
            {
                seen = arrivals;
                lastArrival = now;
            }
        }
        if (!reached) _statGathersShort++;
        _statGathers++;
        _ticksGather += Stopwatch.GetTimestamp() - start;
    }

    /// <summary>
    /// After a commit: makes the records still queued follow the chain as it now is. Normally they
    /// already do (each was sealed ahead after its predecessor, and the batch was committed as
    /// sealed) and this only compares hashes; after a failed commit, a record that needed
    /// compaction, or another process's append, the queue is sealed again after the real head, so
    /// the writers' next records continue from it.
    /// </summary>
    void Resync()
    {
        _aheadBroken = false;
        var head = _tail?.LastHash;
        lock (_sealLock)
        lock (_gate)
        {
            foreach (var p in _incoming)
            {
                if (head is null) p.ForgetAhead();
                else if (p.AheadPrev is { } prev && string.Equals(prev, head, StringComparison.Ordinal)) head = p.AheadHash;
                else head = p.SealAhead(_sealSha, _sealTail, head) ? p.AheadHash : null;
            }
            _aheadHead = head;
        }
    }

    /// <summary>Commits one batch; returns how many of its records were acknowledged as durable.</summary>
    int Commit(List<Pending> batch)
    {
        var written = new List<(Pending Pending, AuditReceipt Receipt)>(batch.Count);
        try
        {
            lock (_processLock)
            {
                _dir.Ensure(create: false);
                AcquireLock();
                try
                {
                    var t0 = Stopwatch.GetTimestamp();
                    _stateChecked = null;
                    ApplyTruncations();
                    Refresh();
                    var t1 = Stopwatch.GetTimestamp();
                    var fsyncBefore = _ticksFsync;
                    var now = _clock.GetUtcNow();
                    WriteRecords(batch, now, written);
                    var t2 = Stopwatch.GetTimestamp();
                    WriteMetadata(written, now);
                    var t3 = Stopwatch.GetTimestamp();
                    _ticksRefresh += t1 - t0;
                    _ticksWrite += t2 - t1 - (_ticksFsync - fsyncBefore);
                    _ticksMetadata += t3 - t2;
                }
                finally
                {
                    ReleaseLock();
                }
            }
            Publish();
            _healthy = true;
            _lastError = null;
            Volatile.Write(ref _statCommits, _statCommits + 1);
            Volatile.Write(ref _statRecords, _statRecords + written.Count);
            if (written.Count > _statLargest) Volatile.Write(ref _statLargest, written.Count);
            _arrivalsAtAck = Volatile.Read(ref _arrivals);
            var deferred = _deferredAck;
            _deferredAck = null;
            Acknowledge(written, deferred);
            // The record whose anchor is still being written is not acknowledged yet: its writer
            // cannot be back in time for the next commit, so the gather does not wait for it.
            return deferred is null ? written.Count : written.Count - 1;
        }
        catch (Exception ex)
        {
            _dueAnchor = null;
            _deferredAck = null;
            _aheadBroken = true;
            Publish();
            _needsFullRecovery = true;
            _lastCheckpoint = null;
            _healthy = false;
            _lastError = ex.Message;
            var error = new AuditUnavailableException("audit: write failed: " + ex.Message, ex);
            foreach (var p in batch) p.Fail(error);
            return 0;
        }
    }

    void Acknowledge(List<(Pending Pending, AuditReceipt Receipt)> written, Pending? deferred)
    {
        // One pool hop per waiter (RunContinuationsAsynchronously): a caller's continuation must never
        // run on the committer, which would then wait for whatever that code does (or deadlock on it).
        foreach (var (p, receipt) in written)
            if (!ReferenceEquals(p, deferred)) p.Answer(receipt);
    }

    void Publish()
    {
        if (_tail is not { } t) return;
        Interlocked.Exchange(ref _eventCount, t.EventCount);
        _lastHash = t.LastHash;
    }

    /// <summary>Chains the batch in arrival order; one write + one fsync per file touched.</summary>
    void WriteRecords(List<Pending> batch, DateTimeOffset now, List<(Pending, AuditReceipt)> written)
    {
        var tail = _tail!;
        var head = tail.LastHash;
        var segmentStart = tail.CurrentSize;
        var inSegment = new List<InSegment>(batch.Count);
        var sequence = tail.EventCount;
        AuditAnchor? anchor = null;
        Pending? anchorOwner = null;
        _segment.ResetWrittenCount();

        foreach (var p in batch)
        {
            // The usual record: its body was encoded by the caller and, normally, its chain fields too,
            // after the same predecessor (sealed ahead, see AppendAsync); otherwise they are added here.
            string hash;
            ReadOnlySpan<byte> body = p.Body, end;
            if (p.AheadPrev is { } prev && string.Equals(prev, head, StringComparison.Ordinal))
            {
                hash = p.AheadHash!;
                end = p.AheadEnd;
                _statAhead++;
            }
            else
            {
                hash = AuditChain.SealBody(_sha, _chainFields, p.Body, head);
                end = _chainFields.Written;
                // The records queued behind this one were sealed after another predecessor, or not at all.
                _aheadBroken = true;
            }
            byte[]? line = null;
            if (body.Length + end.Length > AuditCompaction.MaxRecordBytes)
            {
                try
                {
                    var record = AuditCompaction.Seal(_scratch, p.Event, head);
                    (hash, line) = (record.Hash, record.Line);
                }
                catch (AuditRecordTooLargeException ex)
                {
                    // Only this caller fails; it is not an outage of the trail.
                    p.Fail(new AuditUnavailableException(ex.Message, ex));
                    continue;
                }
            }
            var lineLength = line?.Length ?? body.Length + end.Length;
            if (NeedsRotation(segmentStart + _segment.WrittenCount, lineLength + 1, now))
            {
                FlushSegment(segmentStart, inSegment, written);
                Rotate(now);
                segmentStart = _tail!.CurrentSize;
            }
            var offset = segmentStart + _segment.WrittenCount;
            if (line is null)
            {
                _segment.Write(body);
                _segment.Write(end);
            }
            else _segment.Write(line);
            _segment.Write("\n"u8);
            inSegment.Add(new InSegment(p, hash, offset, lineLength + 1));
            head = hash;
            // AUD-052: the chain's count becomes a multiple of 100 (the last such record of the batch wins).
            if (++sequence % 100 == 0)
            {
                anchor = new AuditAnchor(p.Event.Id, hash, sequence, p.Event.Timestamp.ToString(), _currentName);
                anchorOwner = p;
            }
        }
        FlushSegment(segmentStart, inSegment, written);
        if (anchor is not null) _dueAnchor = (anchor, anchorOwner!);
    }

    void FlushSegment(long start, List<InSegment> records, List<(Pending, AuditReceipt)> written)
    {
        if (records.Count == 0) return;
        try
        {
            RandomAccess.Write(_current!, _segment.WrittenSpan, start);
            if (_options.Fsync)
            {
                var t = Stopwatch.GetTimestamp();
                RandomAccess.FlushToDisk(_current!);
                _lastFsyncTicks = Stopwatch.GetTimestamp() - t;
                _ticksFsync += _lastFsyncTicks;
                _statFsyncs++;
            }
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
        foreach (var r in records) written.Add((r.Pending, new AuditReceipt(r.Pending.Event.Id, r.Hash, ++sequence, _currentName)));
        _tail = tail with
        {
            EventCount = sequence,
            LastHash = last.Hash,
            CurrentSize = start + _segment.WrittenCount,
            LastEventFile = _currentName,
            LastEventStart = last.Offset,
            LastEventSize = last.Size,
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
        var fileDay = _currentDay;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        // A clock that went backwards must not create a file that sorts before the current one.
        if (fileDay < today) return true;
        return size > 0 && size + length > _options.MaxFileBytes;
    }

    /// <summary>The file's day; an unparseable name counts as the earliest day, so it is rotated away from.</summary>
    static DateOnly DayOf(string name) => AuditFileNames.TryParse(name, out var day, out _) ? day : default;

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
            _currentDay = DayOf(next);
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
    void WriteMetadata(List<(Pending Pending, AuditReceipt Receipt)> written, DateTimeOffset now)
    {
        var t0 = Stopwatch.GetTimestamp();
        WriteChainState();
        var t1 = Stopwatch.GetTimestamp();
        _ticksCheckpoint += t1 - t0;
        if (_dueAnchor is { } due)
        {
            _dueAnchor = null;
            WriteAnchor(due.Anchor, due.Owner, written);
            _ticksAnchor += Stopwatch.GetTimestamp() - t1;
        }
        if (written.Count > 0) _signer?.Observe(_tail!.EventCount, _tail.LastHash, now);
    }

    /// <summary>
    /// AUD-052, once the log is durable (an anchor must never name a lost event, AUD-082): temp file,
    /// fsync, rename, directory fsync. Durable mode hands this to the side thread and defers only the
    /// acknowledgement of the record that made the anchor due: that append is the one whose step 6
    /// writes the anchor, so it alone waits for it and alone gets its failure (AUD-054 step 7),
    /// while the rest of the batch is acknowledged and the committer goes on with the next batch.
    /// Measured on this ext4/virtio disk, where every fsync — even of a clean file or a directory —
    /// costs a device flush of about a whole log fsync and concurrent fsyncs do not share one, doing
    /// it inline cost the batch one to two serial fsyncs every 100 records (0.2 fsyncs per commit
    /// at 16 writers). Without fsync it stays inline: it is a few syscalls.
    /// </summary>
    void WriteAnchor(AuditAnchor anchor, Pending owner, List<(Pending Pending, AuditReceipt Receipt)> written)
    {
        var content = AuditFileFormat.Write(anchor);
        if (!_options.Fsync)
        {
            Release(InstallAnchor(content, fsync: false));
            return;
        }
        AuditReceipt? found = null;
        foreach (var (p, r) in written)
            if (ReferenceEquals(p, owner)) found = r;
        if (found is not { } receipt) return; // the owner failed on its own (a record too large): nothing to wait for
        _side ??= new SideJob();
        _deferredAck = owner;
        _side.Start(() =>
        {
            SafeFileHandle? replaced;
            try
            {
                replaced = InstallAnchor(content, fsync: true);
            }
            catch (Exception ex)
            {
                _healthy = false;
                _lastError = ex.Message;
                owner.Fail(new AuditUnavailableException("audit: write failed: " + ex.Message, ex));
                return;
            }
            owner.Answer(receipt);
            Release(replaced);
        });
    }

    /// <summary>The last close of a replaced anchor frees its blocks, a journal wait: on a pool thread, off every waiter's path.</summary>
    static void Release(SafeFileHandle? replaced)
    {
        if (replaced is not null) ThreadPool.UnsafeQueueUserWorkItem(static h => h.Dispose(), replaced, preferLocal: false);
    }

    /// <summary>
    /// Writes the anchor through a temp file and renames it over <c>audit-anchor.json</c>. The
    /// replaced inode is held open (<c>_heldAnchor</c>), so the rename only relinks (~30 µs instead of
    /// 1–3 ms here: freeing a file's blocks costs a synchronous device discard on a `discard` mount, or waits for a journal commit); the caller closes
    /// the returned handle (<see cref="Release"/>), which frees it.
    /// </summary>
    SafeFileHandle? InstallAnchor(ReadOnlySpan<byte> content, bool fsync)
    {
        if (_heldAnchor is null)
        {
            // The anchor an earlier process left: held like ours.
            try
            {
                if (UnixFile.LStat(_dir.Combine(AuditFileNames.Anchor)) is { Kind: UnixFileKind.Regular })
                    _heldAnchor = UnixFile.Open(_dir.Combine(AuditFileNames.Anchor), UnixFile.ReadOnly);
            }
            catch (IOException)
            {
                // Only an optimisation: the rename below reports what is wrong with the path.
            }
        }
        var (temp, handle) = _dir.StageReplacementOpen(content, AuditFileNames.AnchorTempPrefix);
        try
        {
            if (fsync) RandomAccess.FlushToDisk(handle);
            _dir.InstallReplacement(temp, AuditFileNames.Anchor, fsync);
        }
        catch
        {
            handle.Dispose();
            try
            {
                _dir.DiscardReplacement(temp);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
            throw;
        }
        var replaced = _heldAnchor;
        _heldAnchor = handle;
        return replaced;
    }

    /// <summary>
    /// AUD-051: created through a temp file, then rewritten in place. The handle stays open between
    /// commits (the path is checked to still be that regular file each time), which saves an open,
    /// chmod and close per commit; it is only truncated when the new content is shorter.
    /// </summary>
    void WriteChainState()
    {
        var bytes = AuditFileFormat.Write(_tail!.ToState());
        var existing = _stateChecked ?? UnixFile.LStat(_dir.Combine(AuditFileNames.ChainState));
        _stateChecked = null;
        _lastCheckpoint = null;
        if (existing is null)
        {
            _dir.ReplaceAtomically(AuditFileNames.ChainState, bytes, ChainStateTempPrefix, fsync: false);
            CloseState();
        }
        else
        {
            if (_state is null || existing is not { Kind: UnixFileKind.Regular } st || !st.IsSameFile(_stateStatus))
            {
                CloseState();
                _state = _dir.OpenExisting(AuditFileNames.ChainState, UnixFile.ReadWrite, out _stateStatus, chmod: true);
                existing = _stateStatus;
            }
            RandomAccess.Write(_state, bytes, 0);
            if (existing.Value.Size > bytes.Length) RandomAccess.SetLength(_state, bytes.Length);
        }
        _lastCheckpoint = bytes;
    }

    /// <summary>Whether the checkpoint is still byte for byte what this writer wrote last (AUD-054 step 1 fast path).</summary>
    bool CheckpointUnchanged()
    {
        if (_lastCheckpoint is not { } last) return false;
        if (_state is null)
        {
            var bytes = _dir.ReadSmall(AuditFileNames.ChainState);
            return bytes is not null && bytes.AsSpan().SequenceEqual(last);
        }
        var st = UnixFile.LStat(_dir.Combine(AuditFileNames.ChainState));
        if (st is not { Kind: UnixFileKind.Regular } current || !current.IsSameFile(_stateStatus) || current.Size != last.Length) return false;
        if (_stateRead.Length < last.Length + 1) _stateRead = new byte[last.Length * 2];
        var n = RandomAccess.Read(_state, _stateRead, 0);
        if (n != last.Length || !_stateRead.AsSpan(0, n).SequenceEqual(last)) return false;
        _stateChecked = current;
        return true;
    }

    void CloseState()
    {
        _state?.Dispose();
        _state = null;
    }

    // ---- state refresh (AUD-054 step 1) ------------------------------------------------------

    void Refresh()
    {
        if (_needsFullRecovery || _tail is null && !_options.StartFromCheckpoint)
        {
            FullRecover();
            return;
        }
        // Fast path: the checkpoint is still exactly what we wrote and our file has not moved.
        if (_tail is not null && CheckpointUnchanged() && CurrentFileUnchanged()) return;
        var bytes = _dir.ReadSmall(AuditFileNames.ChainState);
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
        _currentDay = DayOf(name);
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
        _heldAnchor?.Dispose();
        _heldAnchor = null;
        CloseState();
    }

    /// <summary>Drains the queue (every accepted record is committed), signs a final checkpoint, closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        lock (_gate)
        {
            _closed = true;
            Monitor.Pulse(_gate);
        }
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
        // An anchor still being written finishes (and answers its record) first.
        _side?.Wait();
        _side?.Dispose();
        _sha.Dispose();
        lock (_sealLock) _sealSha.Dispose();
        CloseHandles();
    }

    /// <summary>A queued record: the prepared event and its line up to the chain fields.</summary>
    sealed class Pending(AuditEvent e, byte[] line, int bodyLength) : TaskCompletionSource<AuditReceipt>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        CancellationTokenRegistration _cancel;
        volatile bool _cancellable;

        public AuditEvent Event { get; } = e;
        // The body, followed by room for the chain fields.
        readonly byte[] _line = line;
        public ReadOnlySpan<byte> Body => _line.AsSpan(0, bodyLength);

        // Sealed ahead (under _sealLock, see AppendAsync and Resync; read by the committer once it has
        // taken the record): the predecessor it was sealed after, the hash and the line's end after the body.
        public string? AheadPrev { get; private set; }
        public string? AheadHash { get; private set; }
        int _aheadLength;
        public ReadOnlySpan<byte> AheadEnd => _line.AsSpan(bodyLength, _aheadLength);

        /// <summary>Seals this record after <paramref name="prev"/>; false (nothing kept) when it needs compaction.</summary>
        public bool SealAhead(IncrementalHash sha, GoJson tail, string prev)
        {
            var hash = AuditChain.SealBody(sha, tail, Body, prev);
            if (bodyLength + tail.Length > AuditCompaction.MaxRecordBytes || tail.Length > _line.Length - bodyLength)
            {
                ForgetAhead();
                return false;
            }
            tail.Written.CopyTo(_line.AsSpan(bodyLength));
            _aheadLength = tail.Length;
            AheadHash = hash;
            AheadPrev = prev;
            return true;
        }

        public void ForgetAhead()
        {
            AheadPrev = null;
            AheadHash = null;
            _aheadLength = 0;
        }

        /// <summary>
        /// Cancelling stops the caller's wait, not the write: the record stays queued and is committed;
        /// the committer's later result is then dropped. Registered on the record itself rather than
        /// through <c>Task.WaitAsync</c>, which costs every request a second task and a second
        /// continuation; unregistered once the record is answered, so a long-lived token collects nothing.
        /// </summary>
        public void CancelWaitOn(CancellationToken ct)
        {
            _cancellable = true;
            var registration = ct.UnsafeRegister(static (state, token) => ((Pending)state!).TrySetCanceled(token), this);
            lock (this)
            {
                if (!Task.IsCompleted)
                {
                    _cancel = registration;
                    return;
                }
            }
            registration.Unregister();
        }

        public void Answer(AuditReceipt receipt)
        {
            TrySetResult(receipt);
            Release();
        }

        public void Fail(Exception error)
        {
            TrySetException(error);
            Release();
        }

        void Release()
        {
            // Most records have no token: no lock for them (CancelWaitOn re-checks completion under it).
            if (!_cancellable) return;
            CancellationTokenRegistration registration;
            lock (this)
            {
                registration = _cancel;
                _cancel = default;
            }
            registration.Unregister();
        }
    }

    /// <summary>
    /// The anchor writer's thread (see <see cref="WriteAnchor"/>): runs queued jobs in order, so
    /// anchors are installed in chain order; the committer only waits when several are still
    /// queued (a disk slower than one anchor per 100 records), which bounds the backlog.
    /// </summary>
    sealed class SideJob : IDisposable
    {
        const int MaxQueued = 4;
        readonly Queue<Action> _jobs = new();
        readonly Thread _thread;
        bool _running;
        bool _stopping;

        public SideJob()
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "rampart-audit-side" };
            _thread.Start();
        }

        /// <summary>Queues a job (it must not throw); blocks while <see cref="MaxQueued"/> are waiting.</summary>
        public void Start(Action job)
        {
            lock (_jobs)
            {
                while (_jobs.Count >= MaxQueued) Monitor.Wait(_jobs);
                _jobs.Enqueue(job);
                Monitor.PulseAll(_jobs);
            }
        }

        /// <summary>Waits until every queued job has run.</summary>
        public void Wait()
        {
            lock (_jobs)
                while (_jobs.Count > 0 || _running) Monitor.Wait(_jobs);
        }

        void Run()
        {
            while (true)
            {
                Action job;
                lock (_jobs)
                {
                    while (_jobs.Count == 0)
                    {
                        if (_stopping) return;
                        Monitor.Wait(_jobs);
                    }
                    job = _jobs.Dequeue();
                    _running = true;
                    Monitor.PulseAll(_jobs);
                }
                try
                {
                    job();
                }
                finally
                {
                    lock (_jobs)
                    {
                        _running = false;
                        Monitor.PulseAll(_jobs);
                    }
                }
            }
        }

        /// <summary>Runs what is queued, then stops the thread.</summary>
        public void Dispose()
        {
            lock (_jobs)
            {
                _stopping = true;
                Monitor.PulseAll(_jobs);
            }
            _thread.Join();
        }
    }

    readonly record struct InSegment(Pending Pending, string Hash, long Offset, long Size);

    readonly record struct Truncation(string File, FileStatus Identity, long Size);
}
