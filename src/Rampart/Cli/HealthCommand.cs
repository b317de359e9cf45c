using System.Text.Json;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart health [--url U]</c>: the health probe of CLI-040 as a command, exit 0 when serve
/// answers. The container image has no curl, so its HEALTHCHECK runs this (issue 5).
/// </summary>
internal static class HealthCommand
{
    const int MaxBodyBytes = 4 * 1024; // SEC-023

    static readonly CliFlag[] Flags = [new("url"), new("timeout"), new("help", IsBool: true, Short: 'h')];

    public static async Task<int> RunAsync(string[] args)
    {
        CliArgs parsed;
        try
        {
            parsed = CliArgs.Parse(args, Flags);
        }
        catch (CliUsageException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        if (parsed.Bool("help"))
        {
            Console.Out.WriteLine("Usage: rampart health [--url http://127.0.0.1:9090] [--timeout 2s]");
            Console.Out.WriteLine("Exit 0 when rampart serve answers /healthz with status ok, 1 otherwise.");
            return 0;
        }
        var url = parsed.String("url") ?? Environment.GetEnvironmentVariable("RAMPART_URL") ?? "http://127.0.0.1:9090";
        var timeout = TimeSpan.FromSeconds(2); // doctor's probe deadline (CLI-040)
        if (parsed.String("timeout") is { Length: > 0 } t && !Rampart.Core.Policies.GoDuration.TryParse(t, out timeout, out var error))
        {
            Console.Error.WriteLine($"health: invalid --timeout \"{t}\": {error}");
            return 2;
        }
        if (!Uri.TryCreate(url.TrimEnd('/') + "/healthz", UriKind.Absolute, out var probe) || probe.Scheme is not ("http" or "https"))
        {
            Console.Error.WriteLine($"health: invalid --url \"{url}\"");
            return 2;
        }
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = timeout };
        try
        {
            using var response = await http.GetAsync(probe, HttpCompletionOption.ResponseHeadersRead);
            var body = new byte[MaxBodyBytes + 1];
            await using var stream = await response.Content.ReadAsStreamAsync();
            var length = 0;
            int n;
            while (length < body.Length && (n = await stream.ReadAsync(body.AsMemory(length))) > 0) length += n;
            if ((int)response.StatusCode != 200 || length > MaxBodyBytes)
            {
                Console.Error.WriteLine($"health: {probe} answered HTTP {(int)response.StatusCode}");
                return 1;
            }
            using var doc = JsonDocument.Parse(body.AsMemory(0, length));
            var root = doc.RootElement;
            var isRampart = root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("service", out var service) && service.ValueEquals("rampart")
                && root.TryGetProperty("status", out var status) && status.ValueEquals("ok");
            if (!isRampart)
            {
                Console.Error.WriteLine($"health: {probe} is not a healthy rampart serve");
                return 1;
            }
            Console.Out.WriteLine("ok");
            return 0;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            Console.Error.WriteLine($"health: {probe} unreachable: {e.Message}");
            return 1;
        }
    }
}
