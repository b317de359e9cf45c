using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Rampart.Tests.Faults;

/// <summary>
/// Background clients posting decisions until stopped: <c>git status</c> (allowed) and
/// <c>rm -rf …</c> (denied by every policy the fault tests load). Keeps the ids of every decision
/// that came back, and every status that was not 200/403.
/// </summary>
public sealed class DecisionLoad : IAsyncDisposable
{
    readonly Task[] _loops;
    volatile bool _stopping;

    public DecisionLoad(HttpClient http, int clients)
    {
        _loops = new Task[clients];
        for (var c = 0; c < clients; c++)
        {
            var client = c;
            _loops[c] = Task.Run(() => LoopAsync(http, client));
        }
    }

    public ConcurrentDictionary<string, byte> Received { get; } = new(StringComparer.Ordinal);
    public ConcurrentQueue<string> Unexpected { get; } = new();
    /// <summary>Allowed calls that came back denied or denied calls that came back allowed.</summary>
    public ConcurrentQueue<string> WrongDecisions { get; } = new();

    /// <summary>Requests are never cancelled: stopping lets each loop finish its request in flight, so every record has its answer.</summary>
    async Task LoopAsync(HttpClient http, int client)
    {
        for (var i = 0; !_stopping; i++)
        {
            var deny = i % 2 == 1;
            var command = deny ? "rm -rf /tmp/build" : "git status";
            var json = $$"""{"agent":"load-{{client}}","session":"s{{i}}","command":"{{command}}"}""";
            try
            {
                using var response = await http.PostAsync("/v1/tool/exec", new StringContent(json, Encoding.UTF8, "application/json"));
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Forbidden))
                {
                    Unexpected.Enqueue($"{(int)response.StatusCode}: {text}");
                    continue;
                }
                if ((response.StatusCode == HttpStatusCode.Forbidden) != deny) WrongDecisions.Enqueue($"{command} → {(int)response.StatusCode}");
                using var doc = JsonDocument.Parse(text);
                Received[doc.RootElement.GetProperty("audit_id").GetString()!] = 0;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                Unexpected.Enqueue(e.GetType().Name + ": " + e.Message);
            }
        }
    }

    /// <summary>Waits until at least <paramref name="more"/> further decisions arrived (deadline 30 s).</summary>
    public async Task<bool> WaitForMoreAsync(int more)
    {
        var target = Received.Count + more;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Received.Count < target && DateTime.UtcNow < deadline) await Task.Delay(10);
        return Received.Count >= target;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        await Task.WhenAll(_loops);
    }
}
