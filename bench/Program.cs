using BenchmarkDotNet.Running;

// Runs every scenario in this assembly; pass BenchmarkDotNet arguments through, e.g.
//   dotnet run -c Release --project bench -- --filter '*Evaluate*'
// Console modes that are not BenchmarkDotNet scenarios:
//   dotnet run -c Release --project bench -- hook-vs-http --bin /tmp/pub/rampart   (HookVsHttp.cs)
//   dotnet run -c Release --project bench -- eval-loop curl                        (EvalLoop.cs: one Evaluate row on a loaded machine)
if (args.Length > 0 && args[0] == "eval-loop") return Rampart.Bench.EvalLoop.Run(args[1..]);
if (args.Length > 0 && args[0] == "hook-vs-http") return await HookVsHttp.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>Entry point type for the benchmark runner.</summary>
public partial class Program;
