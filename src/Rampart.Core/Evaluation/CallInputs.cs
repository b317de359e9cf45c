using System.Text;
using System.Text.Json;
using Rampart.Core.Matching;

namespace Rampart.Core.Evaluation;

/// <summary>
/// The values conditions read from a call (POL-002, POL-003), plus the fail-closed checks that run
/// before any policy is consulted (POL-004, POL-005).
/// </summary>
internal static class CallInputs
{
    internal static readonly string[] ExecKeys = ["command", "cmd", "input"];
    internal static readonly string[] CommandKey = ["command"];
    internal static readonly string[] PathLikeKeys = ["file_path", "path", "file", "filepath", "target"];
    internal static readonly string[] PathKeys = ["file_path", "path"];
    internal static readonly string[] UrlLikeKeys = ["url", "uri", "href"];
    internal static readonly string[] UrlKey = ["url"];
    static readonly string[] DomainKey = ["domain"];
    static readonly string[] WorkdirKey = ["workdir"];
    static readonly string[] CwdKey = ["cwd"];

    // POL-004 alias groups, in check order.
    static readonly string[] PathAliasKeys = ["path", "file_path", "file", "filepath", "target"];
    internal static readonly string[] WorkdirAliasKeys = ["workdir", "cwd"];
    static readonly string[] SchemeKey = ["scheme"];

    /// <summary>POL-003: "exec-like", "path-like", "url-like" are tested on the lower-cased, trimmed tool.</summary>
    public static string ToolClass(string tool) => tool.Trim().ToLowerInvariant();

    public static bool IsExecLike(string toolClass) => toolClass == "exec";

    public static bool IsPathLike(string toolClass) => toolClass is "read" or "write" or "edit" or "mcp-destructive";

    public static bool IsUrlLike(string toolClass) => toolClass is "fetch" or "http" or "web_fetch" or "browser";

    /// <summary>
    /// Tool class, command, path, url, domain and working directory of <paramref name="call"/>: decoded
    /// from its JSON params on the first evaluation of the instance (the strings are materialised once),
    /// then taken from the memo on the call as long as the members they were read from are the same.
    /// </summary>
    public static DecodedCallInputs Decode(ToolCall call)
    {
        if (call.Decoded is { } memo && memo.IsFor(call)) return memo;
        var toolClass = ToolClass(call.Tool);
        var url = Url(call, toolClass);
        var decoded = new DecodedCallInputs(call.Tool, call.Params, call.Input, call.Workdir,
            toolClass, Command(call, toolClass), Path(call, toolClass), url, Domain(call, url), Workdir(call));
        call.Decoded = decoded;
        return decoded;
    }

    /// <summary>POL-002: first string value with non-blank text, params keys first, then input keys.</summary>
    public static string Lookup(ToolCall call, string[] keys)
    {
        foreach (var key in keys)
        {
            if (call.Params.TryGetValue(key, out var v) && NonBlankString(v) is { } s) return s;
        }
        if (call.Input is { } input)
        {
            foreach (var key in keys)
            {
                if (input.TryGetValue(key, out var v) && NonBlankString(v) is { } s) return s;
            }
        }
        return "";
    }

    // Reading the text materialises a new string every time: read it once.
    static string? NonBlankString(JsonElement v) =>
        v.ValueKind == JsonValueKind.String && JsonText.String(v) is var s && !string.IsNullOrWhiteSpace(s) ? s : null;

    public static string Command(ToolCall call, string toolClass) =>
        Lookup(call, IsExecLike(toolClass) ? ExecKeys : CommandKey);

    public static string Path(ToolCall call, string toolClass) =>
        Lookup(call, IsPathLike(toolClass) ? PathLikeKeys : PathKeys);

    public static string Url(ToolCall call, string toolClass) =>
        Lookup(call, IsUrlLike(toolClass) ? UrlLikeKeys : UrlKey);

    /// <summary>POL-003: a host parsed from the url always wins over a <c>domain</c> parameter.</summary>
    public static string Domain(ToolCall call, string url) => UrlHostOf(url) ?? Lookup(call, DomainKey);

    /// <summary>The host of <paramref name="url"/> when it has one (POL-003), else null.</summary>
    internal static string? UrlHostOf(string url) =>
        url.Length > 0 && UrlHost.TryGetHost(url, out var host) && host.Length > 0 ? host : null;

    public static string Workdir(ToolCall call)
    {
        var w = call.Workdir.Trim();
        if (w.Length > 0) return w;
        w = Lookup(call, WorkdirKey).Trim();
        if (w.Length > 0) return w;
        return Lookup(call, CwdKey).Trim();
    }

