using System.Text;
using Rampart.Agents;

namespace Rampart.Cli;

/// <summary>
/// <c>rampart hook --format claude-code</c> (CLI-070..CLI-082): one Claude Code hook event on stdin,
/// one decision on stdout. Runs once per tool call, so it stays lean: no host, no DI, no config stack.
/// In remote mode (<c>--remote</c>, SEC-014) the server evaluates and audits; the hook reads no policy
/// and writes no audit, so it works as an agent user who can read neither.
/// </summary>
internal static class HookCommand
{
    const string PolicyUnavailable = "Rampart policy configuration is unavailable; refusing host data";
    const string ConfigRefusal = "Rampart config error; refusing host data until configuration is fixed";
    const string CredentialRefusal = "Rampart credential endpoint is unsafe; refusing host data until configuration is fixed";
    const string HomeRefusal = "Rampart cannot resolve its data directory; refusing host data";

    sealed record Options(bool IsEnforcing, bool IsRemote, bool IsFailOpen, bool IsVerbose, string? ServeUrl);

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
        string? serveUrl = null;
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
                    // Local-mode inputs (CLI-075): accepted so one settings line works with either mode.
                    case "--audit-dir" or "--config-dir" or "--config": Value(); break;
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
        return new Options(mode == "enforce", remote, failOpen, verbose, serveUrl);
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
        var input = ClaudeHookMapping.Parse(payload, HookEnvironment.FromProcess());
        switch (input.Status)
        {
            case HookInputStatus.Empty:
                return (ClaudeHookOutput.Render(HookEventKind.PreToolUse, HookAnswer.Allow), 0);
            case HookInputStatus.Invalid:
                if (options.IsVerbose) Console.Error.WriteLine("rampart hook: " + input.Error);
                return (ClaudeHookMapping.RenderParseFailure(input, options.IsEnforcing), 0);
        }
        var e = input.Event!;

        if (e.Kind == HookEventKind.PostToolUse)
        {
            // Nothing came back from the tool: nothing for response rules to see.
            if (e.ToolResponse is null) return (ClaudeHookMapping.Render(e, HookAnswer.Allow), 0);
            if (e.Tool == "unknown")
                return (ClaudeHookMapping.Render(e, options.IsEnforcing ? new HookAnswer(HookVerdict.Deny, ClaudeHookMapping.UnknownResponseRefusal) : HookAnswer.Allow), 0);
        }

        if (!options.IsRemote)
        {
            // Local evaluation (CLI-075/076) is not part of this build; refusing is the enforce answer to
            // "policy engine unavailable" (CLI-079), and monitor/audit report a set-up error.
            const string detail = "local policy evaluation is not available in this build; run the hook with --remote";
            return SetupFailure(options, e, PolicyUnavailable, detail);
        }

        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        if (home.Length == 0) return SetupFailure(options, e, HomeRefusal, "HOME is not set");
        ServiceEndpoint endpoint;
        try
        {
            endpoint = ServiceEndpoint.Discover(options.ServeUrl, Environment.GetEnvironmentVariable, home);
        }
        catch (EndpointException ex)
        {
            return SetupFailure(options, e, ex.Problem == EndpointProblem.Config ? ConfigRefusal : CredentialRefusal, ex.Message);
        }

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
