using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Rampart.Tests.Faults;

/// <summary>The HTTP side of <see cref="ServeProcess"/> and <see cref="InProcessServe"/>: one admin client, JSON in and out.</summary>
internal static class FaultHttp
{
    /// <summary>A client for serve on 127.0.0.1:<paramref name="port"/> with the admin token, unlimited connections (load tests).</summary>
    public static HttpClient Client(int port)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServeProcess.Token);
        return http;
    }

    /// <summary>Sends a JSON body and returns the status and parsed body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await ParseAsync(response));
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return (response.StatusCode, await ParseAsync(response));
    }

    static async Task<JsonElement> ParseAsync(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }
}
