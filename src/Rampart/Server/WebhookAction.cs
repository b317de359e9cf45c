using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Rampart.Core.Evaluation;
using Rampart.Core.Policies;

namespace Rampart.Server;

/// <summary>
/// A <c>webhook</c> rule's external decision (API-026): POST the call, read <c>{"decision":"allow"|"deny","reason"}</c>.
/// Redirects are not followed, replies over 64 KiB or malformed count as failures, and failures
/// fall back to the rule's <c>fail_open</c>. The URL is never logged (CLI-019).
/// </summary>
internal sealed class WebhookAction : IDisposable
{
    const int MaxReplyBytes = 64 << 10;
    readonly HttpClient _client;
    readonly ILogger _log;

    public WebhookAction(ILogger log)
    {
        _log = log;
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The webhook's verdict as a decision replacing the original (allow or deny).</summary>
    public async Task<Decision> DecideAsync(ToolCall call, Decision decision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var options = decision.Webhook;
        if (options is null) return Fallback(decision, false, "no webhook configured");
        var payload = Payload(call, decision.Policy.Length == 0 ? "unknown" : decision.Policy, now);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.EffectiveTimeout);
        string reason;
        try
        {
            using var content = new ByteArrayContent(payload);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var reply = await _client.PostAsync(options.Url, content, timeout.Token);
            var status = (int)reply.StatusCode;
            if (status is < 200 or > 299)
            {
                reason = $"webhook returned status {status}";
            }
            else
            {
                var body = await ReadBoundedAsync(reply, timeout.Token);
                if (body is null) reason = "webhook reply exceeds 64 KiB";
                else if (TryVerdict(body, out var allow, out var why, out reason))
                {
                    return decision with
                    {
                        Action = allow ? DecisionAction.Allow : DecisionAction.Deny,
                        Message = allow ? "allowed by webhook" : why.Length > 0 ? why : "denied by webhook",
                    };
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            reason = "webhook timed out";
        }
        catch (HttpRequestException e)
        {
            reason = "webhook request failed: " + (e.HttpRequestError.ToString());
        }
        catch (Exception e) when (e is InvalidOperationException or UriFormatException)
        {
            reason = "invalid webhook URL";
        }
        _log.LogWarning("webhook action failed: policy={Policy} reason={Reason} fail_open={FailOpen}", decision.Policy, reason, options.FailOpen);
        return Fallback(decision, options.FailOpen, reason);
    }

    static Decision Fallback(Decision decision, bool failOpen, string reason) => decision with
    {
        Action = failOpen ? DecisionAction.Allow : DecisionAction.Deny,
        Message = failOpen ? "webhook unavailable, failing open: " + reason : "webhook unavailable, failing closed: " + reason,
    };

    static bool TryVerdict(byte[] body, out bool allow, out string reason, out string failure)
    {
        allow = false;
        reason = "";
        failure = "";
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("decision", out var d) || d.ValueKind != JsonValueKind.String)
            {
                failure = "webhook reply has no decision";
                return false;
            }
            switch (d.GetString()!.Trim().ToLowerInvariant())
            {
                case "allow": allow = true; break;
                case "deny": allow = false; break;
                default: failure = "webhook reply has an unknown decision"; return false;
            }
            if (root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String) reason = r.GetString()!;
            return true;
        }
        catch (JsonException)
        {
            failure = "webhook reply is not valid JSON";
            return false;
        }
    }

    static async Task<byte[]?> ReadBoundedAsync(HttpResponseMessage reply, CancellationToken cancellationToken)
    {
        await using var stream = await reply.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxReplyBytes + 1];
        var length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
            if (length > MaxReplyBytes) return null;
        }
        return buffer[..length];
    }

    static byte[] Payload(ToolCall call, string policy, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("tool", call.Tool);
            w.WritePropertyName("params");
            w.WriteStartObject();
            foreach (var (k, v) in call.Params)
            {
                w.WritePropertyName(k);
                v.WriteTo(w);
            }
            w.WriteEndObject();
            w.WriteString("agent", call.Agent);
            w.WriteString("session", call.Session);
            w.WriteString("policy", policy);
            w.WriteString("timestamp", now.ToString("yyyy-MM-dd'T'HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose() => _client.Dispose();
}
