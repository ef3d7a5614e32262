using System;

namespace NormGen.Benchmarks;

/// <summary>
/// Entry point of the side-by-side benchmark driver (see <see cref="BenchOptions.Usage"/> and benchmarks/README.md).
/// Exit code 0: every implementation agreed with the reference and every measurement ran; 1: some did not (the
/// report says which); 2: bad arguments or an unsupported option.
/// </summary>
public static class Program
{
    /// <summary>Runs the driver.</summary>
    public static int Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        if (options.NormGenThreads != 1)
        {
            // Placeholder until the generated layers get a MaxDegreeOfParallelism property.
            Console.Error.WriteLine($"--normgen-threads {options.NormGenThreads}: not supported yet (the NormGen layers run on one thread).");
            return 2;
        }

        return new BenchDriver(options, Console.Out).Run();
    }
}
