using System.Text;
using System.Text.Json;
using Rampart.Core.Evaluation;

namespace Rampart.Server;

/// <summary>
/// The argument views of a prepared call: <see cref="Params"/> (the legacy map) and the policy input view.
/// <see cref="Inputs"/> is what the engine would decode from the call built from them, when preparation knows it (else null).</summary>
internal sealed record PreparedArguments(Dictionary<string, JsonElement> Params, Dictionary<string, JsonElement> Input, string Workdir,
    ConditionInputs? Inputs = null);

/// <summary>
/// The strings conditions read from a prepared call (POL-002, POL-003) as preparation selected them:
/// handed to the engine (<see cref="PreparedCallInputs.Attach"/>) so it neither reads them out of the
/// JSON again nor re-runs the POL-004 alias check preparation has done (issue 3).
/// </summary>
internal sealed record ConditionInputs(string Command, string Path, string Url, string Domain);

/// <summary>
/// API-022: turns a request's argument maps into one consistent call before evaluation — alias
/// reconciliation (conflicts are errors, so two spellings of a field can never disagree between
/// what is checked and what runs), <c>command_b64</c> decoding, comment stripping, URL enrichment.
/// </summary>
internal static class CallPreparation
{
    const int MaxBase64Bytes = 1 << 20;

    // Alias keys per field (API-022); static so a request allocates none of them.
    static readonly string[] ExecCommandKeys = ["command", "cmd", "input"];
    static readonly string[] CommandKeys = ["command"];
    static readonly string[] PathToolPathKeys = ["path", "file_path", "file", "filepath", "target"];
    static readonly string[] PathKeys = ["path", "file_path"];
    static readonly string[] UrlToolUrlKeys = ["url", "uri", "href"];
    static readonly string[] UrlKeys = ["url"];
    static readonly string[] WorkdirKeys = ["workdir", "cwd"];
    static readonly string[] DomainKeys = ["domain"];
    static readonly string[] SchemeKeys = ["scheme"];

    public static bool TryPrepare(string tool, ToolRequest request, out PreparedArguments prepared, out string error)
    {
        prepared = null!;
        var parameters = ToMap(request.Params);
        var input = request.Input is { } i ? ToMap(i) : null;
        var arguments = parameters.TryGetValue("arguments", out var a) && a.ValueKind == JsonValueKind.Object ? ToMap(a) : null;
        var toolInput = parameters.TryGetValue("tool_input", out var t) && t.ValueKind == JsonValueKind.Object ? ToMap(t) : null;

        // At most four maps, in precedence order, kept on the stack (issue 3: no list per request).
        var slots = new ArgumentMaps();
        var count = 0;
        slots[count++] = parameters;
        if (input is not null) slots[count++] = input;
        if (arguments is not null) slots[count++] = arguments;
        if (toolInput is not null) slots[count++] = toolInput;
        ReadOnlySpan<Dictionary<string, JsonElement>> maps = slots[..count];

        var view = input is { Count: > 0 } ? input
            : arguments is { Count: > 0 } ? arguments
            : toolInput is { Count: > 0 } ? toolInput
            : parameters;

        var isExec = tool == "exec";
        var isPathTool = tool is "read" or "write" or "edit" or "mcp-destructive";
        var isUrlTool = tool is "fetch" or "http" or "web_fetch" or "browser";

        var commandKeys = isExec ? ExecCommandKeys : CommandKeys;
        var pathKeys = isPathTool ? PathToolPathKeys : PathKeys;
        var urlKeys = isUrlTool ? UrlToolUrlKeys : UrlKeys;

        List<string>? decodedCommands = null;
        if (isExec)
        {
            foreach (var map in maps)
            {
                if (!map.TryGetValue("command_b64", out var b64) || b64.ValueKind == JsonValueKind.Null) continue;
                if (b64.ValueKind != JsonValueKind.String) { error = "command_b64 must be a string"; return false; }
                if (!TryDecodeBase64(JsonText.String(b64), out var decoded)) { error = "command_b64 must be valid bounded base64"; return false; }
                (decodedCommands ??= []).Add(decoded);
            }
        }

        if (!TryCanonical("command", new(request.Command, request.CommandJson), default, decodedCommands, commandKeys, maps, out var command, out var commandElement, out error)) return false;
        if (!TryCanonical("path", new(request.Path, request.PathJson), default, null, pathKeys, maps, out var path, out var pathElement, out error)) return false;
        if (!TryCanonical("workdir", new(request.Workdir, request.WorkdirJson), new(request.Cwd, request.CwdJson), null, WorkdirKeys, maps, out var workdir, out var workdirElement, out error)) return false;
        if (!TryCanonical("url", new(request.Url, request.UrlJson), default, null, urlKeys, maps, out var url, out var urlElement, out error)) return false;
        if (!TryCanonical("domain", default, default, null, DomainKeys, maps, out var domain, out _, out error)) return false;
        if (!TryCanonical("scheme", default, default, null, SchemeKeys, maps, out _, out _, out error)) return false;

        // One JSON element per canonical value, shared by every map (elements are immutable): the
        // selected candidate's own element when it has one (it decodes to exactly the canonical
        // text), else one made from the text (issue 3: re-serialising costs more than the rest of
        // the preparation).
        string? finalCommand = null;
        foreach (var map in maps)
        {
            map.Remove("command_effective");
            if (command.Length > 0) map["command"] = commandElement ??= Str(command);
            if (path.Length > 0) map["path"] = pathElement ??= Str(path);
            if (workdir.Length > 0) map["workdir"] = workdirElement ??= Str(workdir);
            if (url.Length > 0)
            {
                map["url"] = urlElement ??= Str(url);
                map.Remove("domain");
                map.Remove("scheme");
            }
            finalCommand = Enrich(tool, isExec, isUrlTool, map, command);
        }

        if (!ReferenceEquals(view, parameters))
        {
            foreach (var key in (ReadOnlySpan<string>)["url", "domain", "scheme", "path", "command", "workdir"])
            {
                if (!parameters.ContainsKey(key) && view.TryGetValue(key, out var value)) parameters[key] = value;
            }
        }
        // The nested maps were enriched as copies; put them back so params carries what was checked.
        if (arguments is not null) parameters["arguments"] = ToElement(arguments);
        if (toolInput is not null) parameters["tool_input"] = ToElement(toolInput);

        var callWorkdir = StringOf(parameters, "workdir") ?? StringOf(parameters, "cwd") ?? StringOf(view, "workdir") ?? StringOf(view, "cwd");
        if (string.IsNullOrWhiteSpace(callWorkdir)) callWorkdir = request.Workdir?.Trim() is { Length: > 0 } w ? w : request.Cwd ?? "";
        callWorkdir = callWorkdir.Trim();
        var inputs = maps.Length == 1 && decodedCommands is null
            ? KnownInputs(tool, isExec, isUrlTool, parameters, finalCommand, command, path, url, domain)
            : null;
        prepared = new PreparedArguments(parameters, view, callWorkdir, inputs);
        error = "";
        return true;
    }

