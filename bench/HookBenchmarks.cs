using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using BenchmarkDotNet.Attributes;

/// <summary>
/// Issue 7: cost of one Claude Code tool call through the command hook (a process per call: start →
/// decision → exit) versus the HTTP hook (<c>POST /v1/hooks/claude-code</c>, no process). Needs a running
/// server: RAMPART_URL (default http://127.0.0.1:9090), RAMPART_TOKEN (eval token), RAMPART_BIN (the AOT
/// binary). Report p50/p99 from the BenchmarkDotNet percentiles columns; target HTTP ≥ 100× faster.
/// </summary>
[MemoryDiagnoser]
public class HookBenchmarks
{
    const string BashEvent = """{"session_id":"bench","cwd":"/tmp","hook_event_name":"PreToolUse","tool_use_id":"toolu_bench","tool_name":"Bash","tool_input":{"command":"git status"}}""";

    string binary = "";
    string url = "";
    string token = "";
    HttpClient http = null!;

    [GlobalSetup]
    public void Setup()
    {
        binary = Environment.GetEnvironmentVariable("RAMPART_BIN") ?? "rampart";
        url = (Environment.GetEnvironmentVariable("RAMPART_URL") ?? "http://127.0.0.1:9090").TrimEnd('/');
        token = Environment.GetEnvironmentVariable("RAMPART_TOKEN") ?? "";
        http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
    }

    [GlobalCleanup]
    public void Cleanup() => http.Dispose();

    /// <summary>One PreToolUse Bash event through <c>rampart hook --remote</c> (process per call).</summary>
    [Benchmark(Baseline = true, Description = "command hook, Bash PreToolUse, 1 call")]
    public async Task<string> CommandHook()
    {
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["hook", "--format", "claude-code", "--remote", "--serve-url", url]) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.StandardInput.WriteAsync(BashEvent);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return await stdout;
    }

    /// <summary>The same event as Claude Code's HTTP hook sends it.</summary>
    [Benchmark(Description = "http hook, Bash PreToolUse, 1 call")]
    public async Task<string> HttpHook()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url + "/v1/hooks/claude-code")
        {
            Content = new StringContent(BashEvent, Encoding.UTF8, "application/json"),
        };
        if (token.Length > 0) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }
}
