using System.Security.Cryptography;
using System.Text;

namespace Rampart.Core.Audit;

/// <summary>An event fixed into the chain: its hash and the exact line bytes (without the newline).</summary>
public sealed record SealedRecord(AuditEvent Event, string Hash, byte[] Line);

/// <summary>
/// The hash chain (AUD-035): <c>hash = "sha256:" + hex(SHA-256(utf8(prev_hash) ‖ canonical))</c>, where
/// the canonical form is the Go serialisation with <c>"hash":""</c> (AUD-030).
/// </summary>
public static class AuditChain
{
    public const string HashPrefix = "sha256:";

    /// <summary>The canonical bytes of an event: its serialisation with <c>hash</c> empty (AUD-030).</summary>
    public static byte[] Canonical(AuditEvent e)
    {
        var w = new GoJson();
        AuditEventJson.Write(w, e, "");
        return w.ToArray();
    }

    /// <summary>The hash of <paramref name="e"/> as stored (its own <see cref="AuditEvent.PrevHash"/> is part of the payload).</summary>
    public static string ComputeHash(AuditEvent e)
    {
        var w = new GoJson();
        return ComputeHash(w, e);
    }

    internal static string ComputeHash(GoJson scratch, AuditEvent e)
    {
        scratch.Clear();
        AuditEventJson.Write(scratch, e, "");
        return HashPayload(e.PrevHash, scratch.Written);
    }

    internal static string HashPayload(string prevHash, ReadOnlySpan<byte> canonical)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(prevHash));
        sha.AppendData(canonical);
        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        return HashPrefix + Convert.ToHexStringLower(digest);
    }

    /// <summary>
    /// Seals a record whose body (<see cref="AuditEventJson.WriteBody"/>) was encoded in advance: the
    /// same hash and line as <see cref="Seal(AuditEvent, string)"/>, but only the chain fields are
    /// written here. Leaves the line's end (after the body) in <paramref name="tail"/>.
    /// The chain fields are written once: the canonical form ends in <c>"hash":""}</c> (AUD-030) and
    /// the line in <c>"hash":"sha256:…"}</c>, so both share everything up to <c>"hash":</c>; the hash
    /// is plain ASCII, which the Go encoder writes unescaped.
    /// </summary>
    internal static string SealBody(IncrementalHash sha, GoJson tail, ReadOnlySpan<byte> body, string prevHash)
    {
        tail.Clear();
        tail.Key(",\"prev_hash\":"u8);
        tail.String(prevHash);
        tail.Key(",\"hash\":"u8);
        var prevLength = Encoding.UTF8.GetByteCount(prevHash);
        Span<byte> prev = prevLength <= 256 ? stackalloc byte[prevLength] : new byte[prevLength];
        Encoding.UTF8.GetBytes(prevHash, prev);
        sha.AppendData(prev);
        sha.AppendData(body);
        sha.AppendData(tail.Written);
        sha.AppendData("\"\"}"u8);
        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        var hash = HashPrefix + Convert.ToHexStringLower(digest);
        Span<byte> quoted = stackalloc byte[HashPrefix.Length + 64 + 3];
        quoted[0] = (byte)'"';
        Encoding.ASCII.GetBytes(hash, quoted[1..]);
        "\"}"u8.CopyTo(quoted[(1 + hash.Length)..]);
        tail.Raw(quoted);
        return hash;
    }

    /// <summary>"sha256:" + lowercase hex SHA-256 of arbitrary bytes (compaction digests, AUD-025).</summary>
    public static string Digest(ReadOnlySpan<byte> bytes) => HashPrefix + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Links <paramref name="e"/> after <paramref name="prevHash"/>: sets prev_hash, hashes, serialises the line.</summary>
    public static SealedRecord Seal(AuditEvent e, string prevHash)
    {
        var w = new GoJson();
        return Seal(w, e, prevHash);
    }

    internal static SealedRecord Seal(GoJson scratch, AuditEvent e, string prevHash)
    {
        var linked = e.PrevHash == prevHash ? e : e with { PrevHash = prevHash };
        var hash = ComputeHash(scratch, linked);
        scratch.Clear();
        AuditEventJson.Write(scratch, linked, hash);
        return new SealedRecord(linked with { Hash = hash }, hash, scratch.ToArray());
    }

    /// <summary>Whether the stored hash equals the recomputed one, as an exact string (AUD-036).</summary>
    public static bool Verify(AuditEvent e) => string.Equals(ComputeHash(e), e.Hash, StringComparison.Ordinal);

    /// <summary>Parses one stored line and verifies it on its own (AUD-036). False for unparseable lines.</summary>
    public static bool VerifyLine(ReadOnlySpan<byte> line)
    {
        try
        {
            var parsed = AuditEventJson.Parse(line);
            return Verify(parsed.Event);
        }
        catch (AuditFormatException)
        {
            return false;
        }
    }

    /// <summary>Parses one stored line with Go's decoding rules (AUD-036).</summary>
    public static AuditEvent ParseLine(ReadOnlySpan<byte> line) => AuditEventJson.Parse(line).Event;

    /// <summary>The line bytes (no newline) for an event whose hash is already set.</summary>
    public static byte[] Serialize(AuditEvent e)
    {
        var w = new GoJson();
        AuditEventJson.Write(w, e, e.Hash);
        return w.ToArray();
    }
}
