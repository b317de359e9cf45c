using Rampart.Core.Audit;

namespace Rampart.Fuzz.Harnesses;

/// <summary>
/// The audit verifier (AUD-036, AUD-080..AUD-084): input is the content of one daily audit file. Every
/// line goes through <see cref="AuditChain.VerifyLine"/>, then the file through
/// <see cref="AuditVerifier.Verify"/> in a private directory. A broken record is a verdict
/// (<see cref="AuditVerifyResult.IsValid"/> false), never an exception.
/// </summary>
internal static class AuditVerifierHarness
{
    static readonly string Directory = CreateDirectory();

    static string CreateDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"rampart-fuzz-audit-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Run(ReadOnlySpan<byte> data)
    {
        var rest = data;
        while (!rest.IsEmpty)
        {
            var nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            _ = AuditChain.VerifyLine(line);
            rest = nl < 0 ? [] : rest[(nl + 1)..];
        }
        File.WriteAllBytes(Path.Combine(Directory, "2026-03-01.jsonl"), data.ToArray());
        _ = AuditVerifier.Verify(Directory);
    }
}
