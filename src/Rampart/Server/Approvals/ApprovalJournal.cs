using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Rampart.Core.Approvals;
using Rampart.Core.Evaluation;
using Rampart.Hosting;

namespace Rampart.Server.Approvals;

/// <summary>
/// The approval journal <c>~/.rampart/pending-approvals.jsonl</c> (API-044): one JSON record per
/// state change, appended and fsynced under the file's cross-process lock before the change is
/// visible, compacted to the live pending set after resolutions, and replayed at start so pending
/// approvals survive a restart.
/// </summary>
internal sealed class ApprovalJournal(string path)
{
    const long MaxJournalBytes = 256L << 20;
    const int MaxLines = 100_000;
    const int MaxLineBytes = 4 << 20;
    const long MaxLiveBytes = 128L << 20;
    static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(5);

    public string FilePath { get; } = path;

    /// <summary>Appends one record durably (fsync; directory fsync when the file is new). Throws <see cref="IOException"/>.</summary>
    public void Append(ApprovalRequest request)
    {
        var line = Encode(request);
        using var held = FileLock.Acquire(FilePath, LockTimeout);
        var info = new FileInfo(FilePath);
        if (info.LinkTarget is not null) throw new IOException($"{FilePath} is a symlink; refusing to write the approval journal through it");
        var created = !info.Exists;
        using (var stream = new FileStream(FilePath, new FileStreamOptions
               {
                   Mode = FileMode.Append,
                   Access = FileAccess.Write,
                   Share = FileShare.ReadWrite,
                   UnixCreateMode = OwnerOnlyFile.OwnerReadWrite,
               }))
        {
            stream.Write(line);
            stream.Flush(flushToDisk: true);
        }
        if (!created) return;
        File.SetUnixFileMode(FilePath, OwnerOnlyFile.OwnerReadWrite);
        // The journal's creation must survive a crash like its lines do (see OwnerOnlyFile.SyncDirectory:
        // this used a File.OpenHandle on the directory, which .NET refuses, so it never synced).
        OwnerOnlyFile.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(FilePath))!);
    }

    /// <summary>
    /// Rewrites the journal to the live pending records (latest record per id, re-read from disk,
    /// not memory), oldest first, via a 0600 temp file and an atomic rename.
    /// </summary>
    public void Compact(DateTimeOffset now)
    {
        using var held = FileLock.Acquire(FilePath, LockTimeout);
        var latest = ReadLatest(out _);
        var live = new List<ApprovalRequest>();
        foreach (var r in latest)
        {
            if (r.IsPending && now <= r.ExpiresAt) live.Add(r);
        }
        var buffer = new ArrayBufferWriter<byte>(4096);
        foreach (var r in live) buffer.Write(Encode(r));
        OwnerOnlyFile.Replace(FilePath, buffer.WrittenSpan);
    }

    /// <summary>
    /// The pending records to restore at start — including those that expired while the service
    /// was down, which the store then expires explicitly (never silently approves). A journal that
    /// breaks a size limit is ignored with <paramref name="warning"/>.
    /// </summary>
    public IReadOnlyList<ApprovalRequest> Restore(out string? warning)
    {
        using var held = FileLock.Acquire(FilePath, LockTimeout);
        var latest = ReadLatest(out warning);
        var pending = new List<ApprovalRequest>();
        foreach (var r in latest)
        {
            if (r.IsPending) pending.Add(r);
        }
        return pending;
    }

    /// <summary>Latest record per id, sorted by created_at then id; malformed lines and lines without id are skipped.</summary>
    List<ApprovalRequest> ReadLatest(out string? warning)
    {
        warning = null;
        var byId = new Dictionary<string, (ApprovalRequest Request, long Bytes)>(StringComparer.Ordinal);
        var info = new FileInfo(FilePath);
        if (!info.Exists) return [];
        if (info.LinkTarget is not null || (info.Attributes & (FileAttributes.Directory | FileAttributes.Device)) != 0)
        {
            warning = $"{FilePath} is not a regular file; ignoring the approval journal";
            return [];
        }
        if (info.Length > MaxJournalBytes)
        {
            warning = $"approval journal exceeds {MaxJournalBytes} bytes; ignoring it";
            return [];
        }
        File.SetUnixFileMode(FilePath, OwnerOnlyFile.OwnerReadWrite);
        var bytes = File.ReadAllBytes(FilePath);
        var lines = 0;
        long liveBytes = 0;
        var rest = bytes.AsSpan();
        while (rest.Length > 0)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (++lines > MaxLines)
            {
                warning = $"approval journal exceeds {MaxLines} lines; ignoring it";
                return [];
            }
            if (line.Length > MaxLineBytes)
            {
                warning = $"approval journal has a line over {MaxLineBytes} bytes; ignoring it";
                return [];
            }
            if (line.Trim((byte)' ').Length == 0) continue;
            if (Decode(line) is not { } request) continue;
            if (byId.TryGetValue(request.Id, out var old) && old.Request.IsPending) liveBytes -= old.Bytes;
            byId[request.Id] = (request, line.Length);
            if (request.IsPending) liveBytes += line.Length;
            if (liveBytes > MaxLiveBytes)
            {
                warning = $"approval journal live state exceeds {MaxLiveBytes} bytes; ignoring it";
                return [];
            }
        }
        var result = new List<ApprovalRequest>(byId.Count);
        foreach (var (request, _) in byId.Values) result.Add(request);
        result.Sort(static (a, b) =>
        {
            var c = a.CreatedAt.CompareTo(b.CreatedAt);
            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
        });
        return result;
    }

    internal static byte[] Encode(ApprovalRequest r)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            var call = r.Call;
            w.WriteStartObject();
            w.WriteString("id", r.Id);
            w.WriteString("tool", call.Tool);
            w.WriteString("agent", call.Agent);
            if (call.AgentDepth != 0) w.WriteNumber("agent_depth", call.AgentDepth);
            Optional(w, "session", call.Session);
            Optional(w, "run_id", call.RunId);
            Optional(w, "tool_call_id", call.ToolCallId);
            Optional(w, "workdir", call.Workdir);
            Optional(w, "command", r.Command);
            if (call.Params.Count > 0)
            {
                w.WritePropertyName("params");
                WriteMap(w, call.Params);
            }
            if (call.Input is { } input)
            {
                w.WritePropertyName("input");
                WriteMap(w, input);
            }
            if (!r.MatchedPolicies.IsDefaultOrEmpty)
            {
                w.WriteStartArray("matched_policies");
                foreach (var p in r.MatchedPolicies) w.WriteStringValue(p);
                w.WriteEndArray();
            }
            Optional(w, "message", r.Message);
            w.WriteString("created_at", FormatTime(r.CreatedAt));
            w.WriteString("expires_at", FormatTime(r.ExpiresAt));
            if (r.ResolvedAt is { } resolved) w.WriteString("resolved_at", FormatTime(resolved));
            Optional(w, "resolved_by", r.ResolvedBy);
            w.WriteString("status", r.IsPending && r.OwnerScope.Length > 0 ? "pending-v2" : r.Status.ToWire());
            if (r.Persisted) w.WriteBoolean("persisted", true);
            Optional(w, "owner_scope", r.OwnerScope);
            Optional(w, "policy_audit_id", r.PolicyAuditId);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    internal static ApprovalRequest? Decode(ReadOnlySpan<byte> line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var id = Str(root, "id");
            if (id.Length == 0) return null;
            var ownerScope = Str(root, "owner_scope");
            ApprovalStatus status;
            switch (Str(root, "status"))
            {
                case "pending" when ownerScope.Length == 0: status = ApprovalStatus.Pending; break;
                // A v2 record without a valid owner scope is not live: it can never be resolved for its owner.
                case "pending-v2" when ApprovalFingerprint.IsOwnerScope(ownerScope): status = ApprovalStatus.Pending; break;
                case "approved": status = ApprovalStatus.Approved; break;
                case "denied": status = ApprovalStatus.Denied; break;
                case "expired": status = ApprovalStatus.Expired; break;
                default: status = ApprovalStatus.Expired; break;
            }
            if (!TryTime(root, "created_at", out var created) || !TryTime(root, "expires_at", out var expires)) return null;
            DateTimeOffset? resolvedAt = TryTime(root, "resolved_at", out var ra) ? ra : null;
            var matched = ImmutableArray.CreateBuilder<string>();
            if (root.TryGetProperty("matched_policies", out var mp) && mp.ValueKind == JsonValueKind.Array)
            {
                foreach (var p in mp.EnumerateArray())
                {
                    if (p.ValueKind == JsonValueKind.String) matched.Add(p.GetString()!);
                }
            }
            var call = new ToolCall
            {
                Tool = Str(root, "tool"),
                Agent = Str(root, "agent"),
                AgentDepth = root.TryGetProperty("agent_depth", out var d) && d.TryGetInt32(out var depth) ? depth : 0,
                Session = Str(root, "session"),
                RunId = Str(root, "run_id"),
                ToolCallId = Str(root, "tool_call_id"),
                Workdir = Str(root, "workdir"),
                Params = Map(root, "params") ?? new Dictionary<string, JsonElement>(StringComparer.Ordinal),
                Input = Map(root, "input"),
                Timestamp = created,
            };
            return new ApprovalRequest
            {
                Id = id,
                Call = call,
                Message = Str(root, "message"),
                MatchedPolicies = matched.ToImmutable(),
                Status = status,
                CreatedAt = created,
                ExpiresAt = expires,
                ResolvedAt = resolvedAt,
                ResolvedBy = Str(root, "resolved_by"),
                Persisted = root.TryGetProperty("persisted", out var pe) && pe.ValueKind == JsonValueKind.True,
                OwnerScope = ownerScope,
                PolicyAuditId = Str(root, "policy_audit_id"),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>RFC 3339 with nanosecond-style fractional digits, UTC.</summary>
    internal static string FormatTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    static bool TryTime(JsonElement root, string name, out DateTimeOffset value)
    {
        value = default;
        return root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out value);
    }

    static string Str(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    static Dictionary<string, JsonElement>? Map(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Object) return null;
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject()) map[p.Name] = p.Value.Clone();
        return map;
    }

    static void Optional(Utf8JsonWriter w, string name, string value)
    {
        if (value.Length > 0) w.WriteString(name, value);
    }

    static void WriteMap(Utf8JsonWriter w, IReadOnlyDictionary<string, JsonElement> map)
    {
        w.WriteStartObject();
        foreach (var (k, v) in map)
        {
            w.WritePropertyName(k);
            v.WriteTo(w);
        }
        w.WriteEndObject();
    }
}
