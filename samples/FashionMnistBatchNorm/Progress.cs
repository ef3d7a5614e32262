using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Spectre.Console;

namespace FashionMnistBatchNorm;

/// <summary>Receives training progress: the plan, experiment headings, and one run at a time.</summary>
internal interface IProgressReporter
{
    /// <summary>When true, every finished epoch gets a line (the main experiment); else only every finished run.</summary>
    bool Detailed { get; set; }

    /// <summary>Every run that will be trained, before the first one starts (for an overall estimate).</summary>
    void StartPlan(IReadOnlyCollection<RunSpec> runs);

    /// <summary>An experiment starts.</summary>
    void Heading(string text);

    /// <summary>A run starts; it has <paramref name="batchesPerEpoch"/> iterations per epoch.</summary>
    void StartRun(RunSpec spec, int batchesPerEpoch);

    /// <summary>Iteration <paramref name="batch"/> (1-based) of <paramref name="epoch"/> (0-based) is done; loss and accuracy are epoch means so far.</summary>
    void Iteration(int epoch, int batch, double loss, double accuracy);

    /// <summary>An epoch is done and validated.</summary>
    void EndEpoch(int epoch, double loss, double validationAccuracy);

    /// <summary>The run is done.</summary>
    void EndRun(RunResult result);
}

/// <summary>Chooses the progress display: live on an interactive terminal, plain lines otherwise.</summary>
internal static class ProgressDisplay
{
    /// <summary>
    /// Runs <paramref name="work"/> with a reporter: a Spectre.Console live display when <paramref name="interactive"/>
    /// is true and Spectre finds the console interactive and ANSI-capable (stdin, stdout and stderr not redirected, a
    /// TERM it knows, no CI service it recognizes); else <see cref="PlainProgress"/>, whose lines read well in a log.
    /// </summary>
    /// <typeparam name="T">What the work returns.</typeparam>
    /// <param name="output">Where progress goes.</param>
    /// <param name="interactive">False forces plain lines (the caller knows the output is redirected).</param>
    /// <param name="work">The training, reporting through the reporter it is given.</param>
    public static T Run<T>(TextWriter output, bool interactive, Func<IProgressReporter, T> work)
    {
        if (interactive)
        {
            IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            if (LiveProgress.IsSupported(console))
            {
                return LiveProgress.Run(console, work);
            }
        }

        return work(new PlainProgress(output));
    }
}

/// <summary>The texts both displays share, so a log and a terminal read the same.</summary>
internal static class ProgressText
{
    /// <summary>A run's title, e.g. "batch norm, batch 50, scale 2e-2".</summary>
    public static string Title(RunSpec spec) => string.Create(
        CultureInfo.InvariantCulture,
        $"{spec.Label}, batch {spec.BatchSize}, scale {Format.Scale(spec.WeightScale)}");

    /// <summary>A finished epoch, e.g. "epoch  3/10  loss 0.512  val  83.2%  4.1s" (seconds since the run started).</summary>
    public static string Epoch(RunSpec spec, int epoch, double loss, double validationAccuracy, double seconds) => string.Create(
        CultureInfo.InvariantCulture,
        $"epoch {epoch + 1,2}/{spec.Epochs}  loss {loss:0.000}  val {Format.Percent(validationAccuracy)}  {seconds:0.0}s");

    /// <summary>A run in progress, e.g. "epoch  3/10  loss 0.512  train  84.1%  val  83.2%" ("--" before the first validation).</summary>
    public static string Running(RunSpec spec, int epoch, double loss, double accuracy, double lastValidation) => string.Create(
        CultureInfo.InvariantCulture,
        $"epoch {epoch + 1,2}/{spec.Epochs}  loss {loss:0.000}  train {Format.Percent(accuracy)}  val {(double.IsNaN(lastValidation) ? "  --  " : Format.Percent(lastValidation))}");

    /// <summary>Splits <paramref name="text"/> into lines of at most <paramref name="width"/> characters, at spaces where it can.</summary>
    public static IEnumerable<string> Wrap(string text, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        string rest = text.TrimEnd();
        do
        {
            int cut = rest.Length <= width ? rest.Length : rest.LastIndexOf(' ', width) is > 0 and int space ? space : width;
            yield return rest[..cut].TrimEnd();
            rest = rest[cut..].TrimStart();
        }
        while (rest.Length > 0);
    }

    /// <summary>A finished run: best and final validation accuracy, the exact-statistics accuracy where measured, the time.</summary>
    public static string Summary(RunResult result)
    {
        string recalibrated = result.RecalibratedValidationAccuracy is double r ? $"  exact-stats val {Format.Percent(r)}" : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Title(result.Spec),-53} best val {Format.Percent(result.BestValidationAccuracy)}  final val {Format.Percent(result.FinalValidationAccuracy)}{recalibrated}  ({result.Seconds:0.0}s)");
    }
}
