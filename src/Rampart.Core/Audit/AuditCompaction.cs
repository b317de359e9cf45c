using System.Collections.Immutable;

namespace Rampart.Core.Audit;

/// <summary>A record that cannot be brought under the size limit (AUD-025 step 9).</summary>
public sealed class AuditRecordTooLargeException()
    : Exception($"audit: record exceeds {AuditCompaction.MaxRecordBytes}-byte limit");

/// <summary>
/// The 2 MiB record limit (AUD-025): an oversized record is compacted step by step on a copy,
/// re-serialised and re-hashed after each step, stopping as soon as its line fits.
/// </summary>
public static class AuditCompaction
{
    public const int MaxRecordBytes = 2 * 1024 * 1024;
    const int MaxRequestJsonBytes = 1024 * 1024;
    const int MaxIdentityScalars = 4096;
    const string TruncatedSuffix = "... [truncated]";

    /// <summary>Seals <paramref name="e"/> after <paramref name="prevHash"/>, compacting it if its line is too long.</summary>
    public static SealedRecord Seal(AuditEvent e, string prevHash) => Seal(new GoJson(), e, prevHash);

    internal static SealedRecord Seal(GoJson scratch, AuditEvent e, string prevHash)
    {
        var sealedRecord = AuditChain.Seal(scratch, e, prevHash);
        if (sealedRecord.Line.Length <= MaxRecordBytes) return sealedRecord;

        var compacted = (e.CompactedFields ?? ImmutableSortedDictionary.Create<string, CompactedField>(Utf8Order.Instance))
            .WithComparers(Utf8Order.Instance).ToBuilder();
        var current = e;
        var requestCompacted = false;

        bool Fits(AuditEvent candidate, out SealedRecord result)
        {
            result = AuditChain.Seal(scratch, candidate with { CompactedFields = compacted.ToImmutable() }, prevHash);
            return result.Line.Length <= MaxRecordBytes;
        }

        // 1. an oversized request is replaced by its size and digest.
        if (current.Request is { IsObject: true } request)
        {
            var json = GoJson.ToBytes(request);
            if (json.Length > MaxRequestJsonBytes)
            {
                current = current with { Request = Placeholder(json) };
                compacted["request"] = Field(json, "replaced");
                requestCompacted = true;
                if (Fits(current, out sealedRecord)) return sealedRecord;
            }
        }

        // 2. suggestions are dropped.
        if (!current.Decision.Suggestions.IsDefaultOrEmpty)
        {
            compacted["decision.suggestions"] = Field(StringsJson(current.Decision.Suggestions), "dropped");
            current = current with { Decision = current.Decision with { Suggestions = [] } };
            if (Fits(current, out sealedRecord)) return sealedRecord;
        }

        // 3. the message keeps its longest prefix (in scalar values) that fits.
        if (current.Decision.Message.Length > 0)
        {
            var message = current.Decision.Message;
            compacted["decision.message"] = Field(GoJson.StringBytes(message), "truncated");
            var scalars = ScalarBoundaries(message);
            int lo = 0, hi = scalars.Count - 1, best = -1;
            SealedRecord? bestRecord = null;
            while (lo <= hi)
            {
                var mid = (lo + hi) / 2;
                var candidate = current with
                {
                    Decision = current.Decision with { Message = message[..scalars[mid]] + TruncatedSuffix },
                };
                if (Fits(candidate, out var r))
                {
                    best = mid;
                    bestRecord = r;
                    lo = mid + 1;
                }
                else hi = mid - 1;
            }
            if (best >= 0)
            {
                return bestRecord!;
            }
            current = current with { Decision = current.Decision with { Message = "" } };
            if (Fits(current, out sealedRecord)) return sealedRecord;
        }

        // 4. the approval owner is replaced like the request.
        if (current.ApprovalOwner is { IsObject: true, Members.Length: > 0 } owner)
        {
            var json = GoJson.ToBytes(owner);
            current = current with { ApprovalOwner = Placeholder(json) };
            compacted["approval_owner"] = Field(json, "replaced");
            if (Fits(current, out sealedRecord)) return sealedRecord;
        }

        // 5. the response is dropped.
        if (current.Response is { } response)
        {
            var w = new GoJson();
            AuditEventJson.WriteResponse(w, response);
            compacted["response"] = Field(w.ToArray(), "dropped");
            current = current with { Response = null };
            if (Fits(current, out sealedRecord)) return sealedRecord;
        }

        // 6. matched policies are dropped.
        if (!current.Decision.MatchedPolicies.IsDefaultOrEmpty)
        {
            compacted["decision.matched_policies"] = Field(StringsJson(current.Decision.MatchedPolicies), "dropped");
            current = current with { Decision = current.Decision with { MatchedPolicies = [] } };
            if (Fits(current, out sealedRecord)) return sealedRecord;
        }

        // 7. a request not yet compacted is replaced whatever its size.
        if (!requestCompacted && current.Request is { IsObject: true, Members.Length: > 0 } rest)
        {
            var json = GoJson.ToBytes(rest);
            current = current with { Request = Placeholder(json) };
            compacted["request"] = Field(json, "replaced");
            if (Fits(current, out sealedRecord)) return sealedRecord;
        }

        // 8. over-long identity strings are truncated.
        current = current with
        {
            Agent = Truncate(current.Agent, "agent"),
            Session = Truncate(current.Session, "session"),
            RunId = Truncate(current.RunId, "run_id"),
            ToolCallId = Truncate(current.ToolCallId, "tool_call_id"),
            Tool = Truncate(current.Tool, "tool"),
        };
        if (Fits(current, out sealedRecord)) return sealedRecord;

        // 9. give up: the caller reports the write as failed.
        throw new AuditRecordTooLargeException();

        string Truncate(string value, string name)
        {
            var bounds = ScalarBoundaries(value);
            if (bounds.Count - 1 <= MaxIdentityScalars) return value;
            compacted[name] = Field(GoJson.StringBytes(value), "truncated");
            return value[..bounds[MaxIdentityScalars]] + TruncatedSuffix;
        }
    }

    static AuditValue Placeholder(byte[] json) =>
        AuditValue.Object([
            new("_rampart_compacted", AuditValue.Object([
                new("original_json_bytes", AuditValue.From(json.Length)),
                new("sha256", AuditValue.From(AuditChain.Digest(json))),
            ])),
        ]);

    static CompactedField Field(byte[] json, string disposition) => new(json.Length, AuditChain.Digest(json), disposition);

    static byte[] StringsJson(ImmutableArray<string> values)
    {
        var w = new GoJson();
        AuditEventJson.WriteStrings(w, values);
        return w.ToArray();
    }

    /// <summary>UTF-16 offsets of every scalar-value boundary: element k is where the k-scalar prefix ends.</summary>
    static List<int> ScalarBoundaries(string s)
    {
        var list = new List<int>(s.Length + 1) { 0 };
        var i = 0;
        while (i < s.Length)
        {
            i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
            list.Add(i);
        }
        return list;
    }
}
