using BenchmarkDotNet.Running;

// Runs every scenario in this assembly; pass BenchmarkDotNet arguments through, e.g.
//   dotnet run -c Release --project bench -- --filter '*Evaluate*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point type for the benchmark runner.</summary>
public partial class Program;
