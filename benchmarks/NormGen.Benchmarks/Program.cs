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

        return new BenchDriver(options, Console.Out).Run();
    }
}
