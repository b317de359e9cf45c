using System.Buffers;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rampart.Agents;
using Rampart.Cli.Doctor;
using Rampart.Core.Policies;
using Rampart.Hosting;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart doctor [--json]</c> (CLI-060..CLI-063): checks the installation in a fixed order and
/// reports each as ok, info, warn or fail; exit 1 when any check failed.
/// </summary>
internal static class DoctorCommand
{
    /// <summary>One check's outcome (CLI-062).</summary>
    internal sealed record Check(string Name, DoctorStatus Status, string Message, string? Hint = null);

    internal enum DoctorStatus
    {
        Ok,
        Info,
        Warn,
        Fail,
    }

    /// <summary>CLI-040: doctor's health probe waits 2 s.</summary>
    static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    const int MaxHealthBytes = 4096;
    const int MaxApiBytes = 1024 * 1024;

    /// <summary>Where Claude Code reads managed settings (they can switch user hooks off).</summary>
    static readonly string[] ManagedSettingsFiles =
    [
        "/etc/claude-code/managed-settings.json",
        "/Library/Application Support/ClaudeCode/managed-settings.json",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json": json = true; break;
                case "--no-color" or "--verbose": break;
                case "--config" when i + 1 < args.Length: i++; break;
                case var a when a.StartsWith("--config=", StringComparison.Ordinal) || a.StartsWith("--verbose=", StringComparison.Ordinal): break;
                case "--fix":
                    Console.Error.WriteLine("doctor: --fix is not supported by this build (it repairs OpenClaw integrations only)");
                    return 1;
                default:
                    Console.Error.WriteLine($"unknown flag: {args[i]}");
                    return 1;
            }
        }
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        if (home.Length == 0)
        {
            Console.Error.WriteLine("doctor: HOME is not set");
            return 1;
        }
        var checks = await RunChecksAsync(home, Environment.GetEnvironmentVariable).ConfigureAwait(false);
        Console.Out.Write(json ? FormatJson(checks) : FormatText(checks));
        // CLI-003: the exit status is the result; no extra error line.
        return checks.Exists(c => c.Status == DoctorStatus.Fail) ? 1 : 0;
    }

    internal static async Task<List<Check>> RunChecksAsync(string home, Func<string, string?> env)
    {
        var state = Path.Combine(home, ".rampart");
        // In the user-separated deployment (SEC-011) the service owns policies and audit; the
        // agent's own ~/.rampart holds only its eval token.
        var system = OperatingSystem.IsWindows() || !Directory.Exists(SystemLayout.Default.ConfigDir) ? null : SystemLayout.Default;
        var checks = new List<Check>
        {
            new("Version", DoctorStatus.Ok, $"rampart {VersionCommand.Version}"),
            PathCheck(env),
            TokenCheck(state, env),
            PolicyCheck(Path.Combine(state, "policies"), system),
        };
        var claude = ReadClaudeSettings(home);
        checks.Add(HookBinaryCheck(claude, env));
        checks.AddRange(HooksChecks(claude, system));
        checks.AddRange(AuditChecks(Path.Combine(state, "audit"), system));
        // Before discovery: reading the token file restricts it to 0600 (SEC-022), which would hide loose modes.
        var deployment = OperatingSystem.IsWindows() ? [] : new DeploymentChecks(UnixAccounts.Read(), SystemLayout.Default).Run(state, Posix.EffectiveUserId);
        checks.AddRange(await ServerChecksAsync(home, env, claude).ConfigureAwait(false));
        checks.AddRange(deployment);
        // SEC-014: next to a system service, a local hook would judge with the agent's own policies.
        if (system is not null && claude.Owned.Count > 0 && !claude.UsesServer)
            checks.Add(new("Hook mode", DoctorStatus.Warn, "the Claude Code hook evaluates locally, as this user, not through the rampart-svc service",
                "rampart setup claude-code --remote --force"));
        checks.Add(new("System", DoctorStatus.Ok, $"{GoOs()}/{GoArch()}"));
        return checks;
    }

    // ── PATH, token, policies ───────────────────────────────────────────────────────────────

    static Check PathCheck(Func<string, string?> env)
    {
        var found = FindOnPath("rampart", env("PATH"));
        if (found is not null) return new("PATH", DoctorStatus.Ok, $"rampart found at {found}");
        var self = Environment.ProcessPath is { } p ? Path.GetDirectoryName(Path.GetFullPath(p)) : null;
        return new("PATH", DoctorStatus.Warn, "rampart is not on PATH", self is null ? null : $"add {self} to PATH");
    }

    static Check TokenCheck(string state, Func<string, string?> env)
    {
        if (!string.IsNullOrWhiteSpace(env("RAMPART_TOKEN"))) return new("Token", DoctorStatus.Ok, "RAMPART_TOKEN is set");
        var file = Path.Combine(state, "token");
        var info = new FileInfo(file);
        if (info.LinkTarget is not null) return new("Token", DoctorStatus.Fail, $"{file} is a symbolic link; Rampart refuses to read it", "replace it with a regular file (mode 0600)");
        if (!info.Exists) return new("Token", DoctorStatus.Fail, "no token found (RAMPART_TOKEN unset, ~/.rampart/token missing)", "rampart serve install");
        return new("Token", DoctorStatus.Ok, $"token file {file}");
    }

    /// <summary>Every <c>~/.rampart/policies/*.yaml</c> lints without errors and the directory loads as a whole (POL-026).</summary>
    static Check PolicyCheck(string dir, SystemLayout? system)
    {
        var files = Directory.Exists(dir)
            ? Directory.GetFiles(dir).Where(f => Path.GetExtension(f) is ".yaml" or ".yml").Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0 && system is not null)
            return new("Policy", DoctorStatus.Info, $"no policy files in {dir}; the system service enforces the policies in {system.ConfigDir}");
        if (files.Count == 0) return new("Policy", DoctorStatus.Fail, $"no policy files in {dir}", "rampart init");
        var broken = new List<string>();
        foreach (var file in files)
        {
            var findings = PolicyLinter.Lint(file);
            if (PolicyLinter.HasErrors(findings)) broken.Add(Path.GetFileName(file));
        }
        if (broken.Count > 0)
            return new("Policy", DoctorStatus.Fail, $"lint errors in {string.Join(", ", broken)}", $"rampart policy lint {Path.Combine(dir, broken[0])}");
        try
        {
            var config = PolicyStore.LoadDirectory(dir);
            return new("Policy", DoctorStatus.Ok, $"{files.Count} policy file(s), {config.Policies.Length} policies load cleanly");
        }
        catch (PolicyLoadException ex)
        {
            return new("Policy", DoctorStatus.Fail, ex.Message, "fix the file named in the message");
        }
    }

    // ── Claude Code hooks ───────────────────────────────────────────────────────────────────

    /// <summary>The user's Claude Code settings and Rampart's hooks in them (CLI-090); <see cref="Error"/> when unreadable.</summary>
    sealed record ClaudeHooks(string Path, bool Exists, string? Error, List<(string Event, JsonObject Hook)> Owned, string CurrentCommand)
    {
        public bool UsesServer => Owned.Exists(h => IsHttp(h.Hook) || (CommandOf(h.Hook)?.Contains(" --remote", StringComparison.Ordinal) ?? false));
    }

    static ClaudeHooks ReadClaudeSettings(string home)
    {
        var path = Path.Combine(SetupCommand.SettingsDirectory(home), "settings.json");
        string current;
        try
        {
            current = ClaudeSettings.HookCommandLine(SetupCommand.BinaryPath(), isRemote: false);
        }
        catch (InvalidOperationException)
        {
            current = "";
        }
        if (!File.Exists(path)) return new(path, false, null, [], current);
        try
        {
            var root = ClaudeSettings.Parse(File.ReadAllText(path), force: false);
            return new(path, true, null, ClaudeSettings.OwnedHooks(root, current), current);
        }
        catch (Exception ex) when (ex is ClaudeSettings.ShapeException or IOException or UnauthorizedAccessException)
        {
            return new(path, true, ex.Message, [], current);
        }
    }

    static bool IsHttp(JsonObject hook) => hook["type"] is JsonValue t && t.TryGetValue<string>(out var s) && s == "http";

    static string? CommandOf(JsonObject hook) => hook["command"] is JsonValue c && c.TryGetValue<string>(out var s) ? s : null;

    /// <summary>
    /// Issue 7 / CLI-078: a hook whose binary is missing fails with exit 127, which Claude Code treats
    /// as a non-blocking error — the guard is silently off. Every Rampart hook command must name a
    /// binary that exists and is executable.
    /// </summary>
    static Check HookBinaryCheck(ClaudeHooks claude, Func<string, string?> env)
    {
        var problems = new List<string>();
        var binaries = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (_, hook) in claude.Owned)
        {
            if (CommandOf(hook) is not { } command || ClaudeSettings.CommandBinary(command) is not { } binary) continue;
            if (!binaries.Add(binary)) continue;
            if (!Path.IsPathRooted(binary))
            {
                if (binary.Contains('/') || FindOnPath(binary, env("PATH")) is null)
                    problems.Add($"{binary} is not an absolute path and does not resolve on PATH");
                else
                    problems.Add($"{binary} is not an absolute path (Claude Code may run hooks with a different PATH)");
                continue;
            }
            if (!File.Exists(binary)) problems.Add($"{binary} does not exist");
            else if (!IsExecutable(binary)) problems.Add($"{binary} is not executable");
        }
        if (binaries.Count == 0)
            return new("Hook binary", DoctorStatus.Info, claude.Owned.Count > 0 ? "Claude Code uses the HTTP hook (no binary)" : "no Rampart command hooks in Claude Code settings");
        if (problems.Count > 0)
        {
            var onlyWarnings = problems.TrueForAll(p => p.Contains("may run hooks", StringComparison.Ordinal));
            return new("Hook binary", onlyWarnings ? DoctorStatus.Warn : DoctorStatus.Fail,
                string.Join("; ", problems) + $" ({claude.Path})", "rampart setup claude-code");
        }
        return new("Hook binary", DoctorStatus.Ok, string.Join(", ", binaries));
    }

    /// <summary>Hooks for all three events (CLI-070), with this binary's command, and not switched off by any settings layer.</summary>
    static List<Check> HooksChecks(ClaudeHooks claude, SystemLayout? system)
    {
        // SEC-014: beside the system service the hook must ask it (remote mode, the eval token).
        var setup = system is null ? "rampart setup claude-code" : "rampart setup claude-code --remote";
        var result = new List<Check>();
        if (claude.Error is not null)
        {
            result.Add(new("Hooks", DoctorStatus.Fail, $"{claude.Path}: {claude.Error}", "fix the file, or rerun rampart setup claude-code --force"));
            return result;
        }
        var events = new HashSet<string>(StringComparer.Ordinal);
        var stale = false;
        foreach (var (ev, hook) in claude.Owned)
        {
            events.Add(ev);
            if (!IsHttp(hook) && CommandOf(hook) is { } command && claude.CurrentCommand.Length > 0 && command != claude.CurrentCommand
                && command != claude.CurrentCommand + " --remote")
                stale = true;
        }
        if (events.Count == 0)
            result.Add(new("Hooks", DoctorStatus.Warn, "Claude Code hooks are not configured", setup));
        else if (events.Count < ClaudeSettings.Events.Length)
            result.Add(new("Hooks", DoctorStatus.Fail,
                "Claude Code hooks missing for " + string.Join(", ", ClaudeSettings.Events.Where(e => !events.Contains(e))), setup));
        else if (stale)
            result.Add(new("Hooks", DoctorStatus.Warn, $"Claude Code hooks run a different command than {claude.CurrentCommand}", "rampart setup claude-code"));
        else
            result.Add(new("Hooks", DoctorStatus.Ok, "Claude Code hooks configured for " + string.Join(", ", ClaudeSettings.Events)));

        if (events.Count > 0)
        {
            foreach (var (file, managed) in SettingsLayers(claude.Path))
            {
                if (ReadFlag(file, "disableAllHooks"))
                    result.Add(new("Hooks", DoctorStatus.Fail, $"disableAllHooks is set in {file}; Rampart's hooks do not run", "remove disableAllHooks"));
                if (managed && ReadFlag(file, "allowManagedHooksOnly"))
                    result.Add(new("Hooks", DoctorStatus.Fail, $"allowManagedHooksOnly is set in {file}; user hooks (Rampart's) do not run", "install Rampart's hook in the managed settings"));
            }
        }
        return result;
    }

    static IEnumerable<(string File, bool IsManaged)> SettingsLayers(string userSettings)
    {
        foreach (var f in ManagedSettingsFiles) yield return (f, true);
        yield return (userSettings, false);
        // Project layers of the directory doctor runs in (run from home, the project file is the user file).
        var project = Path.Combine(Environment.CurrentDirectory, ".claude");
        foreach (var f in new[] { Path.Combine(project, "settings.json"), Path.Combine(project, "settings.local.json") })
        {
            if (!string.Equals(Path.GetFullPath(f), Path.GetFullPath(userSettings), StringComparison.Ordinal)) yield return (f, false);
        }
    }

    static bool ReadFlag(string file, string key)
    {
        try
        {
            if (!File.Exists(file)) return false;
            var root = ClaudeSettings.Parse(File.ReadAllText(file), force: true);
            return root[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // ── audit ───────────────────────────────────────────────────────────────────────────────

    static List<Check> AuditChecks(string dir, SystemLayout? system)
    {
        var result = new List<Check>();
        if (!Directory.Exists(dir) && system is not null)
        {
            result.Add(new("Audit", DoctorStatus.Info, $"{dir} does not exist; the system service keeps the audit trail in {system.AuditDir}"));
            return result;
        }
        if (!Directory.Exists(dir))
        {
            result.Add(new("Audit", DoctorStatus.Warn, $"{dir} does not exist", "rampart init"));
            return result;
        }
        var probe = Path.Combine(dir, ".doctor-write-test");
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            result.Add(new("Audit", DoctorStatus.Fail, $"{dir} is not writable: {ex.Message}", $"chmod u+w {dir}"));
            return result;
        }
        var files = Directory.GetFiles(dir, "*.jsonl").Order(StringComparer.Ordinal).ToList();
        result.Add(new("Audit", DoctorStatus.Ok, files.Count == 0
            ? $"{dir} is writable (no audit files yet)"
            : $"{dir} is writable; {files.Count} file(s), latest {Path.GetFileName(files[^1])}"));
        if (!OperatingSystem.IsWindows())
        {
            foreach (var f in files)
            {
                if ((File.GetUnixFileMode(f) & UnixFileMode.OtherRead) != 0)
                    result.Add(new("Audit", DoctorStatus.Warn, $"{f} is world-readable", $"chmod 600 {f}"));
            }
        }
        return result;
    }

    // ── the server (CLI-040, CLI-061) ──────────────────────────────────────────────────────

    static async Task<List<Check>> ServerChecksAsync(string home, Func<string, string?> env, ClaudeHooks claude)
    {
        var result = new List<Check>();
        ServiceEndpoint endpoint;
        try
        {
            endpoint = ServiceEndpoint.Discover(null, env, home);
        }
        catch (EndpointException ex)
        {
            result.Add(new("Token endpoint", DoctorStatus.Fail, ex.Message, "use http://127.0.0.1 or https, and set RAMPART_URL / ~/.rampart/config.yaml accordingly"));
            return result;
        }
        var baseUrl = endpoint.BaseUrl.ToString().TrimEnd('/');
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = ProbeTimeout, UseCookies = false })
        {
            Timeout = ProbeTimeout,
        };

        var health = await GetAsync(http, baseUrl + "/healthz", null, MaxHealthBytes).ConfigureAwait(false);
        var identity = health is { Status: 200 } ? HealthIdentity(health.Body) : null;
        if (identity is null)
        {
            // Local hooks decide without serve; a --remote or HTTP hook cannot (CLI-060).
            var onlyLocalHooks = claude.Owned.Count > 0 && !claude.UsesServer;
            result.Add(onlyLocalHooks
                ? new("Server", DoctorStatus.Info, $"rampart serve is not reachable at {baseUrl}; the Claude Code hook evaluates locally")
                : new("Server", DoctorStatus.Fail, $"rampart serve is not reachable at {baseUrl}", "rampart serve install (or start rampart serve)"));
            result.Add(new("Token endpoint", DoctorStatus.Ok, $"{baseUrl} is safe for the bearer token"));
            return result;
        }
        result.Add(new("Server", DoctorStatus.Ok, $"rampart serve is running at {baseUrl} ({identity})"));
        result.Add(new("Token endpoint", DoctorStatus.Ok, $"{baseUrl} is safe for the bearer token"));
        if (endpoint.Token.Length == 0)
        {
            result.Add(new("Token auth", DoctorStatus.Fail, "no token to authenticate with", "rampart serve install"));
            return result;
        }

        // CLI-061 fix: /v1/status (upstream probed /v1/policy, which is not served, and always passed).
        var status = await GetAsync(http, baseUrl + "/v1/status", endpoint.Token, MaxApiBytes).ConfigureAwait(false);
        if (status is null)
        {
            result.Add(new("Token auth", DoctorStatus.Fail, $"no answer from {baseUrl}/v1/status"));
            return result;
        }
        if (status.Status == 403 && Encoding.UTF8.GetString(status.Body).Contains("requires admin scope", StringComparison.Ordinal))
        {
            // SEC-012: a valid agent token without admin scope — what an agent should hold (401 would mean not valid).
            result.Add(new("Token auth", DoctorStatus.Ok, "eval-only token: accepted, and refused the admin routes (HTTP 403), as SEC-012 wants for an agent"));
            return result;
        }
        if (status.Status is 401 or 403)
        {
            result.Add(new("Token auth", DoctorStatus.Fail, $"token rejected by server (HTTP {status.Status})", "rampart token show (and use the admin token)"));
            return result;
        }
        if (status.Status != 200)
        {
            result.Add(new("Token auth", DoctorStatus.Warn, $"unexpected HTTP {status.Status} from /v1/status"));
            return result;
        }
        result.Add(new("Token auth", DoctorStatus.Ok, "token accepted"));
        var policyCount = JsonNumber(status.Body, "policy_count");
        result.Add(policyCount is null
            ? new("Policies API", DoctorStatus.Warn, "/v1/status did not report policy_count")
            : policyCount == 0
                ? new("Policies API", DoctorStatus.Fail, "server reports 0 policies loaded", "check the server's policy files (rampart policy lint)")
                : new("Policies API", DoctorStatus.Ok, $"server reports {policyCount} policies loaded"));

        var approvals = await GetAsync(http, baseUrl + "/v1/approvals", endpoint.Token, MaxApiBytes).ConfigureAwait(false);
        if (approvals is { Status: 200 })
        {
            var pending = JsonArrayLength(approvals.Body, "approvals");
            result.Add(pending is > 0
                ? new("Pending approvals", DoctorStatus.Warn, $"{pending} approval(s) waiting", "rampart pending")
                : new("Pending approvals", DoctorStatus.Ok, "none"));
        }
        return result;
    }

    sealed record HttpAnswer(int Status, byte[] Body);

    static async Task<HttpAnswer?> GetAsync(HttpClient http, string url, string? token, int maxBytes)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var buffer = new ArrayBufferWriter<byte>();
            var chunk = new byte[8192];
            int n;
            while ((n = await stream.ReadAsync(chunk).ConfigureAwait(false)) > 0)
            {
                if (buffer.WrittenCount + n > maxBytes) return null;
                buffer.Write(chunk.AsSpan(0, n));
            }
            return new HttpAnswer((int)response.StatusCode, buffer.WrittenSpan.ToArray());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    /// <summary>API-095: a Rampart health reply, described as "mode …, version …"; null when it is not one.</summary>
    static string? HealthIdentity(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) return null;
            if (r.TryGetProperty("service", out var service) && (service.ValueKind != JsonValueKind.String || service.GetString() != "rampart")) return null;
            if (!r.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String || status.GetString() != "ok") return null;
            if (!r.TryGetProperty("mode", out var mode) || mode.ValueKind != JsonValueKind.String || mode.GetString() is not ("enforce" or "monitor" or "disabled")) return null;
            if (!r.TryGetProperty("uptime_seconds", out var up) || up.ValueKind != JsonValueKind.Number || !up.TryGetInt64(out var secs) || secs < 0) return null;
            if (!r.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(version.GetString())) return null;
            return $"mode {mode.GetString()}, version {version.GetString()}";
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static long? JsonNumber(byte[] body, string key)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var v) && v.TryGetInt64(out var n) ? n : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    static int? JsonArrayLength(byte[] body, string key)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array
                ? v.GetArrayLength()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // ── output (CLI-062) ───────────────────────────────────────────────────────────────────

    internal static string FormatText(List<Check> checks)
    {
        var sb = new StringBuilder("🩺 Rampart Doctor\n\n");
        foreach (var c in checks)
        {
            var icon = c.Status switch { DoctorStatus.Ok => "✓", DoctorStatus.Info => "ℹ", DoctorStatus.Warn => "⚠", _ => "✗" };
            sb.Append(icon).Append(' ').Append(c.Name).Append(": ").Append(c.Message).Append('\n');
            if (c.Hint is not null) sb.Append("    💡 Try this: ").Append(c.Hint).Append('\n');
        }
        var (_, _, warnings, issues) = Count(checks);
        sb.Append('\n');
        sb.Append(issues == 0 && warnings == 0
            ? "All checks passed.\n"
            : $"{issues} issue(s), {warnings} warning(s) in {checks.Count} checks.\n");
        return sb.ToString();
    }

    internal static string FormatJson(List<Check> checks)
    {
        var (ok, info, warnings, issues) = Count(checks);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 2, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("schema_version", "rampart.doctor.v1");
            w.WriteString("generated_at", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("build_version", VersionCommand.Version);
            w.WriteStartObject("summary");
            w.WriteNumber("checks", checks.Count);
            w.WriteNumber("ok", ok);
            w.WriteNumber("info", info);
            w.WriteNumber("warnings", warnings);
            w.WriteNumber("issues", issues);
            w.WriteEndObject();
            w.WriteStartArray("checks");
            foreach (var c in checks)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("status", c.Status.ToString().ToLowerInvariant());
                w.WriteString("message", c.Message);
                if (c.Hint is not null) w.WriteString("hint", c.Hint);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("warnings", warnings);
            w.WriteNumber("issues", issues);
            WriteNames(w, "warning_checks", checks, DoctorStatus.Warn);
            WriteNames(w, "issue_checks", checks, DoctorStatus.Fail);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    static void WriteNames(Utf8JsonWriter w, string key, List<Check> checks, DoctorStatus status)
    {
        w.WriteStartArray(key);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in checks)
        {
            if (c.Status == status && seen.Add(c.Name)) w.WriteStringValue(c.Name);
        }
        w.WriteEndArray();
    }

    static (int Ok, int Info, int Warnings, int Issues) Count(List<Check> checks)
    {
        int ok = 0, info = 0, warn = 0, fail = 0;
        foreach (var c in checks)
        {
            switch (c.Status)
            {
                case DoctorStatus.Ok: ok++; break;
                case DoctorStatus.Info: info++; break;
                case DoctorStatus.Warn: warn++; break;
                default: fail++; break;
            }
        }
        return (ok, info, warn, fail);
    }

    // ── small helpers ──────────────────────────────────────────────────────────────────────

    static string? FindOnPath(string name, string? path)
    {
        foreach (var dir in (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (Path.IsPathRooted(candidate) && File.Exists(candidate) && IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    static bool IsExecutable(string file) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    static string GoOs() =>
        OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin" : OperatingSystem.IsWindows() ? "windows" : RuntimeInformation.OSDescription;

    static string GoArch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "386",
        Architecture.Arm => "arm",
        var other => other.ToString().ToLowerInvariant(),
    };
}