    /// <summary>
    /// POL-004: the error text (e.g. "conflicting command aliases") or null when unambiguous. Taken from
    /// the call's memo when that memo is still valid for the call and already holds the answer (a later
    /// evaluation of the same instance, or inputs the server's call preparation handed over,
    /// <see cref="PreparedCallInputs.Attach"/>); otherwise checked here and kept on the memo.
    /// </summary>
    public static string? AliasError(ToolCall call, string toolClass)
    {
        var memo = call.Decoded is { } m && m.IsFor(call) && string.Equals(m.ToolClass, toolClass, StringComparison.Ordinal) ? m : null;
        if (memo is { AliasChecked: true }) return memo.AliasError;
        var error = CheckAliases(call, toolClass);
        memo?.SetAliasError(error);
        return error;
    }

    static string? CheckAliases(ToolCall call, string toolClass)
    {
        if (IsExecLike(toolClass) && GroupError(call, ExecKeys, null, "command") is { } e1) return e1;
        if (IsPathLike(toolClass) && GroupError(call, PathAliasKeys, null, "path") is { } e2) return e2;
        if (IsUrlLike(toolClass) && GroupError(call, UrlLikeKeys, null, "url") is { } e3) return e3;
        if (GroupError(call, WorkdirAliasKeys, call.Workdir, "working directory") is { } e4) return e4;
        if (GroupError(call, DomainKey, null, "domain") is { } e5) return e5;
        return GroupError(call, SchemeKey, null, "scheme");
    }

    static string? GroupError(ToolCall call, string[] keys, string? extra, string field)
    {
        // Usually at most one alias is present: then there is nothing to conflict with, and only the
        // type check is needed, which does not have to materialise the string.
        var present = extra is null ? 0 : 1;
        foreach (var key in keys)
        {
            if (!call.Params.TryGetValue(key, out var v) || v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) continue;
            if (v.ValueKind != JsonValueKind.String) return field + " must be a string";
            present++;
        }
        if (call.Input is { } inputs)
        {
            foreach (var key in keys)
            {
                if (!inputs.TryGetValue(key, out var v) || v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) continue;
                if (v.ValueKind != JsonValueKind.String) return field + " must be a string";
                present++;
            }
        }
        if (present < 2) return null;

        // Collect first, then check: a non-string value anywhere in the group fails before conflicts.
        string? first = null;
        var conflict = false;
        foreach (var key in keys)
        {
            if (call.Params.TryGetValue(key, out var v) && Check(v, ref first, ref conflict)) return field + " must be a string";
        }
        if (call.Input is { } input)
        {
            foreach (var key in keys)
            {
                if (input.TryGetValue(key, out var v) && Check(v, ref first, ref conflict)) return field + " must be a string";
            }
        }
        if (extra is not null) Add(extra, ref first, ref conflict);
        return conflict ? "conflicting " + field + " aliases" : null;
    }

