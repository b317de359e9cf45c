using System.Globalization;
using System.Security.Cryptography;
using Rampart.Core.Audit;

namespace Rampart.Cli.Audit;

/// <summary>
/// <c>rampart audit verify [--audit-dir D] [--since YYYY-MM-DD] [--checkpoints PUBLIC_KEY_PEM]</c>
/// (AUD-080..AUD-084): one success line on stdout and exit 0, or the first break on stderr and exit 1.
/// With <c>--checkpoints</c> the signed checkpoints are checked too (issue 4, beyond upstream).
/// </summary>
internal static class AuditVerifyCommand
{
    static readonly CliFlag Since = new("since");
    static readonly CliFlag Checkpoints = new("checkpoints");

    public static int Run(string[] args)
    {
        var a = CliArgs.Parse(args, [AuditFlags.AuditDir, Since, Checkpoints]);
        if (a.Positionals.Count > 0) throw new CliUsageException($"audit verify: unexpected argument \"{a.Positionals[0]}\"");
        var directory = AuditFlags.Directory(a);

        DateOnly? since = null;
        if (a.String(Since.Name) is { } text)
        {
            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                throw new CliUsageException($"audit: invalid --since date \"{text}\": expected YYYY-MM-DD format");
            since = d;
        }

        // Read the key before the (possibly long) chain walk so a bad path fails fast.
        string? publicKey = null;
        if (a.String(Checkpoints.Name) is { } keyPath)
        {
            try
            {
                publicKey = File.ReadAllText(keyPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliUsageException($"audit: read public key {keyPath}: {ex.Message}");
            }
        }

        var result = AuditVerifier.Verify(directory, since);
        if (!result.IsValid)
        {
            Console.Error.WriteLine(WithLocation(result.Message, result.File, result.Line));
            return 1;
        }
        Console.Out.WriteLine(result.Message);
        if (publicKey is null) return 0;

        try
        {
            var report = AuditCheckpoints.Verify(directory, publicKey);
            Console.Out.WriteLine(
                $"✓ Signed checkpoints verified: {report.Checkpoints} checkpoints, the last commits to {report.LastCheckpointCount} of {report.TrailEvents} events");
            return 0;
        }
        catch (AuditChainException ex)
        {
            Console.Error.WriteLine(WithLocation(ex.Message.StartsWith("audit: ", StringComparison.Ordinal) ? ex.Message : "audit: " + ex.Message, ex.File, ex.Line));
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            Console.Error.WriteLine($"audit: --checkpoints: not a usable public key PEM: {ex.Message}");
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine("audit: " + ex.Message);
        }
        return 1;
    }

    /// <summary>AUD-084 plus issue 4: every break names its file and line, even where upstream's message does not.</summary>
    static string WithLocation(string message, string? file, int line)
    {
        if (string.IsNullOrEmpty(file)) return message;
        if (line > 0 && message.Contains($"{file} line {line}", StringComparison.Ordinal)) return message;
        if (line > 0 && message.Contains($"(line {line})", StringComparison.Ordinal) && message.Contains(file, StringComparison.Ordinal)) return message;
        return line > 0 ? $"{message} ({file} line {line})" : message.Contains(file, StringComparison.Ordinal) ? message : $"{message} ({file})";
    }
}
