using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Rampart.Core.Audit;

/// <summary>A parsed JSONL record: an event, or (when it has no id) possibly a continuation header (AUD-050).</summary>
internal sealed record ParsedRecord(AuditEvent Event, string? ChainContinue, string? PrevFile)
{
    public bool IsEvent => Event.Id.Length > 0;

    /// <summary>A record without id whose <c>chain_continue</c> and <c>prev_file</c> are both strings.</summary>
    public bool IsHeader => !IsEvent && ChainContinue is not null && PrevFile is not null;
}

/// <summary>
/// Canonical serialisation of <see cref="AuditEvent"/> (AUD-030) and its parsing with Go's struct
/// decoding rules (AUD-036): unknown keys dropped, keys matched case-insensitively, a repeated key
/// decodes again into the same field (maps and structs merge, scalars take the last value), null
/// leaves scalars and structs untouched and clears maps, slices and pointers.
/// </summary>
internal static class AuditEventJson
{
    /// <summary>Writes the event; <paramref name="hash"/> replaces <see cref="AuditEvent.Hash"/> (pass "" for the canonical form).</summary>
    public static void Write(GoJson w, AuditEvent e, string hash)
    {
        WriteBody(w, e);
        WriteChainFields(w, e.PrevHash, hash);
    }

    /// <summary>
    /// Everything before <c>,"prev_hash":</c>. The chain fields come last (AUD-030), so this part of
    /// the line does not depend on the chain and can be encoded before the record's place in it is
    /// known (the writer does it on the caller's thread, outside the commit).
    /// </summary>
    public static void WriteBody(GoJson w, AuditEvent e)
    {
        w.Byte((byte)'{');
        if (e.SchemaVersion.Length > 0)
        {
            w.Key("\"schema_version\":"u8);
            w.String(e.SchemaVersion);
            w.Byte((byte)',');
        }
        w.Key("\"id\":"u8);
        w.String(e.Id);
        w.Key(",\"timestamp\":"u8);
        w.String(e.Timestamp.ToString());
        w.Key(",\"agent\":"u8);
        w.String(e.Agent);
        w.Key(",\"session\":"u8);
        w.String(e.Session);
        if (e.Host is { } host)
        {
            w.Key(",\"host\":{\"hostname\":"u8);
            w.String(host.Hostname);
            w.Key(",\"os\":"u8);
            w.String(host.Os);
            w.Key(",\"arch\":"u8);
            w.String(host.Arch);
            w.Byte((byte)'}');
        }
        if (e.RunId.Length > 0)
        {
            w.Key(",\"run_id\":"u8);
            w.String(e.RunId);
        }
        if (e.ToolCallId.Length > 0)
        {
            w.Key(",\"tool_call_id\":"u8);
            w.String(e.ToolCallId);
        }
        if (e.ApprovalOwner is { Kind: AuditValueKind.Object, Members.Length: > 0 } owner)
        {
            w.Key(",\"approval_owner\":"u8);
            w.Value(owner);
        }
        w.Key(",\"tool\":"u8);
        w.String(e.Tool);
        w.Key(",\"request\":"u8);
        WriteMap(w, e.Request, "request");
        w.Key(",\"decision\":"u8);
        WriteDecision(w, e.Decision);
        if (e.Response is { } response)
        {
            w.Key(",\"response\":"u8);
            WriteResponse(w, response);
        }
        if (e.CompactedFields is { Count: > 0 } compacted)
        {
            w.Key(",\"compacted_fields\":{"u8);
            var keys = new List<string>(compacted.Keys);
            keys.Sort(Utf8Order.Instance);
            for (var i = 0; i < keys.Count; i++)
            {
                if (i > 0) w.Byte((byte)',');
                var f = compacted[keys[i]];
                w.String(keys[i]);
                w.Key(":{\"original_json_bytes\":"u8);
                w.Int(f.OriginalJsonBytes);
                w.Key(",\"sha256\":"u8);
                w.String(f.Sha256);
                w.Key(",\"disposition\":"u8);
                w.String(f.Disposition);
                w.Byte((byte)'}');
            }
            w.Byte((byte)'}');
        }
    }

    /// <summary>The end of a line after <see cref="WriteBody"/>: <c>,"prev_hash":…,"hash":…}</c>.</summary>
    public static void WriteChainFields(GoJson w, string prevHash, string hash)
    {
        w.Key(",\"prev_hash\":"u8);
        w.String(prevHash);
        w.Key(",\"hash\":"u8);
        w.String(hash);
        w.Byte((byte)'}');
    }

    public static void WriteMap(GoJson w, AuditValue? map, string field)
    {
        if (map is null || map.IsNull) w.Raw("null"u8);
        else if (map.IsObject) w.Value(map);
        else throw new ArgumentException($"audit field {field} must be a JSON object or null, not {map.Kind}");
    }

