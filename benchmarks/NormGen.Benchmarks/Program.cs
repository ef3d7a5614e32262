using System;
using BenchmarkDotNet.Running;

namespace NormGen.Benchmarks;

/// <summary>
/// Entry point. <c>--verify</c> checks that every implementation computes the same batch norm
/// (exit code 1 if not); anything else goes to BenchmarkDotNet (e.g. <c>--filter '*Scalar*'</c>).
/// </summary>
public static class Program
{
    /// <summary>Runs the verification or the benchmarks.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--verify")
        {
            return Verification.Run(args.AsSpan(1).ToArray(), Console.Out) ? 0 : 1;
        }

        BenchmarkSwitcher.FromTypes([typeof(BatchNormBenchmarks)]).Run(args, new BenchmarkConfig());
        return 0;
    }
}
