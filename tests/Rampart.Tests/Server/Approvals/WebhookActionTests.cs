using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rampart.Tests.Server;

namespace Rampart.Tests.Server.Approvals;

/// <summary>API-026 webhook rules against a real local decision endpoint started by the test.</summary>
public sealed class WebhookActionTests : IAsyncLifetime
{
    WebApplication _hook = null!;
    string _hookUrl = "";
    readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    volatile string _lastPayload = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _hook = builder.Build();
        _hook.MapPost("/allow", async context =>
        {
            _lastPayload = await new StreamReader(context.Request.Body).ReadToEndAsync();
            await context.Response.WriteAsync("""{"decision":" ALLOW "}""");
        });
        _hook.MapPost("/deny", context => context.Response.WriteAsync("""{"decision":"deny","reason":"change freeze"}"""));
        _hook.MapPost("/slow", async context =>
        {
            await _release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await context.Response.WriteAsync("""{"decision":"allow"}""");
        });
        _hook.MapPost("/broken", context => context.Response.WriteAsync("not json"));
        await _hook.StartAsync();
        var address = _hook.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _hookUrl = address.TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _hook.StopAsync();
        await _hook.DisposeAsync();
    }

    string Policy(string path, string timeout, bool failOpen) => $$"""
        version: "1"
        default_action: allow
        policies:
          - name: ask-the-hook
            match:
              tool: exec
            rules:
              - action: webhook
                when:
                  command_matches: ["release *"]
                webhook:
                  url: "{{_hookUrl}}{{path}}"
                  timeout: {{timeout}}
                  fail_open: {{(failOpen ? "true" : "false")}}
        """;

    const string Call = """{"agent":"codex","session":"s1","params":{"command":"release v2"}}""";

    [Fact]
    public async Task Webhook_allow_allows_the_call_and_receives_the_call()
    {
        await using var server = await ServerHarness.StartAsync(Policy("/allow", "2s", failOpen: false));
        var (status, body) = await server.PostAsync("/v1/tool/exec", Call);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("allow", body.GetProperty("decision").GetString());
        Assert.Equal("allowed by webhook", body.GetProperty("message").GetString());
        using var payload = System.Text.Json.JsonDocument.Parse(_lastPayload);
        Assert.Equal("exec", payload.RootElement.GetProperty("tool").GetString());
        Assert.Equal("release v2", payload.RootElement.GetProperty("params").GetProperty("command").GetString());
        Assert.Equal("codex", payload.RootElement.GetProperty("agent").GetString());
        Assert.Equal("ask-the-hook", payload.RootElement.GetProperty("policy").GetString());
    }

    [Fact]
    public async Task Webhook_deny_answers_403_with_its_reason()
    {
        await using var server = await ServerHarness.StartAsync(Policy("/deny", "2s", failOpen: true));
        var (status, body) = await server.PostAsync("/v1/tool/exec", Call);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("deny", body.GetProperty("decision").GetString());
        Assert.Equal("change freeze", body.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(true, HttpStatusCode.OK, "webhook unavailable, failing open: ")]
    [InlineData(false, HttpStatusCode.Forbidden, "webhook unavailable, failing closed: ")]
    public async Task Webhook_timeout_falls_back_to_fail_open(bool failOpen, HttpStatusCode expected, string messagePrefix)
    {
        await using var server = await ServerHarness.StartAsync(Policy("/slow", "300ms", failOpen));
        var (status, body) = await server.PostAsync("/v1/tool/exec", Call);
        Assert.Equal(expected, status);
        Assert.Equal(failOpen ? "allow" : "deny", body.GetProperty("decision").GetString());
        Assert.StartsWith(messagePrefix, body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Invalid_webhook_reply_fails_closed_by_default()
    {
        await using var server = await ServerHarness.StartAsync(Policy("/broken", "2s", failOpen: false));
        var (status, body) = await server.PostAsync("/v1/tool/exec", Call);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.StartsWith("webhook unavailable, failing closed: ", body.GetProperty("message").GetString());
    }
}