    /// <summary>
    /// What <c>CallInputs.Decode</c> reads from the prepared call, for the common shape where it follows
    /// from the canonical values: one argument map (params is the input view), no <c>command_b64</c>, and
    /// of each alias group only the canonical key in the map, so the engine's first-hit lookup (POL-002)
    /// can only find the value stored here and its POL-004 check finds nothing to conflict. Anything
    /// else (other alias spellings, nested maps, URL enrichment, agent descriptions) returns null and the
    /// engine decodes the call itself. <c>ConditionInputsTests</c> compares both over the request shapes.
    /// </summary>
    static ConditionInputs? KnownInputs(string tool, bool isExec, bool isUrlTool, Dictionary<string, JsonElement> map,
        string? finalCommand, string command, string path, string url, string domain)
    {
        if (tool == "agent" || !PreparedCallInputs.UsesOnlyCanonicalKeys(tool, map)) return null;
        // URL tools get domain, scheme and path from the URL (Enrich), which this does not reproduce.
        if (isUrlTool && map.ContainsKey("url")) return null;
        // Exec: the command Enrich left (comments stripped); a blank one is no command (POL-002).
        if (isExec) command = string.IsNullOrWhiteSpace(finalCommand) ? "" : finalCommand;
        // A URL removes the domain parameter from the map (above).
        return new ConditionInputs(command, path, url, url.Length > 0 ? "" : domain);
    }

    [System.Runtime.CompilerServices.InlineArray(4)]
    struct ArgumentMaps
    {
        Dictionary<string, JsonElement> _first;
    }

    /// <summary>A top-level request value and, when it is plain, its own JSON element (<see cref="ToolRequest.CommandJson"/>).</summary>
    readonly record struct Candidate(string? Text, JsonElement? Json);

    /// <summary>
    /// Top-level values first (<paramref name="first"/>, <paramref name="second"/>, then <paramref name="more"/>), then each map's alias keys.
    /// <paramref name="element"/> is the selected candidate's JSON element when it has one (map values are already decoded copies).
    /// </summary>
    static bool TryCanonical(string field, Candidate first, Candidate second, List<string>? more, string[] keys, ReadOnlySpan<Dictionary<string, JsonElement>> maps, out string value, out JsonElement? element, out string error)
    {
        value = "";
        element = null;
        error = "";
        string? selected = null;
        string? selectedTrimmed = null;
        JsonElement? selectedElement = null;
        bool Consider(string candidate, JsonElement? json, ref string? sel, ref string? selTrim, ref JsonElement? selJson)
        {
            var trimmed = candidate.Trim();
            if (trimmed.Length == 0) return true;
            if (sel is null)
            {
                sel = candidate;
                selTrim = trimmed;
                selJson = json;
                return true;
            }
            return string.Equals(selTrim, trimmed, StringComparison.Ordinal);
        }
        if (first.Text is not null && !Consider(first.Text, first.Json, ref selected, ref selectedTrimmed, ref selectedElement)) { error = $"conflicting {field} aliases"; return false; }
        if (second.Text is not null && !Consider(second.Text, second.Json, ref selected, ref selectedTrimmed, ref selectedElement)) { error = $"conflicting {field} aliases"; return false; }
        if (more is not null)
        {
            foreach (var v in more)
            {
                if (!Consider(v, null, ref selected, ref selectedTrimmed, ref selectedElement)) { error = $"conflicting {field} aliases"; return false; }
            }
        }
        foreach (var map in maps)
        {
            foreach (var key in keys)
            {
                if (!map.TryGetValue(key, out var candidate) || candidate.ValueKind == JsonValueKind.Null) continue;
                if (candidate.ValueKind != JsonValueKind.String) { error = $"{field} must be a string"; return false; }
                if (!Consider(JsonText.String(candidate), candidate, ref selected, ref selectedTrimmed, ref selectedElement)) { error = $"conflicting {field} aliases"; return false; }
            }
        }
        value = selected ?? "";
        element = selectedElement;
        return true;
    }