    /// <summary>True when <paramref name="v"/> is a present non-string (the type error).</summary>
    static bool Check(JsonElement v, ref string? first, ref bool conflict)
    {
        if (v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return false;
        if (v.ValueKind != JsonValueKind.String) return true;
        Add(JsonText.String(v), ref first, ref conflict);
        return false;
    }

    static void Add(string value, ref string? first, ref bool conflict)
    {
        var t = value.Trim();
        if (t.Length == 0) return;
        if (first is null) first = t;
        else if (!string.Equals(first, t, StringComparison.Ordinal)) conflict = true;
    }

    /// <summary>POL-005: the first oversized field as (name, bytes), checked in the spec's order.</summary>
    public static bool TryFindOversized(ToolCall call, string command, string path, string url, string domain,
        string[] paramKeys, out string field, out int bytes)
    {
        if (Oversized(call.Agent, out bytes)) { field = "agent"; return true; }
        if (Oversized(call.Session, out bytes)) { field = "session"; return true; }
        if (Oversized(call.Tool, out bytes)) { field = "tool"; return true; }
        if (Oversized(command, out bytes)) { field = "command"; return true; }
        if (Oversized(path, out bytes)) { field = "path"; return true; }
        if (Oversized(url, out bytes)) { field = "url"; return true; }
        if (Oversized(domain, out bytes)) { field = "domain"; return true; }
        if (call.Input is { } input)
        {
            foreach (var key in paramKeys)
            {
                if (input.TryGetValue(key, out var v) && Oversized(ParamText.Format(v), out bytes))
                {
                    field = "tool parameter " + key;
                    return true;
                }
            }
        }
        field = "";
        bytes = 0;
        return false;
    }

    static bool Oversized(string value, out int bytes)
    {
        // Cheap bound first: a string of n UTF-16 units has between n and 3n UTF-8 bytes.
        if (value.Length * 3 <= EngineMessages.MatchLimitBytes) { bytes = 0; return false; }
        bytes = Encoding.UTF8.GetByteCount(value);
        return bytes > EngineMessages.MatchLimitBytes;
    }
}

/// <summary>
/// What <see cref="CallInputs.Decode"/> read from a call, with the members it read them from (compared
/// by reference: the decode is reused only for the very same tool, params, input and workdir objects).
/// </summary>
internal sealed class DecodedCallInputs(
    string sourceTool, IReadOnlyDictionary<string, JsonElement> sourceParams, IReadOnlyDictionary<string, JsonElement>? sourceInput,
    string sourceWorkdir, string toolClass, string command, string path, string url, string domain, string workdir)
{
    public string ToolClass { get; } = toolClass;
    public string Command { get; } = command;
    public string Path { get; } = path;
    public string Url { get; } = url;
    public string Domain { get; } = domain;
    public string Workdir { get; } = workdir;

    /// <summary>True once <see cref="AliasError"/> holds the POL-004 answer for these members.</summary>
    public bool AliasChecked { get; private set; }
    public string? AliasError { get; private set; }

    public void SetAliasError(string? error)
    {
        AliasError = error;
        AliasChecked = true;
    }

    public bool IsFor(ToolCall call) =>
        ReferenceEquals(call.Params, sourceParams) && ReferenceEquals(call.Input, sourceInput)
        && ReferenceEquals(call.Tool, sourceTool) && ReferenceEquals(call.Workdir, sourceWorkdir);
}

/// <summary>
/// Issue 3: the HTTP server's call preparation (API-022) has already read the strings conditions use and
/// checked the aliases, so it hands them to the engine instead of having them decoded from the JSON again.
/// </summary>
public static class PreparedCallInputs
{
    /// <summary>
    /// Memoises on <paramref name="call"/> what <see cref="CallInputs.Decode"/> would read from it, and that
    /// its POL-004 alias check passes. The caller vouches that the values are exactly those (the server's
    /// tests compare both over every body shape it hands over); the memo is tied to the call's tool, params,
    /// input and workdir objects like a decoded one, so a <c>with</c> copy that changes any of them decodes
    /// afresh. <paramref name="domain"/> is the <c>domain</c> parameter; as in the decode, a host parsed
    /// from <paramref name="url"/> wins over it (POL-003). Nothing is attached for a tool that is not its
    /// own tool class (upper case, blanks): then the classes the caller and the engine use could differ.
    /// </summary>
    public static void Attach(ToolCall call, string command, string path, string url, string domain, string workdir)
    {
        if (!IsOwnClass(call.Tool)) return;
        domain = CallInputs.UrlHostOf(url) ?? domain;
        var inputs = new DecodedCallInputs(call.Tool, call.Params, call.Input, call.Workdir,
            call.Tool, command, path, url, domain, workdir);
        inputs.SetAliasError(null);
        call.Decoded = inputs;
    }

    /// <summary>
    /// True when <paramref name="map"/> holds, of every key group conditions read for <paramref name="toolClass"/>
    /// (POL-002) and POL-004 checks, at most the canonical spelling (<c>command</c>, <c>path</c>, <c>url</c>,
    /// <c>workdir</c>): then the first-hit lookup can only find the canonical value and the alias check finds
    /// no conflict, which is what <see cref="Attach"/> relies on. The key lists are the engine's own.
    /// </summary>
    public static bool UsesOnlyCanonicalKeys(string toolClass, IReadOnlyDictionary<string, JsonElement> map) =>
        OnlyCanonical(map, CallInputs.IsExecLike(toolClass) ? CallInputs.ExecKeys : CallInputs.CommandKey, "command")
        && OnlyCanonical(map, CallInputs.IsPathLike(toolClass) ? CallInputs.PathLikeKeys : CallInputs.PathKeys, "path")
        && OnlyCanonical(map, CallInputs.IsUrlLike(toolClass) ? CallInputs.UrlLikeKeys : CallInputs.UrlKey, "url")
        && OnlyCanonical(map, CallInputs.WorkdirAliasKeys, "workdir");

    static bool OnlyCanonical(IReadOnlyDictionary<string, JsonElement> map, string[] keys, string canonical)
    {
        foreach (var key in keys)
        {
            if (key != canonical && map.ContainsKey(key)) return false;
        }
        return true;
    }

    /// <summary>True when <see cref="CallInputs.ToolClass"/> of <paramref name="tool"/> is <paramref name="tool"/> itself (checked without allocating for ASCII names).</summary>
    static bool IsOwnClass(string tool)
    {
        foreach (var c in tool)
        {
            if (!char.IsAscii(c)) return string.Equals(CallInputs.ToolClass(tool), tool, StringComparison.Ordinal);
            if (char.IsAsciiLetterUpper(c)) return false;
        }
        return tool.Length == 0 || (!char.IsWhiteSpace(tool[0]) && !char.IsWhiteSpace(tool[^1]));
    }
}
