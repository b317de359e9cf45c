using System.Text;
using Rampart.Agents;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart hook --format claude-code</c> (CLI-070..CLI-082): one Claude Code hook event on stdin,
/// one decision on stdout. Runs once per tool call, so it stays lean: no host, no DI, no config stack.
/// Local mode (the default, CLI-075/CLI-076) evaluates in-process with the user's policies and appends
/// one record to the user's audit chain (AUD-056, AUD-063). In remote
/// mode (<c>--remote</c>, CLI-082, SEC-014) the server evaluates and audits; the hook reads no policy
/// and writes no audit, so it works as an agent user who can read neither. A configured Unix socket
/// (<c>--socket</c>, RAMPART_SOCKET, config <c>socket</c>; issue 7) implies remote mode and sends no token.
/// </summary>
internal static class HookCommand
{
    const string ConfigRefusal = "Rampart config error; refusing host data until configuration is fixed";
    const string CredentialRefusal = "Rampart credential endpoint is unsafe; refusing host data until configuration is fixed";
    const string HomeRefusal = "Rampart cannot resolve its data directory; refusing host data";

    /// <param name="ConfigFile">The <c>--config</c> given on the command line; null when none was.</param>
    /// <param name="AuditDir">The <c>--audit-dir</c>; null = <c>~/.rampart/audit</c>.</param>
    /// <param name="Socket">The <c>--socket</c> given (project addition, issue 7); null when none was.</param>
    sealed record Options(bool IsEnforcing, bool IsRemote, bool IsFailOpen, bool IsVerbose, string? ServeUrl, string? ConfigFile, string? ConfigDir, string? AuditDir,
        string? Socket = null);

    public static async Task<int> RunAsync(string[] args)
    {
        if (ParseOptions(args, out var error) is not { } options)
        {
            Console.Error.WriteLine(error);
            return 1; // CLI-070: invalid flags exit 1 before stdin is read
        }
        try
        {
            var (output, code) = await AnswerAsync(options, ReadStdin()).ConfigureAwait(false);
            if (output.Length > 0) Write(output);
            return code;
        }
        catch (Exception ex)
        {
            // Never exit 1 on an internal failure: Claude Code would treat it as "not blocking" (CLI-078).
            // Enforce answers deny; if even that cannot be written, exit 2 blocks the call.
            if (options.IsVerbose) Console.Error.WriteLine("rampart hook: internal error: " + ex);
            try
            {
                var answer = options.IsEnforcing && !options.IsFailOpen
                    ? new HookAnswer(HookVerdict.Deny, "Rampart hook failed internally; refusing tool call")
                    : HookAnswer.Allow;
                Write(ClaudeHookOutput.Render(HookEventKind.PreToolUse, answer));
                return 0;
            }
            catch (Exception)
            {
                Console.Error.WriteLine("rampart hook: internal error: " + ex.Message);
                return 2;
            }
        }
    }

