using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Rampart.Core.Audit;

namespace Rampart.Bench;

/// <summary>
/// The request's side of a durable decision (issue 4), without the commit: what
/// <c>DecisionRecorder</c> builds for <c>POST /v1/tool/exec</c> <c>git status</c> (request map, ULID,
/// timestamp, decision) and what <see cref="AuditWriter.AppendAsync"/> does on the caller's thread
/// before the hand-off (defaults, redaction AUD-020, the line up to <c>prev_hash</c>). A second case
/// carries a credential, so the sanitiser's regex passes run.
/// </summary>
[MemoryDiagnoser]
public class AuditRecordBenchmarks
{
    static readonly AuditHost Host = new("bench-host", "linux", "amd64");

    Dictionary<string, JsonElement> _plain = null!;
    Dictionary<string, JsonElement> _secret = null!;
    readonly GoJson _body = new(4096);

    [GlobalSetup]
    public void Setup()
    {
        _plain = Params("{\"command\":\"git status\"}");
        _secret = Params("{\"command\":\"curl -H 'Authorization: Bearer abcdefghijklmnop' https://example.com\",\"cwd\":\"/home/dev/repo\"}");
    }

    static Dictionary<string, JsonElement> Params(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    [Benchmark(Baseline = true)]
    public int GitStatus() => Record(_plain, "");

    [Benchmark]
    public int WithCredential() => Record(_secret, "curl with a bearer token");

    int Record(Dictionary<string, JsonElement> map, string message)
    {
        var now = DateTimeOffset.UtcNow;
        // DecisionRecorder.RecordAsync
        var evt = new AuditEvent
        {
            SchemaVersion = AuditEvent.CurrentSchema,
            Id = AuditIds.NewUlid(now),
            Timestamp = AuditTimestamp.FromDateTimeOffset(now),
            Agent = "bench",
            Session = "load",
            Tool = "exec",
            Request = AuditValue.FromJson(map),
            Decision = new AuditDecision
            {
                Action = "allow",
                MatchedPolicies = ["allow-git"],
                EvaluationTimeUs = 1,
                Message = message,
                Suggestions = [],
            },
        };
        // AuditWriter.AppendAsync before the hand-off: Prepare + EncodeBody.
        var prepared = AuditRedactor.Redact(evt with { Host = Host, PrevHash = "", Hash = "" });
        _body.Clear();
        AuditEventJson.WriteBody(_body, prepared);
        return _body.ToArray().Length;
    }
}
