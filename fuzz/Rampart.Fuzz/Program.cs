using Rampart.Fuzz.Harnesses;
using SharpFuzz;

// Rampart.Fuzz <harness>          run under afl-fuzz (fuzz/run.sh): SharpFuzz's out-of-process fork
//                                  server, so a stack overflow or a hang is reported as a crash and the
//                                  fuzzer goes on with a fresh child.
// Rampart.Fuzz <harness> <file>…   run the harness once per file and print the exception, if any
//                                  (to reproduce a crash from fuzz/findings/).
if (args.Length == 0 || FuzzHarness.Find(args[0]) is not { } harness)
{
    Console.Error.WriteLine("usage: Rampart.Fuzz <harness> [input-file…]");
    Console.Error.WriteLine("harnesses: " + string.Join(", ", FuzzHarness.All.Select(h => h.Name)));
    return 2;
}

if (args.Length > 1)
{
    var failed = 0;
    foreach (var file in args.Skip(1))
    {
        try
        {
            harness.Run(File.ReadAllBytes(file));
            Console.WriteLine($"ok    {file}");
        }
        catch (Exception ex)
        {
            failed++;
            Console.WriteLine($"CRASH {file}: {ex}");
        }
    }
    return failed == 0 ? 0 : 1;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    harness.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
});
return 0;
