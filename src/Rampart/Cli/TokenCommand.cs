using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Rampart.Core.Policies;
using Rampart.Hosting;
using Rampart.Server;

namespace Rampart.Cli;

/// <summary><c>rampart token show|rotate|create|list|revoke|info</c> (CLI-020..CLI-024).</summary>
internal static class TokenCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            // CLI-001: `rampart token` alone prints help, never the token.
            PrintHelp(Console.Out);
            return Task.FromResult(0);
        }
        try
        {
            var state = StateDirectory.ForCurrentUser();
            var rest = args[1..];
            return Task.FromResult(args[0] switch
            {
                "show" => Show(state),
                "rotate" => Rotate(state, CliArgs.Parse(rest, [new("force", IsBool: true)])),
                "create" => Create(state, CliArgs.Parse(rest, CreateFlags)),
                "list" => List(state, CliArgs.Parse(rest, [new("json", IsBool: true)])),
                "revoke" => Revoke(state, CliArgs.Parse(rest, [])),
                "info" => Info(state, CliArgs.Parse(rest, [])),
                _ => throw new CliUsageException($"token: unknown subcommand \"{args[0]}\" (show, rotate, create, list, revoke, info)"),
            });
        }
        catch (Exception e) when (e is CliUsageException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
            return Task.FromResult(1);
        }
    }

    static readonly CliFlag[] CreateFlags =
        [new("agent"), new("policy"), new("note"), new("scope"), new("expires"), new("json", IsBool: true)];

    static int Show(StateDirectory state)
    {
        var token = ServiceToken.Read(state) ?? throw new CliUsageException("no token found - run 'rampart serve' to generate one");
        Console.Out.WriteLine(token);
        return 0;
    }

    static int Rotate(StateDirectory state, CliArgs args)
    {
        if (!args.Bool("force"))
        {
            Console.Out.Write("Rotate token and overwrite ~/.rampart/token? [y/N]: ");
            var answer = Console.In.ReadLine()?.Trim();
            if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase)) return 0;
        }
        var token = ServiceToken.Generate();
        // Persist skips identical content; a fresh random token never is.
        ServiceToken.Persist(token, state);
        Console.Out.WriteLine(token);
        return 0;
    }

    static int Create(StateDirectory state, CliArgs args)
    {
        var agent = args.String("agent") ?? "";
        if (agent.Length == 0) throw new CliUsageException("token: --agent is required");
        if (!AgentTokenStore.IsValidName(agent)) throw new CliUsageException($"token: invalid agent name \"{agent}\" (allowed: letters, digits, '_' and '-', 1-64 characters)");
        var policy = args.String("policy") ?? "";
        if (policy.Length > 0 && !AgentTokenStore.IsValidName(policy)) throw new CliUsageException($"token: invalid policy name \"{policy}\" (allowed: letters, digits, '_' and '-', 1-64 characters)");
        var scopes = new List<string>();
        foreach (var s in args.Strings("scope"))
        {
            var scope = s.ToLowerInvariant();
            if (scope is not (TokenScopes.Eval or TokenScopes.Admin)) throw new CliUsageException($"token: invalid scope \"{s}\" (valid: eval, admin)");
            if (!scopes.Contains(scope)) scopes.Add(scope);
        }
        if (scopes.Count == 0) scopes.Add(TokenScopes.Eval);
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset? expires = args.String("expires") is { Length: > 0 } e ? now + ParseExpiry(e) : null;

        var plaintext = AgentTokenStore.NewPlaintext();
        var record = new AgentToken
        {
            Hash = AgentTokenStore.HashOf(plaintext),
            Agent = agent,
            Policy = policy,
            Scopes = [.. scopes],
            CreatedAt = now,
            ExpiresAt = expires,
            Note = args.String("note") ?? "",
            MaskedPrefix = plaintext.Substring(AgentTokenStore.Prefix.Length, 8),
        };
        state.EnsureOwnerOnly();
        new AgentTokenStore(state.AgentTokenStore).Update(tokens => tokens.Add(record));

        if (args.Bool("json"))
        {
            Console.Out.WriteLine(Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("token", plaintext);
                w.WriteString("agent", agent);
                if (policy.Length > 0) w.WriteString("policy", policy);
                WriteScopes(w, record.Scopes);
                if (expires is { } x) w.WriteString("expires_at", Rfc3339(x));
                if (record.Note.Length > 0) w.WriteString("note", record.Note);
                w.WriteEndObject();
            }));
            return 0;
        }
        var o = Console.Out;
        o.WriteLine("✓ Token created");
        o.WriteLine();
        o.WriteLine($"  Token:   {plaintext}");
        o.WriteLine($"  Agent:   {agent}");
        if (policy.Length > 0) o.WriteLine($"  Policy:  {policy}");
        o.WriteLine($"  Scopes:  {string.Join(", ", record.Scopes)}");
        if (expires is { } exp) o.WriteLine($"  Expires: {Rfc3339(exp)}");
        if (record.Note.Length > 0) o.WriteLine($"  Note:    {record.Note}");
        o.WriteLine();
        o.WriteLine("⚠ This token is shown only once. Store it now; only its hash is kept.");
        o.WriteLine();
        o.WriteLine("Use it as: Authorization: Bearer <token>");
        o.WriteLine($"Revoke it with: rampart token revoke {record.DisplayId}");
        return 0;
    }

    static int List(StateDirectory state, CliArgs args)
    {
        var tokens = new AgentTokenStore(state.AgentTokenStore).Load();
        var now = DateTimeOffset.UtcNow;
        if (args.Bool("json"))
        {
            Console.Out.WriteLine(Json(w =>
            {
                w.WriteStartArray();
                foreach (var t in tokens)
                {
                    w.WriteStartObject();
                    w.WriteString("id", t.DisplayId);
                    w.WriteString("agent", t.Agent);
                    if (t.Policy.Length > 0) w.WriteString("policy", t.Policy);
                    WriteScopes(w, t.Scopes);
                    w.WriteString("created_at", AgentTokenStore.FormatTime(t.CreatedAt));
                    if (t.ExpiresAt is { } e) w.WriteString("expires_at", AgentTokenStore.FormatTime(e));
                    if (t.Note.Length > 0) w.WriteString("note", t.Note);
                    if (t.Revoked) w.WriteBoolean("revoked", true);
                    w.WriteString("status", t.Status(now));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }));
            return 0;
        }
        if (tokens.IsEmpty)
        {
            Console.Out.WriteLine("No per-agent tokens found. Create one with: rampart token create --agent <name>");
            return 0;
        }
        Console.Out.WriteLine($"{"TOKEN",-22} {"AGENT",-20} {"POLICY",-16} {"SCOPES",-12} STATUS");
        foreach (var t in tokens)
        {
            Console.Out.WriteLine($"{t.DisplayId,-22} {t.Agent,-20} {(t.Policy.Length > 0 ? t.Policy : "(global)"),-16} {string.Join(",", t.Scopes),-12} {t.Status(now)}");
        }
        return 0;
    }

    static int Revoke(StateDirectory state, CliArgs args)
    {
        var prefix = SinglePositional(args, "revoke");
        var store = new AgentTokenStore(state.AgentTokenStore);
        store.Update(tokens =>
        {
            var index = FindOne(tokens, prefix, activeOnly: true);
            return tokens.SetItem(index, tokens[index] with { Revoked = true });
        });
        Console.Out.WriteLine("✓ Revoked 1 token(s)");
        return 0;
    }

    static int Info(StateDirectory state, CliArgs args)
    {
        var prefix = SinglePositional(args, "info");
        var tokens = new AgentTokenStore(state.AgentTokenStore).Load();
        var t = tokens[FindOne(tokens, prefix, activeOnly: false)];
        var o = Console.Out;
        o.WriteLine($"Token:   {t.DisplayId}");
        o.WriteLine($"Agent:   {t.Agent}");
        o.WriteLine($"Policy:  {(t.Policy.Length > 0 ? t.Policy : "(global)")}");
        o.WriteLine($"Scopes:  {string.Join(", ", t.Scopes)}");
        o.WriteLine($"Created: {Rfc3339(t.CreatedAt)}");
        if (t.ExpiresAt is { } e) o.WriteLine($"Expires: {Rfc3339(e)}");
        if (t.Note.Length > 0) o.WriteLine($"Note:    {t.Note}");
        o.WriteLine($"Status:  {t.Status(DateTimeOffset.UtcNow)}");
        return 0;
    }

    /// <summary>CLI-023 matching: a full plaintext token by hash; otherwise a prefix of <c>rampart_&lt;masked&gt;</c>, <c>&lt;masked&gt;</c> or the hash.</summary>
    internal static int FindOne(ImmutableArray<AgentToken> tokens, string argument, bool activeOnly)
    {
        var prefix = argument.EndsWith("...", StringComparison.Ordinal) ? argument[..^3] : argument;
        if (prefix.Length == 0) throw new CliUsageException("token: an id or prefix is required");
        var isPlaintext = prefix.Length == AgentTokenStore.Prefix.Length + 48 && prefix.StartsWith(AgentTokenStore.Prefix, StringComparison.Ordinal);
        var hash = isPlaintext ? AgentTokenStore.HashOf(prefix) : null;
        var found = -1;
        var count = 0;
        for (var i = 0; i < tokens.Length; i++)
        {
            var t = tokens[i];
            if (activeOnly && t.Revoked) continue;
            var match = hash is not null
                ? t.Hash == hash
                : (AgentTokenStore.Prefix + t.MaskedPrefix).StartsWith(prefix, StringComparison.Ordinal)
                  || t.MaskedPrefix.StartsWith(prefix, StringComparison.Ordinal)
                  || t.Hash.StartsWith(prefix, StringComparison.Ordinal);
            if (!match) continue;
            found = i;
            count++;
        }
        var kind = activeOnly ? "active " : "";
        if (count == 0) throw new CliUsageException($"token: no {kind}token matching prefix \"{prefix}\"");
        if (count > 1) throw new CliUsageException($"token: prefix \"{prefix}\" matches {count} {kind}tokens; be more specific");
        return found;
    }

    /// <summary><c>--expires</c>: a Go duration (<c>24h</c>) or days (<c>7d</c>, <c>1.5d</c>).</summary>
    internal static TimeSpan ParseExpiry(string text)
    {
        TimeSpan value;
        if (text.EndsWith('d') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var days))
        {
            value = TimeSpan.FromDays(days);
        }
        else if (!GoDuration.TryParse(text, out value, out var error))
        {
            throw new CliUsageException($"token: invalid --expires \"{text}\": {error}");
        }
        if (value <= TimeSpan.Zero) throw new CliUsageException($"token: invalid --expires \"{text}\": must be positive");
        return value;
    }

    static string SinglePositional(CliArgs args, string sub)
    {
        if (args.Positionals.Count != 1) throw new CliUsageException($"token {sub}: expected exactly one token id or prefix");
        return args.Positionals[0];
    }

    static void WriteScopes(Utf8JsonWriter w, ImmutableArray<string> scopes)
    {
        w.WriteStartArray("scopes");
        foreach (var s in scopes) w.WriteStringValue(s);
        w.WriteEndArray();
    }

    static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(w);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static void PrintHelp(TextWriter w)
    {
        w.WriteLine("Usage: rampart token <command>");
        w.WriteLine();
        w.WriteLine("Commands:");
        w.WriteLine("  show                         print the admin token (~/.rampart/token)");
        w.WriteLine("  rotate [--force]             replace the admin token (a running server keeps the old one until restarted)");
        w.WriteLine("  create --agent <name> [--policy <profile>] [--scope eval,admin] [--expires 7d] [--note <text>] [--json]");
        w.WriteLine("                               create a per-agent token (shown once; only its hash is stored)");
        w.WriteLine("  list [--json]                list per-agent tokens");
        w.WriteLine("  revoke <id-or-prefix>        revoke a per-agent token");
        w.WriteLine("  info <id-or-prefix>          show one per-agent token");
    }
}