    public static void WriteDecision(GoJson w, AuditDecision d)
    {
        w.Key("{\"action\":"u8);
        w.String(d.Action);
        if (!d.MatchedPolicies.IsDefaultOrEmpty)
        {
            w.Key(",\"matched_policies\":"u8);
            WriteStrings(w, d.MatchedPolicies);
        }
        w.Key(",\"evaluation_time_us\":"u8);
        w.Int(d.EvaluationTimeUs);
        if (d.Message.Length > 0)
        {
            w.Key(",\"message\":"u8);
            w.String(d.Message);
        }
        if (!d.Suggestions.IsDefaultOrEmpty)
        {
            w.Key(",\"suggestions\":"u8);
            WriteStrings(w, d.Suggestions);
        }
        w.Byte((byte)'}');
    }

    public static void WriteResponse(GoJson w, AuditResponse r)
    {
        w.Byte((byte)'{');
        if (r.ExitCode is { } code)
        {
            w.Key("\"exit_code\":"u8);
            w.Int(code);
            w.Byte((byte)',');
        }
        w.Key("\"duration_ms\":"u8);
        w.Int(r.DurationMs);
        if (!r.Flags.IsDefaultOrEmpty)
        {
            w.Key(",\"flags\":"u8);
            WriteStrings(w, r.Flags);
        }
        w.Byte((byte)'}');
    }

