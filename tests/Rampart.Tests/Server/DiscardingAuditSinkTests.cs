using System.Net;
using Rampart.Cli;
using Rampart.Server;

namespace Rampart.Tests.Server;

/// <summary>
/// The benchmark-only audit seam (issue 3, "ratio without audit"): the same server pipeline with
/// records discarded, never reachable from the shipped CLI, and never silent about it.
/// </summary>
public sealed class DiscardingAuditSinkTests : IAsyncLifetime
{
    readonly StringWriter _log = new();
    ServerHarness _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerHarness.StartAsync(configure: o => o with { DiscardAuditForBenchmark = true, Log = _log });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Decisions_answer_as_usual_but_nothing_reaches_the_audit_directory()
    {
        var (allowed, body) = await _server.PostAsync("/v1/tool/exec", """{"agent":"a","command":"git status"}""");
        var (denied, _) = await _server.PostAsync("/v1/tool/exec", """{"agent":"a","command":"rm -rf /srv"}""");

        Assert.Equal(HttpStatusCode.OK, allowed);
        Assert.Equal(HttpStatusCode.Forbidden, denied);
        Assert.Equal("allow", body.GetProperty("decision").GetString());
        Assert.Equal(26, body.GetProperty("audit_id").GetString()!.Length);
        var audit = Path.Combine(_server.Root, "audit");
        Assert.Empty(Directory.Exists(audit) ? Directory.GetFiles(audit, "*.jsonl", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task Status_reports_the_audit_as_disabled()
    {
        var (status, body) = await _server.GetAsync("/v1/status");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("disabled", body.GetProperty("audit").GetString());
    }

    [Fact]
    public void Start_up_warns_that_decisions_are_not_audited()
    {
        Assert.Contains("decisions are NOT audited", _log.ToString());
    }

    [Fact]
    public void Shipped_cli_has_no_flag_that_turns_the_audit_off()
    {
        var e = Assert.Throws<CliUsageException>(() => CliArgs.Parse(["--benchmark-discard-audit"], ServeCommand.Flags));
        Assert.Contains("benchmark-discard-audit", e.Message);
        Assert.False(ServeCommand.ToOptions(CliArgs.Parse([], ServeCommand.Flags), new Dictionary<string, string?> { ["HOME"] = "/home/x" }).DiscardAuditForBenchmark);
    }

    [Fact]
    public async Task Durable_servers_report_the_audit_as_ok()
    {
        await using var durable = await ServerHarness.StartAsync();
        var (_, body) = await durable.GetAsync("/v1/status");
        Assert.Equal("ok", body.GetProperty("audit").GetString());
    }
}
