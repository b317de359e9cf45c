using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rampart.Core.Audit.Export;

namespace Rampart.Server;

/// <summary><c>GET /metrics</c> (admin), registered only with <c>--metrics</c> (API-100).</summary>
internal sealed class MetricsEndpoint(RunningService service)
{
    public void Map(IEndpointRouteBuilder app) => app.MapGet("/metrics", service.Authorized(TokenScopes.Admin, RenderAsync));

    Task RenderAsync(HttpContext context, Caller caller)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        var text = service.Metrics.Render();
        if (service.Recorder.ExportCounters is { } export) text += RenderExport(export);
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    /// <summary>The SIEM export's counters (AUD-097), only when <c>--syslog</c> or <c>--cef</c> is on.</summary>
    static string RenderExport(AuditExportCounters c)
    {
        var sb = new StringBuilder(512);
        Counter(sb, "rampart_audit_export_queued_total", "Audit records accepted into the export queue.", c.Queued);
        Counter(sb, "rampart_audit_export_delivered_total", "Audit records delivered to the export targets.", c.Delivered);
        Counter(sb, "rampart_audit_export_dropped_total", "Audit records dropped because the export queue was full.", c.Dropped);
        Counter(sb, "rampart_audit_export_failed_total", "Audit records the export failed to send.", c.Failed);
        return sb.ToString();
    }

    static void Counter(StringBuilder sb, string name, string help, long value) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
          .Append("# TYPE ").Append(name).Append(" counter\n")
          .Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
