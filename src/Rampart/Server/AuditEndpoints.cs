using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Rampart.Core.Audit;

namespace Rampart.Server;

/// <summary>
/// The audit history routes (API-070..API-073, admin only): events of a day, the days there are,
/// a day's raw export, and counts over a range. Events are written in the audit JSON shape (AUD-010).
/// </summary>
internal sealed class AuditEndpoints(RunningService service)
{
    const int DefaultLimit = 50;
    const int MaxLimit = 500;
    const int MaxStatsDays = 366;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/audit/events", service.Authorized(TokenScopes.Admin, EventsAsync));
        app.MapGet("/v1/audit/dates", service.Authorized(TokenScopes.Admin, DatesAsync));
        app.MapGet("/v1/audit/export", service.Authorized(TokenScopes.Admin, ExportAsync));
        app.MapGet("/v1/audit/stats", service.Authorized(TokenScopes.Admin, StatsAsync));
    }

    string Directory => service.Recorder.AuditDir;

    DateOnly Today => DateOnly.FromDateTime(service.Time.GetUtcNow().UtcDateTime);

    /// <summary>API-070: filter, newest first, page.</summary>
    async Task EventsAsync(HttpContext context, Caller caller)
    {
        if (!await IsConfiguredAsync(context)) return;
        var query = context.Request.Query;
        var date = Today;
        if (query.TryGetValue("date", out var d) && d.ToString() is { Length: > 0 } text && !AuditHistory.TryParseDate(text, out date))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid date format, expected YYYY-MM-DD");
            return;
        }
        var limit = IntOr(query["limit"], DefaultLimit);
        if (limit <= 0) limit = DefaultLimit;
        if (limit > MaxLimit) limit = MaxLimit;
        var offset = Math.Max(0, IntOr(query["offset"], 0));
        string? tool = Filter(query["tool"]), action = Filter(query["action"]), agent = Filter(query["agent"]), session = Filter(query["session"]);

        var total = 0;
        var matched = new List<AuditEvent>();
        foreach (var (_, _, e) in AuditReader.Read(Directory, FilesOrEmpty(date, date), Reading))
        {
            total++;
            if (tool is not null && e.Tool != tool) continue;
            if (action is not null && e.Decision.Action != action) continue;
            if (agent is not null && e.Agent != agent) continue;
            if (session is not null && e.Session != session) continue;
            matched.Add(e);
        }
        matched.Reverse();

        var end = (int)Math.Min((long)offset + limit, matched.Count);
        await ApiResponse.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("events");
            w.WriteStartArray();
            for (var i = offset; i < end; i++) w.WriteRawValue(AuditChain.Serialize(matched[i]), skipInputValidation: true);
            w.WriteEndArray();
            w.WriteNumber("total_in_file", total);
            w.WriteNumber("next_offset", end < matched.Count ? end : 0);
            w.WriteString("date", AuditHistory.Format(date));
            w.WriteEndObject();
        });
    }

    /// <summary>API-071.</summary>
    async Task DatesAsync(HttpContext context, Caller caller)
    {
        if (!await IsConfiguredAsync(context)) return;
        IReadOnlyList<DateOnly> dates;
        try
        {
            dates = AuditHistory.Dates(Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            service.Log.LogError("audit dates: error={Error}", e.Message);
            await ApiResponse.ErrorAsync(context, 500, "failed to read audit directory");
            return;
        }
        await ApiResponse.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("dates");
            w.WriteStartArray();
            foreach (var d in dates) w.WriteStringValue(AuditHistory.Format(d));
            w.WriteEndArray();
            w.WriteBoolean("configured", true);
            w.WriteEndObject();
        });
    }

    /// <summary>API-072: every file verified and opened before the first byte is sent.</summary>
    async Task ExportAsync(HttpContext context, Caller caller)
    {
        if (!await IsConfiguredAsync(context)) return;
        var text = context.Request.Query["date"].ToString();
        if (text.Length == 0)
        {
            await ApiResponse.ErrorAsync(context, 400, "date parameter is required");
            return;
        }
        if (!AuditHistory.TryParseDate(text, out var date))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid date format, expected YYYY-MM-DD");
            return;
        }
        var files = FilesOrEmpty(date, date);
        if (files.Count == 0)
        {
            await ApiResponse.ErrorAsync(context, 404, $"no audit log found for {text}");
            return;
        }
        IReadOnlyList<Stream> streams;
        try
        {
            streams = AuditHistory.OpenForExport(Directory, files);
        }
        catch (IOException e)
        {
            service.Log.LogError("audit export refused: error={Error}", e.Message);
            await ApiResponse.ErrorAsync(context, 500, "audit export contains an unsafe file entry");
            return;
        }
        try
        {
            var response = context.Response;
            response.StatusCode = 200;
            response.ContentType = "application/jsonl";
            response.Headers.ContentDisposition = $"attachment; filename=\"rampart-audit-{text}.jsonl\"";
            long length = 0;
            foreach (var s in streams) length += s.Length;
            response.ContentLength = length;
            foreach (var s in streams) await s.CopyToAsync(response.Body, context.RequestAborted);
        }
        finally
        {
            foreach (var s in streams) await s.DisposeAsync();
        }
    }

    /// <summary>API-073.</summary>
    async Task StatsAsync(HttpContext context, Caller caller)
    {
        if (!await IsConfiguredAsync(context)) return;
        var query = context.Request.Query;
        var from = Today;
        var to = Today;
        if (query["from"].ToString() is { Length: > 0 } f && !AuditHistory.TryParseDate(f, out from))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid from date");
            return;
        }
        if (query["to"].ToString() is { Length: > 0 } t && !AuditHistory.TryParseDate(t, out to))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid to date");
            return;
        }
        if (to < from)
        {
            // API-073 names the status only; the message says which way round the dates must be.
            await ApiResponse.ErrorAsync(context, 400, "invalid date range: to is before from");
            return;
        }
        // API-073 "span > 366 days": the distance between the dates, so a leap year fits in full.
        if (to.DayNumber - from.DayNumber > MaxStatsDays)
        {
            await ApiResponse.ErrorAsync(context, 400, "audit stats range cannot exceed 366 days");
            return;
        }

        long total = 0;
        var byAction = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byTool = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byAgent = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var bySession = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (_, _, e) in AuditReader.Read(Directory, FilesOrEmpty(from, to), Reading))
        {
            total++;
            Bump(byAction, e.Decision.Action);
            Bump(byTool, e.Tool);
            if (e.Agent.Length > 0) Bump(byAgent, e.Agent);
            if (e.Session.Length > 0) Bump(bySession, e.Session);
        }
        await ApiResponse.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("total_events", total);
            Map(w, "by_action", byAction);
            Map(w, "by_tool", byTool);
            Map(w, "by_agent", byAgent);
            Map(w, "by_session", bySession);
            w.WriteEndObject();
        });

        static void Bump(SortedDictionary<string, long> map, string key) => map[key] = map.TryGetValue(key, out var n) ? n + 1 : 1;

        static void Map(Utf8JsonWriter w, string name, SortedDictionary<string, long> map)
        {
            w.WritePropertyName(name);
            w.WriteStartObject();
            foreach (var (k, v) in map) w.WriteNumber(k, v);
            w.WriteEndObject();
        }
    }

    async Task<bool> IsConfiguredAsync(HttpContext context)
    {
        if (service.Recorder.IsConfigured) return true;
        await ApiResponse.ErrorAsync(context, 503, "audit directory not configured");
        return false;
    }

    /// <summary>The files of the range; a directory that cannot be listed reads as empty (and is logged).</summary>
    IReadOnlyList<string> FilesOrEmpty(DateOnly from, DateOnly to)
    {
        try
        {
            return AuditHistory.Files(Directory, from, to);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            service.Log.LogError("audit directory unreadable: error={Error}", e.Message);
            return [];
        }
    }

    /// <summary>API-070: unparseable lines skipped, a file that cannot be read logged and skipped.</summary>
    AuditReadOptions Reading => AuditReadOptions.Lenient(LogFileError);

    void LogFileError(string file, Exception e) => service.Log.LogWarning("audit history: skipping {File}: {Error}", file, e.Message);

    static string? Filter(Microsoft.Extensions.Primitives.StringValues value) => value.ToString() is { Length: > 0 } s ? s : null;

    static int IntOr(Microsoft.Extensions.Primitives.StringValues value, int fallback) =>
        int.TryParse(value.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : fallback;
}