    static Options? ParseOptions(string[] args, out string error)
    {
        error = "";
        string format = "claude-code", mode = "enforce";
        string? serveUrl = null, configFile = null, configDir = null, auditDir = null, socket = null;
        bool remote = false, failOpen = false, verbose = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            var eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0) { inline = arg[(eq + 1)..]; arg = arg[..eq]; }
            string Value()
            {
                if (inline is not null) return inline;
                if (i + 1 >= args.Length) throw new ArgumentException($"flag needs an argument: {arg}");
                return args[++i];
            }
            try
            {
                switch (arg)
                {
                    case "--format": format = Value(); break;
                    case "--mode": mode = Value(); break;
                    case "--serve-url": serveUrl = Value(); break;
                    case "--socket": socket = Value(); break;
                    // No implicit default here: CLI-002's `rampart.yaml` is relative to the current directory,
                    // which for a hook is the agent's project. A repository could ship one and replace the
                    // user's policy, defeating the restrict-only project layer (POL-031). Only an explicit
                    // --config names the primary file (POL-029); otherwise the built-in profile is used.
                    case "--config": configFile = Value(); break;
                    case "--config-dir": configDir = Value(); break;
                    case "--audit-dir": auditDir = Value(); break;
                    case "--remote": remote = true; break;
                    case "--verbose": verbose = true; break;
                    case "--fail-open": failOpen = true; break;
                    case "--fail-closed": failOpen = false; break;
                    default:
                        error = $"unknown flag: {args[i]}";
                        return null;
                }
            }
            catch (ArgumentException ex)
            {
                error = ex.Message;
                return null;
            }
        }
        if (format != "claude-code")
        {
            error = format is "codex" or "cline" or "gemini" or "antigravity" or "copilot" or "cursor"
                ? $"hook: format \"{format}\" is not supported by this build (supported: claude-code)"
                : $"hook: invalid format \"{format}\" (valid: claude-code)";
            return null;
        }
        if (mode is not ("enforce" or "monitor" or "audit"))
        {
            error = $"hook: invalid mode \"{mode}\" (valid: enforce, monitor, audit)";
            return null;
        }
        return new Options(mode == "enforce", remote, failOpen, verbose, serveUrl, configFile, configDir, string.IsNullOrWhiteSpace(auditDir) ? null : auditDir, socket);
    }

    static byte[] ReadStdin()
    {
        using var stdin = Console.OpenStandardInput();
        using var ms = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        // One byte past the limit is enough to know the input is too large (CLI-071).
        while (ms.Length <= ClaudeHookParser.MaxInputBytes && (n = stdin.Read(buffer, 0, buffer.Length)) > 0) ms.Write(buffer, 0, n);
        return ms.ToArray();
    }

    static void Write(string output)
    {
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(Encoding.UTF8.GetBytes(output));
        stdout.Flush();
    }

    /// <summary>The stdout text and exit code for one payload.</summary>
    static async Task<(string Output, int ExitCode)> AnswerAsync(Options options, byte[] payload)
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        // A configured socket (--socket, RAMPART_SOCKET, config `socket`) means the server decides and
        // audits, as --remote does: a socket's kernel-verified identity is the reason to use it.
        if (!options.IsRemote && IsSocketConfigured(options, home)) options = options with { IsRemote = true };
        var input = ClaudeHookMapping.Parse(payload, HookEnvironment.FromProcess());
        switch (input.Status)
        {
            case HookInputStatus.Empty:
                return (ClaudeHookOutput.Render(HookEventKind.PreToolUse, HookAnswer.Allow), 0);
            case HookInputStatus.Invalid:
                if (options.IsVerbose) Console.Error.WriteLine("rampart hook: " + input.Error);
                return AnswerParseFailure(options, input);
        }
        var e = input.Event!;

        if (e.Kind == HookEventKind.PostToolUse)
        {
            // Nothing came back from the tool: nothing for response rules to see.
            if (e.ToolResponse is null) return (ClaudeHookMapping.Render(e, HookAnswer.Allow), 0);
            if (e.Tool == "unknown")
            {
                var answer = options.IsEnforcing ? new HookAnswer(HookVerdict.Deny, ClaudeHookMapping.UnknownResponseRefusal) : HookAnswer.Allow;
                if (!options.IsRemote && home.Length > 0)
                {
                    try
                    {
                        Audit(options, home).RecordRefusal(e, Environment.GetEnvironmentVariable("RAMPART_SESSION")?.Trim() ?? "", ClaudeHookMapping.UnknownResponseRefusal);
                    }
                    catch (HookRefusalException ex)
                    {
                        return SetupFailure(options, e, ex.Refusal, ex.Message);
                    }
                }
                return (ClaudeHookMapping.Render(e, answer), 0);
            }
        }

        if (home.Length == 0) return SetupFailure(options, e, HomeRefusal, "HOME is not set");
        ServiceEndpoint endpoint;
        try
        {
            endpoint = ServiceEndpoint.Discover(options.ServeUrl, Environment.GetEnvironmentVariable, home, flagSocket: options.Socket, acceptsSocket: true);
        }
        catch (EndpointException ex)
        {
            return SetupFailure(options, e, ex.Problem == EndpointProblem.Config ? ConfigRefusal : CredentialRefusal, ex.Message);
        }
        if (!options.IsRemote) return await AnswerLocallyAsync(options, e, home).ConfigureAwait(false);

        var session = e.Kind == HookEventKind.PostToolUseFailure
            ? ""
            : await GitSession.ResolveAsync(Environment.GetEnvironmentVariable("RAMPART_SESSION"), e.Cwd).ConfigureAwait(false);

        RemoteVerdict verdict;
        using (var client = new RampartServiceClient(endpoint, RampartServiceClient.DefaultDeadline))
            verdict = await client.EvaluateAsync(e, session, options.IsEnforcing).ConfigureAwait(false);

        if (!options.IsEnforcing) return (ClaudeHookMapping.Render(e, HookAnswer.Allow), 0);
        if (!verdict.IsFailure) return (ClaudeHookMapping.Render(e, verdict.Answer!), 0);

        // The service gave no usable answer (CLI-082). A failed call has already happened: nothing to refuse.
        if (e.Kind == HookEventKind.PostToolUseFailure) return (ClaudeHookMapping.Render(e, HookAnswer.Allow), 0);
        if (options.IsFailOpen)
        {
            Console.Error.WriteLine($"rampart hook: WARNING: FAILING OPEN — the Rampart service gave no decision ({verdict.FailureDetail}); " +
                $"{e.ToolName} runs WITHOUT policy enforcement. Remove --fail-open to refuse tool calls instead.");
            return (ClaudeHookMapping.Render(e, HookAnswer.Allow), 0);
        }
        if (options.IsVerbose) Console.Error.WriteLine("rampart hook: " + verdict.FailureDetail);
        var refusal = e.Kind == HookEventKind.PostToolUse ? RemoteEvaluation.UnreachableResponseRefusal : RemoteEvaluation.UnreachableRefusal;
        return (ClaudeHookMapping.Render(e, new HookAnswer(HookVerdict.Deny, refusal)), 0);
    }

    static bool IsSocketConfigured(Options options, string home)
    {
        // The hook runs per tool call: without any socket source in sight, skip the discovery's file reads.
        if (options.Socket is null && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("RAMPART_SOCKET"))
            && (home.Length == 0 || !File.Exists(Path.Combine(home, ".rampart", "config.yaml"))))
            return false;
        try
        {
            return ServiceEndpoint.Discover(options.ServeUrl, Environment.GetEnvironmentVariable, home, flagSocket: options.Socket, acceptsSocket: true).SocketPath is not null;
        }
        catch (EndpointException)
        {
            return options.Socket is not null; // the same discovery reports the problem where the event is known
        }
    }

    /// <summary>Local mode (CLI-075/CLI-076): the user's policies, evaluated in this process.</summary>
    static async Task<(string, int)> AnswerLocallyAsync(Options options, HookEvent e, string home)
    {
        var isProjectPolicyDisabled = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("RAMPART_NO_PROJECT_POLICY"));
        var sessionOverride = Environment.GetEnvironmentVariable("RAMPART_SESSION");
        var isFailure = e.Kind == HookEventKind.PostToolUseFailure;
        var needsSession = !isFailure && string.IsNullOrWhiteSpace(sessionOverride);
        // One git call serves both the session label (CLI-074) and the project policy's location (POL-031).
        var checkout = needsSession || !isProjectPolicyDisabled ? await GitSession.FindAsync(e.Cwd).ConfigureAwait(false) : null;
        var session = isFailure ? "" : !string.IsNullOrWhiteSpace(sessionOverride) ? sessionOverride.Trim() : checkout?.Session ?? "";
        try
        {
            var sources = HookPolicySources.Resolve(options.ConfigFile, options.ConfigDir, home, checkout?.TopLevel, isProjectPolicyDisabled);
            var local = new LocalEvaluation(sources, Path.Combine(home, ".rampart"), Audit(options, home), options.IsVerbose ? Console.Error : null);
            var answer = local.Decide(e, ClaudeHookMapping.ToToolCall(e, session), options.IsEnforcing);
            return (ClaudeHookMapping.Render(e, answer), 0);
        }
        catch (HookRefusalException ex)
        {
            return SetupFailure(options, e, ex.Refusal, ex.Message);
        }
        catch (HeadlessOnlyException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return ("", 1);
        }
    }

    /// <summary>The local audit trail (CLI-070: <c>--audit-dir</c>, default <c>~/.rampart/audit</c>).</summary>
    static HookAuditTrail Audit(Options options, string home) =>
        new(options.AuditDir ?? Path.Combine(home, ".rampart", "audit"));

    /// <summary>
    /// CLI-079: a payload that failed to parse is refused in enforce (allowed otherwise) and, in local
    /// mode, audited as <c>tool:"unknown"</c> (AUD-063). Failing to audit it is a set-up error: monitor/audit exit 1.
    /// </summary>
    static (string, int) AnswerParseFailure(Options options, HookInput input)
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        if (!options.IsRemote && (home.Length > 0 || options.AuditDir is not null))
        {
            try
            {
                Audit(options, home).RecordParseFailure(input.Error, options.IsEnforcing);
            }
            catch (HookRefusalException ex)
            {
                if (options.IsVerbose || !options.IsEnforcing) Console.Error.WriteLine("rampart hook: " + ex.Message);
                if (!options.IsEnforcing) return ("", 1);
            }
        }
        return (ClaudeHookMapping.RenderParseFailure(input, options.IsEnforcing), 0);
    }

    /// <summary>CLI-079: enforce refuses with the category's text; monitor/audit exit 1 with the detail.</summary>
    static (string, int) SetupFailure(Options options, HookEvent e, string refusal, string detail)
    {
        if (!options.IsEnforcing)
        {
            Console.Error.WriteLine("rampart hook: " + detail);
            return ("", 1);
        }
        if (options.IsVerbose) Console.Error.WriteLine("rampart hook: " + detail);
        if (e.Kind == HookEventKind.PostToolUseFailure) return (ClaudeHookMapping.Render(e, HookAnswer.Allow), 0);
        return (ClaudeHookMapping.Render(e, new HookAnswer(HookVerdict.Deny, refusal)), 0);
    }
}
