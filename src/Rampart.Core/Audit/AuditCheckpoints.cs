using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Rampart.Core.Audit;

/// <summary>When and with which key the writer signs checkpoints (issue 4, beyond upstream).</summary>
public sealed record AuditSigningOptions
{
    /// <summary>PKCS#8 PEM private key (0600); generated on first use, public key written beside it as <c>.pub</c>.</summary>
    public required string KeyPath { get; init; }
    public int EveryRecords { get; init; } = 1000;
    public TimeSpan Every { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>One signed statement: "the trail's first <see cref="Count"/> events end in <see cref="HeadHash"/>".</summary>
public sealed record SignedCheckpoint(long Count, string HeadHash, string Time, string KeyId, string Signature);

/// <summary>What <see cref="AuditCheckpoints.Verify"/> checked.</summary>
public sealed record CheckpointReport(int Checkpoints, long TrailEvents, long LastCheckpointCount);

/// <summary>
/// Signed checkpoints. A hash chain alone shows edits but proves nothing to an outsider (whoever
/// holds the files can rewrite them whole); a checkpoint signed with a key only the service user
/// can read commits the server to a prefix of the trail. ECDSA P-256 with SHA-256 (Ed25519 is not
/// in the .NET BCL), IEEE P1363 signatures in base64, one JSON object per line in
/// <see cref="FileName"/>. Deliberately not <c>*.jsonl</c>: upstream's <c>audit verify</c> would read
/// such a file as an unmanaged chain file (AUD-080) and change its verdict.
/// </summary>
public static class AuditCheckpoints
{
    public const string FileName = "audit-checkpoints.ndjson";
    const string Domain = "rampart-audit-checkpoint-v1";

    /// <summary>The exact bytes that are signed.</summary>
    public static byte[] Message(long count, string headHash, string time) =>
        Encoding.UTF8.GetBytes($"{Domain}\n{count.ToString(CultureInfo.InvariantCulture)}\n{headHash}\n{time}\n");

    /// <summary>"sha256:" + hex of the DER SubjectPublicKeyInfo: names the key without revealing anything.</summary>
    public static string KeyId(ECDsa key) => AuditChain.Digest(key.ExportSubjectPublicKeyInfo());

    internal static byte[] Line(SignedCheckpoint c)
    {
        var w = new GoJson(300);
        w.Key("{\"count\":"u8);
        w.Int(c.Count);
        w.Key(",\"head_hash\":"u8);
        w.String(c.HeadHash);
        w.Key(",\"time\":"u8);
        w.String(c.Time);
        w.Key(",\"key_id\":"u8);
        w.String(c.KeyId);
        w.Key(",\"signature\":"u8);
        w.String(c.Signature);
        w.Key("}\n"u8);
        return w.ToArray();
    }

    internal static SignedCheckpoint ParseLine(ReadOnlySpan<byte> line)
    {
        var r = new GoJsonReader(line);
        long count = -1;
        string head = "", time = "", keyId = "", sig = "";
        r.BeginObject();
        var first = true;
        while (r.NextKey(ref first, out var key))
        {
            switch (key)
            {
                case "count":
                    count = long.Parse(r.ReadNumberLiteral(), NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "head_hash": head = r.ReadString(); break;
                case "time": time = r.ReadString(); break;
                case "key_id": keyId = r.ReadString(); break;
                case "signature": sig = r.ReadString(); break;
                default: r.SkipValue(); break;
            }
        }
        r.ExpectEnd();
        return new SignedCheckpoint(count, head, time, keyId, sig);
    }

    /// <summary>One non-empty line of <see cref="FileName"/>: the checkpoint, or why it could not be parsed.</summary>
    internal readonly record struct FileLine(int Number, SignedCheckpoint? Checkpoint, string? Error);

    /// <summary>
    /// Every non-empty line of <see cref="FileName"/> in order, parsed; null when there is no file.
    /// The verifier fails on an unparseable line, the signer passes over it (a torn final append).
    /// </summary>
    internal static List<FileLine>? ReadFile(AuditDirectory dir)
    {
        if (dir.ReadSmall(FileName, int.MaxValue) is not { } bytes) return null;
        var lines = new List<FileLine>();
        var number = 0;
        foreach (var range in bytes.AsSpan().Split((byte)'\n'))
        {
            number++;
            var line = bytes.AsSpan(range);
            if (line.IsEmpty) continue;
            try
            {
                lines.Add(new FileLine(number, ParseLine(line), null));
            }
            catch (Exception ex) when (ex is AuditFormatException or FormatException or OverflowException)
            {
                lines.Add(new FileLine(number, null, ex.Message));
            }
        }
        return lines;
    }

    /// <summary>
    /// Checks every checkpoint of <paramref name="auditDir"/> against <paramref name="publicKeyPem"/>:
    /// each signature verifies, counts never decrease, and the verified trail's event number
    /// <c>count</c> (1-based, chain order) has exactly the committed head hash — so an edited,
    /// truncated or rewritten trail is detected even when its own chain is consistent.
    /// </summary>
    public static CheckpointReport Verify(string auditDir, string publicKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        var dir = new AuditDirectory(auditDir);
        dir.Ensure(create: false);
        var hashes = new List<string>();
        AuditRecovery.Recover(dir, e => hashes.Add(e.Hash));

        var lines = ReadFile(dir) ?? throw new AuditChainException($"audit: no signed checkpoints ({FileName}) in {auditDir}", FileName, 0);
        var checkedCount = 0;
        long last = 0;
        foreach (var (lineNo, c, error) in lines)
        {
            if (c is null) throw Fail(lineNo, "unreadable checkpoint: " + error);
            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(c.Signature);
            }
            catch (FormatException)
            {
                throw Fail(lineNo, "signature is not base64");
            }
            if (!key.VerifyData(Message(c.Count, c.HeadHash, c.Time), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
                throw Fail(lineNo, "signature does not verify with the given public key");
            if (c.Count < last) throw Fail(lineNo, $"count {c.Count} is lower than the previous checkpoint's {last}");
            if (c.Count > hashes.Count)
                throw Fail(lineNo, $"trail has {hashes.Count} events but the checkpoint commits to {c.Count} (truncated or replaced trail)");
            var actual = c.Count == 0 ? "" : hashes[(int)c.Count - 1];
            if (actual != c.HeadHash)
                throw Fail(lineNo, $"event #{c.Count} has hash {actual} but the checkpoint commits to {c.HeadHash} (rewritten trail)");
            last = c.Count;
            checkedCount++;
        }
        return new CheckpointReport(checkedCount, hashes.Count, last);

        static AuditChainException Fail(int line, string why) =>
            new($"audit: CHECKPOINT MISMATCH at {FileName} line {line}: {why}", FileName, line);
    }
}

/// <summary>The writer side: key loading/creation and appending checkpoints when due.</summary>
internal sealed class CheckpointSigner : IDisposable
{
    readonly AuditSigningOptions _options;
    readonly AuditDirectory _dir;
    readonly bool _fsync;
    readonly ECDsa _key;
    readonly string _keyId;
    long _lastCount = -1;
    DateTimeOffset _lastTime = DateTimeOffset.MinValue;

    public CheckpointSigner(AuditSigningOptions options, AuditDirectory dir, bool fsync)
    {
        _options = options;
        _dir = dir;
        _fsync = fsync;
        _key = LoadOrCreateKey(options.KeyPath);
        _keyId = AuditCheckpoints.KeyId(_key);
    }

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>Appends a checkpoint when enough records or time have passed since the last one.</summary>
    public void Observe(long count, string headHash, DateTimeOffset now, bool force = false)
    {
        if (count == _lastCount) return;
        if (_lastCount < 0)
        {
            // The time cadence starts with this writer; the count cadence continues the file.
            _lastCount = LastSignedCount();
            _lastTime = now;
        }
        if (count == _lastCount) return;
        var due = force || count - _lastCount >= _options.EveryRecords || now - _lastTime >= _options.Every;
        if (!due) return;
        var time = AuditTimestamp.Format(now);
        var sig = _key.SignData(AuditCheckpoints.Message(count, headHash, time), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var line = AuditCheckpoints.Line(new SignedCheckpoint(count, headHash, time, _keyId, Convert.ToBase64String(sig)));
        Append(line);
        _lastCount = count;
        _lastTime = now;
    }

    long LastSignedCount()
    {
        long last = 0;
        foreach (var line in AuditCheckpoints.ReadFile(_dir) ?? [])
            if (line.Checkpoint is { } c) last = c.Count;
        return last;
    }

    void Append(byte[] line)
    {
        var name = AuditCheckpoints.FileName;
        var exists = UnixFile.LStat(_dir.Combine(name)) is not null;
        using var handle = exists
            ? _dir.OpenExisting(name, UnixFile.WriteOnly, out _, chmod: true)
            : _dir.CreateExclusive(name, _fsync);
        var offset = UnixFile.FStat(handle, name).Size;
        RandomAccess.Write(handle, line, offset);
        if (_fsync) RandomAccess.FlushToDisk(handle);
    }

    static ECDsa LoadOrCreateKey(string path)
    {
        var full = Path.GetFullPath(path);
        var keyDir = new AuditDirectory(Path.GetDirectoryName(full)!);
        keyDir.Ensure(create: true);
        var name = Path.GetFileName(full);
        var key = ECDsa.Create();
        try
        {
            var pem = keyDir.ReadSmall(name, 64 * 1024);
            if (pem is not null)
            {
                // SEC-022: owner-only again whenever the key is read.
                using (var h = keyDir.OpenExisting(name, UnixFile.ReadOnly, out _, chmod: true)) { }
                key.ImportFromPem(Encoding.UTF8.GetString(pem));
                return key;
            }
            key.GenerateKey(ECCurve.NamedCurves.nistP256);
            keyDir.ReplaceAtomically(name, Encoding.UTF8.GetBytes(key.ExportPkcs8PrivateKeyPem()), "." + name + ".tmp-", fsync: true);
            keyDir.ReplaceAtomically(name + ".pub", Encoding.UTF8.GetBytes(key.ExportSubjectPublicKeyInfoPem()), "." + name + ".pub.tmp-", fsync: true);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public void Dispose() => _key.Dispose();
}