    /// <param name="command">The canonical command just stored as the map's <c>command</c> (when non-empty): its text, without reading the element again.</param>
    /// <returns>For exec, the text now under the map's <c>command</c> (null when it holds no string); else null.</returns>
    static string? Enrich(string tool, bool isExec, bool isUrlTool, Dictionary<string, JsonElement> map, string command)
    {
        if (isExec)
        {
            var fromB64 = false;
            if (map.TryGetValue("command_b64", out var b64) && b64.ValueKind == JsonValueKind.String && TryDecodeBase64(JsonText.String(b64), out var decoded))
            {
                map["command"] = Str(decoded);
                fromB64 = true;
            }
            var current = command.Length > 0 && !fromB64 ? command : StringOf(map, "command");
            if (current is not { } cmd) return null;
            var stripped = StripLeadingComments(cmd);
            if (!ReferenceEquals(stripped, cmd)) map["command"] = Str(stripped);
            return stripped;
        }
        else if (tool == "agent")
        {
            var text = StringOf(map, "description") is { Length: > 0 } d ? d : StringOf(map, "prompt");
            if (!string.IsNullOrEmpty(text)) map["command"] = Str(text);
        }
        else if (isUrlTool && StringOf(map, "url") is { Length: > 0 } url
                 && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            map["domain"] = Str(uri.Host);
            map["scheme"] = Str(uri.Scheme);
            if (!map.ContainsKey("path")) map["path"] = Str(Uri.UnescapeDataString(uri.AbsolutePath));
        }
        return null;
    }

    /// <summary>Drops leading lines that are blank or start with <c>#</c> (API-022 step 4); all-comment ⇒ "".</summary>
    internal static string StripLeadingComments(string command)
    {
        var rest = command.AsSpan();
        while (rest.Length > 0)
        {
            var nl = rest.IndexOf('\n');
            var line = nl < 0 ? rest : rest[..nl];
            var trimmed = line.Trim();
            if (trimmed.Length != 0 && trimmed[0] != '#') break;
            rest = nl < 0 ? [] : rest[(nl + 1)..];
        }
        return rest.Length == command.Length ? command : rest.ToString();
    }

    static bool TryDecodeBase64(string text, out string decoded)
    {
        decoded = "";
        if (text.Length > MaxBase64Bytes * 4 / 3 + 4) return false;
        var buffer = new byte[text.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written) || written > MaxBase64Bytes) return false;
        decoded = Encoding.UTF8.GetString(buffer, 0, written);
        return true;
    }

    static string? StringOf(Dictionary<string, JsonElement> map, string key) =>
        map.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? JsonText.String(v) : null;

    static Dictionary<string, JsonElement> ToMap(JsonElement? element)
    {
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (element is { ValueKind: JsonValueKind.Object } obj)
        {
            // Go map semantics: a repeated key keeps the last value. Names and strings are decoded
            // like Go's (invalid UTF-8, lone surrogates → U+FFFD; JsonText), never thrown on.
            foreach (var p in obj.EnumerateObject()) map[JsonText.Name(p)] = Decoded(p.Value);
        }
        return map;
    }

    /// <summary>A copy of <paramref name="v"/>; a string holding invalid UTF-8 or escapes is re-encoded from its decoded text, so nothing downstream (audit, echo) meets bytes it cannot transcode.</summary>
    static JsonElement Decoded(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.String) return v.Clone();
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(v);
        return System.Text.Unicode.Utf8.IsValid(raw) && raw.IndexOf("\\u"u8) < 0 ? v.Clone() : Str(JsonText.String(v));
    }

    internal static JsonElement Str(string value) => JsonSerializer.SerializeToElement(value, ApiJsonContext.Default.String);

    static JsonElement ToElement(Dictionary<string, JsonElement> map) =>
        JsonSerializer.SerializeToElement(map, ApiJsonContext.Default.DictionaryStringJsonElement);
}
