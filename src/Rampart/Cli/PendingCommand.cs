using System.Globalization;
using System.Text;
using System.Text.Json;
using Rampart.Core.Policies;

namespace Rampart.Cli;

/// <summary><c>rampart pending</c> (CLI-036): the pending approvals as a table.</summary>
internal static class PendingCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var parsed = CliArgs.Parse(args, [new("api"), new("token")]);
            if (parsed.Positionals.Count > 0) throw new CliUsageException("usage: rampart pending [--api URL] [--token TOKEN]");
            var api = ApprovalApi.Discover(parsed.String("api"), parsed.String("token"));
            var (_, body) = await api.SendAsync(HttpMethod.Get, "/v1/approvals");
            using var doc = JsonDocument.Parse(body);
            var rows = new List<string[]>();
            if (doc.RootElement.TryGetProperty("approvals", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var a in list.EnumerateArray()) rows.Add(Row(a, now));
            }
            Console.Out.Write(Render(rows));
            return 0;
        }
        catch (Exception e) when (e is CliUsageException or ApprovalApiException or IOException or JsonException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }

    static string[] Row(JsonElement a, DateTimeOffset now)
    {
        string S(string name) => a.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var id = S("id");
        var command = S("command");
        if (command.Length > 40) command = command[..37] + "...";
        var expires = "?";
        if (DateTimeOffset.TryParse(S("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at))
        {
            var left = at - now;
            expires = left <= TimeSpan.Zero ? "expired" : GoDuration.Format(TimeSpan.FromSeconds(Math.Floor(left.TotalSeconds)));
        }
        return [id.Length > 8 ? id[..8] : id, S("tool"), command, S("agent"), expires, S("message")];
    }

    /// <summary>Left-aligned columns separated by two spaces, or <c>No pending approvals.</c>.</summary>
    internal static string Render(IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0) return "No pending approvals.\n";
        string[] header = ["ID", "TOOL", "COMMAND", "AGENT", "EXPIRES", "MESSAGE"];
        var widths = new int[header.Length];
        for (var c = 0; c < header.Length; c++)
        {
            widths[c] = header[c].Length;
            foreach (var r in rows) widths[c] = Math.Max(widths[c], r[c].Length);
        }
        var sb = new StringBuilder();
        void Line(string[] cells)
        {
            for (var c = 0; c < cells.Length; c++)
            {
                if (c == cells.Length - 1) sb.Append(cells[c]);
                else sb.Append(cells[c].PadRight(widths[c] + 2));
            }
            sb.Append('\n');
        }
        Line(header);
        foreach (var r in rows) Line(r);
        return sb.ToString();
    }
}