    public static void WriteStrings(GoJson w, ImmutableArray<string> values)
    {
        w.Byte((byte)'[');
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0) w.Byte((byte)',');
            w.String(values[i] ?? "");
        }
        w.Byte((byte)']');
    }

    // ---- parsing -------------------------------------------------------------------------------

    /// <summary>Parses one JSONL line (without its newline); throws <see cref="AuditFormatException"/>.</summary>
    public static ParsedRecord Parse(ReadOnlySpan<byte> line)
    {
        var r = new GoJsonReader(line);
        if (r.TryReadNull())
        {
            r.ExpectEnd();
            return new ParsedRecord(new AuditEvent(), null, null);
        }
        if (r.Peek() != '{')
        {
            if (r.Peek() == 0) throw new AuditFormatException("unexpected end of JSON input");
            var kind = KindAt(ref r);
            r.SkipValue();
            r.ExpectEnd();
            throw new AuditFormatException($"json: cannot unmarshal {kind} into Go value of type audit.Event");
        }

        string schema = "", id = "", agent = "", session = "", runId = "", toolCallId = "", tool = "", prevHash = "", hash = "";
        string? chainContinue = null, prevFile = null;
        var timestamp = default(AuditTimestamp);
        AuditHost? host = null;
        AuditValue? owner = null, request = null;
        var decision = new AuditDecision();
        AuditResponse? response = null;
        ImmutableSortedDictionary<string, CompactedField>? compacted = null;

        r.BeginObject();
        var first = true;
        while (r.NextKey(ref first, out var key))
        {
            if (Is(key, "schema_version")) ReadString(ref r, ref schema, "Event.schema_version");
            else if (Is(key, "id")) ReadString(ref r, ref id, "Event.id");
            else if (Is(key, "timestamp")) ReadTime(ref r, ref timestamp);
            else if (Is(key, "agent")) ReadString(ref r, ref agent, "Event.agent");
            else if (Is(key, "session")) ReadString(ref r, ref session, "Event.session");
            else if (Is(key, "host")) host = ReadHost(ref r, host);
            else if (Is(key, "run_id")) ReadString(ref r, ref runId, "Event.run_id");
            else if (Is(key, "tool_call_id")) ReadString(ref r, ref toolCallId, "Event.tool_call_id");
            else if (Is(key, "approval_owner")) owner = ReadMap(ref r, owner, "Event.approval_owner");
            else if (Is(key, "tool")) ReadString(ref r, ref tool, "Event.tool");
            else if (Is(key, "request")) request = ReadMap(ref r, request, "Event.request");
            else if (Is(key, "decision")) decision = ReadDecision(ref r, decision);
            else if (Is(key, "response")) response = ReadResponse(ref r, response);
            else if (Is(key, "compacted_fields")) compacted = ReadCompacted(ref r, compacted);
            else if (Is(key, "prev_hash")) ReadString(ref r, ref prevHash, "Event.prev_hash");
            else if (Is(key, "hash")) ReadString(ref r, ref hash, "Event.hash");
            else if (Is(key, "chain_continue")) chainContinue = ReadLooseString(ref r, chainContinue);
            else if (Is(key, "prev_file")) prevFile = ReadLooseString(ref r, prevFile);
            else r.SkipValue();
        }
        r.ExpectEnd();

        var e = new AuditEvent
        {
            SchemaVersion = schema,
            Id = id,
            Timestamp = timestamp,
            Agent = agent,
            Session = session,
            Host = host,
            RunId = runId,
            ToolCallId = toolCallId,
            ApprovalOwner = owner,
            Tool = tool,
            Request = request,
            Decision = decision,
            Response = response,
            CompactedFields = compacted,
            PrevHash = prevHash,
            Hash = hash,
        };
        return new ParsedRecord(e, chainContinue, prevFile);
    }

    public static ParsedRecord Parse(string line) => Parse(Encoding.UTF8.GetBytes(line));

    /// <summary>
    /// Go matches JSON keys to struct fields exactly, else with Unicode simple case folding. Our field
    /// names are ASCII lower case, and the only non-ASCII runes folding onto ASCII letters are
    /// U+212A KELVIN SIGN (k) and U+017F LONG S (s).
    /// </summary>
    internal static bool Is(string key, string field)
    {
        if (key.Length != field.Length) return false;
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            var f = field[i];
            if (c == f) continue;
            if (c is >= 'A' and <= 'Z' && (char)(c + 32) == f) continue;
            if (c == '\u212A' && f == 'k') continue;
            if (c == '\u017F' && f == 's') continue;
            return false;
        }
        return true;
    }

    static string KindAt(ref GoJsonReader r) => r.Peek() switch
    {
        (byte)'{' => "object",
        (byte)'[' => "array",
        (byte)'"' => "string",
        (byte)'t' or (byte)'f' => "bool",
        _ => "number",
    };

    static AuditFormatException TypeError(ref GoJsonReader r, string kind, string field, string type)
    {
        r.SkipValue();
        return new AuditFormatException($"json: cannot unmarshal {kind} into Go struct field {field} of type {type}");
    }

    static void ReadString(ref GoJsonReader r, ref string target, string field)
    {
        if (r.TryReadNull()) return;
        if (r.Peek() != '"') throw TypeError(ref r, KindAt(ref r), field, "string");
        target = r.ReadString();
    }

    // Header keys are not Event fields; a non-string value simply disqualifies the header.
    static string? ReadLooseString(ref GoJsonReader r, string? current)
    {
        if (r.Peek() == '"') return r.ReadString();
        if (r.TryReadNull()) return current;
        r.SkipValue();
        return null;
    }

    static void ReadInt(ref GoJsonReader r, ref long target, string field)
    {
        if (r.TryReadNull()) return;
        var c = r.Peek();
        if (c != '-' && (c < '0' || c > '9')) throw TypeError(ref r, KindAt(ref r), field, "int64");
        var lit = r.ReadNumberLiteral();
        if (!long.TryParse(lit, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw new AuditFormatException($"json: cannot unmarshal number {Encoding.ASCII.GetString(lit)} into Go struct field {field} of type int64");
        target = v;
    }

    static void ReadTime(ref GoJsonReader r, ref AuditTimestamp target)
    {
        if (r.TryReadNull()) return;
        if (r.Peek() != '"')
        {
            r.SkipValue();
            throw new AuditFormatException("Time.UnmarshalJSON: input is not a JSON string");
        }
        var raw = r.ReadRawString();
        if (!AuditTimestamp.TryParse(raw, out var t))
            throw new AuditFormatException($"parsing time \"{Encoding.UTF8.GetString(raw)}\" as RFC 3339: invalid timestamp");
        target = t;
    }

    static ImmutableArray<string> ReadStrings(ref GoJsonReader r, string field)
    {
        if (r.TryReadNull()) return default;
        if (r.Peek() != '[') throw TypeError(ref r, KindAt(ref r), field, "[]string");
        r.BeginArray();
        var list = ImmutableArray.CreateBuilder<string>();
        var first = true;
        while (r.NextItem(ref first))
        {
            var s = "";
            ReadString(ref r, ref s, field);
            list.Add(s);
        }
        return list.ToImmutable();
    }

    static AuditValue? ReadMap(ref GoJsonReader r, AuditValue? existing, string field)
    {
        if (r.TryReadNull()) return null;
        if (r.Peek() != '{') throw TypeError(ref r, KindAt(ref r), field, "map[string]interface {}");
        var value = r.ReadValue();
        if (existing is null || existing.Members.Length == 0) return value;
        // Go decodes a repeated map key into the same map: members merge, later ones win.
        var merged = new List<KeyValuePair<string, AuditValue>>(existing.Members);
        merged.AddRange(value.Members);
        return AuditValue.Object(merged);
    }

    static AuditHost? ReadHost(ref GoJsonReader r, AuditHost? existing)
    {
        if (r.TryReadNull()) return null;
        if (r.Peek() != '{') throw TypeError(ref r, KindAt(ref r), "Event.host", "audit.EventHost");
        string hostname = existing?.Hostname ?? "", os = existing?.Os ?? "", arch = existing?.Arch ?? "";
        r.BeginObject();
        var first = true;
        while (r.NextKey(ref first, out var key))
        {
            if (Is(key, "hostname")) ReadString(ref r, ref hostname, "Event.host.hostname");
            else if (Is(key, "os")) ReadString(ref r, ref os, "Event.host.os");
            else if (Is(key, "arch")) ReadString(ref r, ref arch, "Event.host.arch");
            else r.SkipValue();
        }
        return new AuditHost(hostname, os, arch);
    }

    static AuditDecision ReadDecision(ref GoJsonReader r, AuditDecision d)
    {
        if (r.TryReadNull()) return d;
        if (r.Peek() != '{') throw TypeError(ref r, KindAt(ref r), "Event.decision", "audit.EventDecision");
        string action = d.Action, message = d.Message;
        var matched = d.MatchedPolicies;
        var suggestions = d.Suggestions;
        var us = d.EvaluationTimeUs;
        r.BeginObject();
        var first = true;
        while (r.NextKey(ref first, out var key))
        {
            if (Is(key, "action")) ReadString(ref r, ref action, "EventDecision.decision.action");
            else if (Is(key, "matched_policies")) matched = ReadStrings(ref r, "EventDecision.decision.matched_policies");
            else if (Is(key, "evaluation_time_us")) ReadInt(ref r, ref us, "EventDecision.decision.evaluation_time_us");
            else if (Is(key, "message")) ReadString(ref r, ref message, "EventDecision.decision.message");
            else if (Is(key, "suggestions")) suggestions = ReadStrings(ref r, "EventDecision.decision.suggestions");
            else r.SkipValue();
        }
        return new AuditDecision
        {
            Action = action,
            MatchedPolicies = matched.IsDefault ? [] : matched,
            EvaluationTimeUs = us,
            Message = message,
            Suggestions = suggestions.IsDefault ? [] : suggestions,
        };
    }

    static AuditResponse? ReadResponse(ref GoJsonReader r, AuditResponse? existing)
    {
        if (r.TryReadNull()) return null;
        if (r.Peek() != '{') throw TypeError(ref r, KindAt(ref r), "Event.response", "audit.EventResponse");
        var exit = existing?.ExitCode;
        var duration = existing?.DurationMs ?? 0;
        var flags = existing?.Flags ?? [];
        r.BeginObject();
        var first = true;
        while (r.NextKey(ref first, out var key))
        {
            if (Is(key, "exit_code"))
            {
                if (r.TryReadNull()) exit = null;
                else
                {
                    long v = 0;
                    ReadInt(ref r, ref v, "EventResponse.response.exit_code");
                    exit = v;
                }
            }
            else if (Is(key, "duration_ms")) ReadInt(ref r, ref duration, "EventResponse.response.duration_ms");
            else if (Is(key, "flags")) flags = ReadStrings(ref r, "EventResponse.response.flags");
            else r.SkipValue();
        }
        return new AuditResponse { ExitCode = exit, DurationMs = duration, Flags = flags.IsDefault ? [] : flags };
    }

    static ImmutableSortedDictionary<string, CompactedField>? ReadCompacted(ref GoJsonReader r,
        ImmutableSortedDictionary<string, CompactedField>? existing)
    {
        if (r.TryReadNull()) return null;
        if (r.Peek() != '{') throw TypeError(ref r, KindAt(ref r), "Event.compacted_fields", "map[string]audit.CompactedField");
        var builder = (existing ?? ImmutableSortedDictionary.Create<string, CompactedField>(Utf8Order.Instance)).ToBuilder();
        r.BeginObject();
        var first = true;
        while (r.NextKey(ref first, out var name))
        {
            long bytes = 0;
            string sha = "", disposition = "";
            if (!r.TryReadNull())
            {
                if (r.Peek() != '{') throw TypeError(ref r, KindAt(ref r), "Event.compacted_fields", "audit.CompactedField");
                r.BeginObject();
                var firstField = true;
                while (r.NextKey(ref firstField, out var key))
                {
                    if (Is(key, "original_json_bytes")) ReadInt(ref r, ref bytes, "CompactedField.original_json_bytes");
                    else if (Is(key, "sha256")) ReadString(ref r, ref sha, "CompactedField.sha256");
                    else if (Is(key, "disposition")) ReadString(ref r, ref disposition, "CompactedField.disposition");
                    else r.SkipValue();
                }
            }
            builder[Utf16Text.Scrub(name)] = new CompactedField(bytes, sha, disposition);
        }
        return builder.ToImmutable();
    }
}
