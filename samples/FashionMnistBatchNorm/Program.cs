using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace FashionMnistBatchNorm;

/// <summary>
/// Entry point: trains deep fully connected nets on Fashion-MNIST with and without NormGen-generated
/// batch norm, prints progress and the result tables, and writes results.json, results.md and PNG plots.
/// </summary>
internal static class Program
{
    /// <summary>Runs the sample on the console.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, interactive: !Console.IsOutputRedirected);

    /// <summary>Runs the sample, writing to <paramref name="output"/>; returns the exit code (0 success, 2 usage error, 1 failure).</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="output">Where progress and tables go.</param>
    /// <param name="interactive">True to draw a live progress display if the output is an interactive terminal; false for plain lines.</param>
    public static int Run(string[] args, TextWriter output, bool interactive)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (OptionsException e)
        {
            output.WriteLine("error: " + e.Message);
            output.WriteLine();
            output.WriteLine(Options.Usage);
            return 2;
        }

        if (options.Help)
        {
            output.WriteLine(Options.Usage);
            return 0;
        }

        FashionMnist data;
        try
        {
            data = FashionMnist.Load(options.DataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.WriteLine("error: " + e.Message);
            return 1;
        }

        var clock = Stopwatch.StartNew();
        output.WriteLine("NormGen sample: deep nets on Fashion-MNIST with and without generated batch norm");
        output.WriteLine($"Data: {data.Source}: {data.Train.Count} training and {data.Validation.Count} validation images");
        output.WriteLine($"Net: 784 - 5 x (affine 100 - [norm] - ReLU) - affine 10, softmax; Adam lr {Trainer.LearningRate:0e0}; seed {options.Seed}{(options.Quick ? "; quick run" : string.Empty)}");
        output.WriteLine();

        var plan = ExperimentPlan.Create(options, data.Train.Count);
        ExperimentResults results = ProgressDisplay.Run(
            output, interactive, progress => ExperimentResults.Run(plan, new Trainer(data, progress), progress));

        Directory.CreateDirectory(options.OutputDirectory);
        var plots = Plots.WriteAll(options.OutputDirectory, results);
        string tables = Report.Tables(results);
        File.WriteAllText(Path.Combine(options.OutputDirectory, "results.md"), Report.CommandLine(args) + tables);
        string json = Path.Combine(options.OutputDirectory, "results.json");
        Report.WriteJson(json, options, data, results, plots);

        output.WriteLine();
        output.Write(tables);
        output.WriteLine();
        output.WriteLine($"Plots ({Plots.LibraryName}): {string.Join(", ", plots.Select(Path.GetFileName))}");
        output.WriteLine($"Results: {Path.GetFullPath(options.OutputDirectory)} (results.json, results.md)");
        output.WriteLine($"Total time: {clock.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
}
