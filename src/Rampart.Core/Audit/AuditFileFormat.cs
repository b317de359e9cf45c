using System.Globalization;
using System.Text;

namespace Rampart.Core.Audit;

/// <summary>The shared chain-state checkpoint <c>.audit-chain-state.json</c> (AUD-051).</summary>
internal sealed record ChainState
{
    public long Version { get; init; } = 1;
    public long EventCount { get; init; }
    public string LastHash { get; init; } = "";
    public string CurrentFile { get; init; } = "";
    public long CurrentSize { get; init; }
    public string LastEventFile { get; init; } = "";
    public long LastEventStart { get; init; }
    public long LastEventSize { get; init; }
}

/// <summary>The diagnostic anchor <c>audit-anchor.json</c> (AUD-052).</summary>
internal sealed record AuditAnchor(string EventId, string Hash, long EventCount, string Timestamp, string File);

/// <summary>Byte formats of the non-event lines and metadata files of an audit directory.</summary>
internal static class AuditFileFormat
{
    /// <summary>Metadata files are bounded like every other read (SEC-023).</summary>
    public const int MaxMetadataBytes = 1 << 20;

    /// <summary>The continuation header line (no newline), exactly these two keys in this order (AUD-050).</summary>
    public static byte[] Header(string chainContinue, string prevFile)
    {
        var w = new GoJson(200);
        w.Key("{\"chain_continue\":"u8);
        w.String(chainContinue);
        w.Key(",\"prev_file\":"u8);
        w.String(prevFile);
        w.Byte((byte)'}');
        return w.ToArray();
    }

    /// <summary>The checkpoint JSON followed by one LF; zero/empty <c>last_event_*</c> keys omitted (AUD-051).</summary>
    public static byte[] Write(ChainState s)
    {
        var w = new GoJson(400);
        w.Key("{\"version\":"u8);
        w.Int(s.Version);
        w.Key(",\"event_count\":"u8);
        w.Int(s.EventCount);
        w.Key(",\"last_hash\":"u8);
        w.String(s.LastHash);
        w.Key(",\"current_file\":"u8);
        w.String(s.CurrentFile);
        w.Key(",\"current_size\":"u8);
        w.Int(s.CurrentSize);
        if (s.LastEventFile.Length > 0)
        {
            w.Key(",\"last_event_file\":"u8);
            w.String(s.LastEventFile);
        }
        if (s.LastEventStart != 0)
        {
            w.Key(",\"last_event_start\":"u8);
            w.Int(s.LastEventStart);
        }
        if (s.LastEventSize != 0)
        {
            w.Key(",\"last_event_size\":"u8);
            w.Int(s.LastEventSize);
        }
        w.Key("}\n"u8);
        return w.ToArray();
    }

    /// <summary>Parses a checkpoint with Go struct rules; null when it is not valid JSON of that shape.</summary>
    public static ChainState? ParseChainState(ReadOnlySpan<byte> text)
    {
        try
        {
            var r = new GoJsonReader(text);
            if (r.Peek() != '{') return null;
            long version = 0, count = 0, size = 0, start = 0, lastSize = 0;
            string hash = "", current = "", lastFile = "";
            r.BeginObject();
            var first = true;
            while (r.NextKey(ref first, out var key))
            {
                if (AuditEventJson.Is(key, "version")) Int(ref r, ref version);
                else if (AuditEventJson.Is(key, "event_count")) Int(ref r, ref count);
                else if (AuditEventJson.Is(key, "last_hash")) Str(ref r, ref hash);
                else if (AuditEventJson.Is(key, "current_file")) Str(ref r, ref current);
                else if (AuditEventJson.Is(key, "current_size")) Int(ref r, ref size);
                else if (AuditEventJson.Is(key, "last_event_file")) Str(ref r, ref lastFile);
                else if (AuditEventJson.Is(key, "last_event_start")) Int(ref r, ref start);
                else if (AuditEventJson.Is(key, "last_event_size")) Int(ref r, ref lastSize);
                else r.SkipValue();
            }
            r.ExpectEnd();
            return new ChainState
            {
                Version = version,
                EventCount = count,
                LastHash = hash,
                CurrentFile = current,
                CurrentSize = size,
                LastEventFile = lastFile,
                LastEventStart = start,
                LastEventSize = lastSize,
            };
        }
        catch (AuditFormatException)
        {
            return null;
        }
    }

    /// <summary>The anchor JSON, compact, no newline (AUD-052).</summary>
    public static byte[] Write(AuditAnchor a)
    {
        var w = new GoJson(300);
        w.Key("{\"event_id\":"u8);
        w.String(a.EventId);
        w.Key(",\"hash\":"u8);
        w.String(a.Hash);
        w.Key(",\"event_count\":"u8);
        w.Int(a.EventCount);
        w.Key(",\"timestamp\":"u8);
        w.String(a.Timestamp);
        w.Key(",\"file\":"u8);
        w.String(a.File);
        w.Byte((byte)'}');
        return w.ToArray();
    }

    /// <summary>Parses an anchor (current or legacy <c>*.anchor.json</c>); throws <see cref="AuditFormatException"/>.</summary>
    public static AuditAnchor ParseAnchor(ReadOnlySpan<byte> text)
    {
        var r = new GoJsonReader(text);
        if (r.Peek() != '{') throw new AuditFormatException("anchor is not a JSON object");
        string id = "", hash = "", ts = "", file = "";
        long count = 0;
        r.BeginObject();
        var first = true;
        while (r.NextKey(ref first, out var key))
        {
            if (AuditEventJson.Is(key, "event_id")) Str(ref r, ref id);
            else if (AuditEventJson.Is(key, "hash")) Str(ref r, ref hash);
            else if (AuditEventJson.Is(key, "event_count")) Int(ref r, ref count);
            else if (AuditEventJson.Is(key, "timestamp")) Str(ref r, ref ts);
            else if (AuditEventJson.Is(key, "file")) Str(ref r, ref file);
            else r.SkipValue();
        }
        r.ExpectEnd();
        return new AuditAnchor(id, hash, count, ts, file);
    }

    static void Int(ref GoJsonReader r, ref long target)
    {
        if (r.TryReadNull()) return;
        var lit = r.ReadNumberLiteral();
        if (!long.TryParse(lit, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out target))
            throw new AuditFormatException("cannot unmarshal number " + Encoding.ASCII.GetString(lit) + " into int64");
    }

    static void Str(ref GoJsonReader r, ref string target)
    {
        if (r.TryReadNull()) return;
        if (r.Peek() != '"') throw new AuditFormatException("expected a JSON string");
        target = r.ReadString();
    }
}
