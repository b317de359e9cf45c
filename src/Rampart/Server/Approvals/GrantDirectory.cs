using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Rampart.Core.Approvals;
using Rampart.Hosting;

namespace Rampart.Server.Approvals;

/// <summary>
/// One-shot replay grants on disk, <c>&lt;journal&gt;.approved-once/</c> (API-045): a grant is
/// <c>&lt;key&gt;.json</c> + <c>&lt;key&gt;.ready</c>; consuming it creates <c>&lt;key&gt;.consumed</c>
/// exclusively, so across threads, processes and restarts exactly one retry wins and the tombstone
/// keeps the key from ever being granted again.
/// </summary>
internal sealed class GrantDirectory(string path)
{
    public string DirectoryPath { get; } = path;

    /// <summary>Publishes <paramref name="grant"/>; throws <see cref="IOException"/> when the key was ever granted before.</summary>
    public void Publish(ReplayGrant grant)
    {
        var key = CheckedKey(grant.Fingerprint);
        EnsureDirectory();
        if (File.Exists(Ready(key)) || File.Exists(Consumed(key)))
            throw new IOException("approval: replay grant already published or consumed for this call");
        CreateExclusive(Json(key), Encode(grant));
        CreateExclusive(Ready(key), []);
        OwnerOnlyFile.SyncDirectory(DirectoryPath);
    }

    /// <summary>
    /// Consumes the grant for <paramref name="key"/> if one is ready and unexpired; null otherwise
    /// (none, expired, or another retry won the race). I/O failures other than losing the race throw.
    /// </summary>
    public ReplayGrant? TryConsume(string key, DateTimeOffset now)
    {
        key = CheckedKey(key);
        if (!File.Exists(Ready(key))) return null;
        byte[] data;
        try
        {
            data = File.ReadAllBytes(Json(key));
        }
        catch (FileNotFoundException)
        {
            return null; // consumed and cleaned up between the two checks
        }
        var grant = Decode(data);
        if (grant is null || grant.HasExpired(now)) return null;
        try
        {
            CreateExclusive(Consumed(key), System.Text.Encoding.UTF8.GetBytes(
                now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + "\n"));
        }
        catch (IOException) when (File.Exists(Consumed(key)))
        {
            return null; // lost the race: someone else's retry is the one
        }
        OwnerOnlyFile.SyncDirectory(DirectoryPath);
        TryDelete(Ready(key));
        TryDelete(Json(key));
        // The tombstone stays even when the data is bad: a broken grant authorises nothing.
        var expectedVersion = key.StartsWith("v2-", StringComparison.Ordinal) ? 2 : 1;
        if (grant.Version != expectedVersion || grant.Fingerprint != key || grant.ApprovalId.Length == 0) return null;
        return grant;
    }

    /// <summary>Whether <paramref name="key"/> was already granted (ready or consumed): a restored request for it is dropped (API-044).</summary>
    public bool WasGranted(string key) => File.Exists(Ready(key)) || File.Exists(Consumed(key));

    /// <summary>Removes unconsumed grants whose retry window has passed (tombstones stay).</summary>
    public void PruneExpired(DateTimeOffset now)
    {
        if (!Directory.Exists(DirectoryPath)) return;
        foreach (var ready in Directory.EnumerateFiles(DirectoryPath, "*.ready"))
        {
            var key = Path.GetFileNameWithoutExtension(ready);
            try
            {
                if (Decode(File.ReadAllBytes(Json(key))) is { } g && !g.HasExpired(now)) continue;
            }
            catch (IOException) { }
            TryDelete(ready);
            TryDelete(Json(key));
        }
    }

    void EnsureDirectory()
    {
        var info = new DirectoryInfo(DirectoryPath);
        if (info.Exists && info.LinkTarget is not null) throw new IOException($"{DirectoryPath} is a symlink; refusing to use it");
        Directory.CreateDirectory(DirectoryPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    string Json(string key) => Path.Combine(DirectoryPath, key + ".json");
    string Ready(string key) => Path.Combine(DirectoryPath, key + ".ready");
    string Consumed(string key) => Path.Combine(DirectoryPath, key + ".consumed");

    /// <summary>Keys are hex digests (optionally <c>v2-</c>); anything else could escape the directory.</summary>
    static string CheckedKey(string key)
    {
        var hex = key.StartsWith("v2-", StringComparison.Ordinal) ? key[3..] : key;
        if (hex.Length != 64 || !ApprovalFingerprint.IsOwnerScope(hex)) throw new IOException("approval: malformed replay key");
        return key;
    }

    static void CreateExclusive(string file, ReadOnlySpan<byte> content)
    {
        using var stream = new FileStream(file, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = OwnerOnlyFile.OwnerReadWrite,
        });
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    static void TryDelete(string file)
    {
        try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static byte[] Encode(ReplayGrant g)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("version", g.Version);
            w.WriteString("approval_id", g.ApprovalId);
            w.WriteString("fingerprint", g.Fingerprint);
            w.WriteString("resolved_by", g.ResolvedBy);
            w.WriteString("resolved_at", ApprovalJournal.FormatTime(g.ResolvedAt));
            w.WriteString("expires_at", ApprovalJournal.FormatTime(g.ExpiresAt));
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    static ReplayGrant? Decode(byte[] data)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) return null;
            string S(string n) => r.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            if (!r.TryGetProperty("version", out var ver) || !ver.TryGetInt32(out var version)) return null;
            if (!DateTimeOffset.TryParse(S("resolved_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var resolvedAt)) return null;
            if (!DateTimeOffset.TryParse(S("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiresAt)) return null;
            return new ReplayGrant(version, S("approval_id"), S("fingerprint"), S("resolved_by"), resolvedAt, expiresAt);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
