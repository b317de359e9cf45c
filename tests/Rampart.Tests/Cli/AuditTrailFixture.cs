using System.Text;
using Rampart.Core.Audit;

namespace Rampart.Tests.Cli;

/// <summary>
/// A real audit directory written with <see cref="AuditWriter"/> in a temp dir, plus a HOME without
/// <c>~/.rampart</c>, for running the real <c>rampart</c> binary against it. Removed on dispose.
/// </summary>
public sealed class AuditTrailFixture : IDisposable
{
    public static readonly DateTimeOffset Noon = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    static readonly AuditHost Host = new("test-host", "linux", "amd64");

    readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("rampart-audit-cli-");

    public AuditTrailFixture()
    {
        Home = Directory.CreateDirectory(Path.Combine(_root.FullName, "home")).FullName;
        Dir = Path.Combine(_root.FullName, "audit");
    }

    public string Root => _root.FullName;
    public string Home { get; }
    public string Dir { get; }

    public string File(string name) => Path.Combine(Dir, name);

    /// <summary>The one managed file the writer created (tests write within one UTC day).</summary>
    public string OnlyLogFile() => Directory.GetFiles(Dir, "*.jsonl").Single();

    public AuditWriterOptions Options(AuditSigningOptions? signing = null) =>
        new() { Directory = Dir, Host = Host, Signing = signing };

    public async Task<IReadOnlyList<AuditReceipt>> WriteAsync(params AuditEvent[] events) => await WriteAsync(Options(), events);

    public async Task<IReadOnlyList<AuditReceipt>> WriteAsync(AuditWriterOptions options, params AuditEvent[] events)
    {
        var receipts = new List<AuditReceipt>();
        await using var writer = AuditWriter.Open(options);
        foreach (var e in events) receipts.Add(await writer.AppendAsync(e));
        return receipts;
    }

    public static AuditEvent Event(string tool, string action, string detail, int minute = 0, string agent = "claude-code",
        string? policy = "p", string message = "", string detailKey = "command") => new()
    {
        Timestamp = AuditTimestamp.FromDateTimeOffset(Noon.AddMinutes(minute)),
        Agent = agent,
        Session = "repo/main",
        Tool = tool,
        Request = AuditValue.Object([new(detailKey, AuditValue.From(detail))]),
        Decision = new AuditDecision
        {
            Action = action,
            MatchedPolicies = policy is null ? [] : [policy],
            EvaluationTimeUs = 4,
            Message = message,
        },
    };

    public static AuditEvent[] Execs(int count) =>
        [.. Enumerable.Range(1, count).Select(i => Event("exec", "allow", "echo item " + i, minute: i))];

    public Dictionary<string, string?> Env() => new() { ["HOME"] = Home, ["NO_COLOR"] = "1" };

    /// <summary>Runs <c>rampart &lt;args&gt; --audit-dir &lt;Dir&gt;</c>.</summary>
    public Task<RampartProcess.Result> RunAsync(params string[] args) =>
        RampartProcess.RunAsync([.. args, "--audit-dir", Dir], env: Env(), workdir: Root);

    /// <summary>Rewrites a file's lines (without their LFs) and writes them back, each LF-terminated.</summary>
    public static void Rewrite(string file, Func<List<string>, List<string>> change)
    {
        var lines = System.IO.File.ReadAllText(file).Split('\n').ToList();
        lines.RemoveAt(lines.Count - 1);
        System.IO.File.WriteAllText(file, string.Join("\n", change(lines)) + "\n");
    }

    public static AuditEvent Parse(string line) => AuditChain.ParseLine(Encoding.UTF8.GetBytes(line));

    public static string[] Lines(string text) => text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
