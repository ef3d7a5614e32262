using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using ScottPlot;

namespace FashionMnistBatchNorm;

/// <summary>The PNG figures, drawn with ScottPlot 5.</summary>
internal static class Plots
{
    private const int Width = 800;
    private const int Height = 500;

    /// <summary>"ScottPlot" and its version, for the output.</summary>
    public static string LibraryName { get; } =
        "ScottPlot " + (typeof(Plot).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(Plot).Assembly.GetName().Version?.ToString() ?? "5");

    /// <summary>Writes every figure into <paramref name="directory"/> and returns the file paths.</summary>
    public static IReadOnlyList<string> WriteAll(string directory, ExperimentResults results)
    {
        return
        [
            Loss(Path.Combine(directory, "loss.png"), results.Main),
            Accuracy(Path.Combine(directory, "accuracy.png"), results.Main),
            WeightScale(Path.Combine(directory, "weight-scale.png"), results),
            BatchSize(Path.Combine(directory, "batch-size.png"), results),
        ];
    }

    /// <summary>Training loss per iteration (moving average over a tenth of an epoch), against epochs.</summary>
    private static string Loss(string path, RunResult[] runs)
    {
        var plot = new Plot();
        for (int i = 0; i < runs.Length; i++)
        {
            RunResult run = runs[i];
            int perEpoch = run.IterationLoss.Count / run.Spec.Epochs;
            double[] smoothed = MovingAverage(run.IterationLoss, Math.Max(1, perEpoch / 10));
            double[] epochs = Enumerable.Range(1, smoothed.Length).Select(k => (double)k / perEpoch).ToArray();
            var line = plot.Add.ScatterLine(epochs, smoothed, Color(run.Spec.Norm));
            line.LegendText = run.Spec.Label;
            line.LineWidth = 2;
        }

        Decorate(plot, "Training loss, 5 hidden layers of 100", "epoch", "softmax cross-entropy (moving average)");
        double highest = runs.Max(r => r.IterationLoss.Where(double.IsFinite).DefaultIfEmpty(2.5).Max());
        plot.Axes.SetLimitsY(0, 1.05 * Math.Min(3, highest));
        plot.ShowLegend(Alignment.UpperRight);
        return Save(plot, path);
    }

    /// <summary>Training (dashed) and validation (solid) accuracy per epoch.</summary>
    private static string Accuracy(string path, RunResult[] runs)
    {
        var plot = new Plot();
        foreach (RunResult run in runs)
        {
            double[] epochs = Enumerable.Range(1, run.Spec.Epochs).Select(e => (double)e).ToArray();
            var validation = plot.Add.Scatter(epochs, Percent(run.EpochValidationAccuracy), Color(run.Spec.Norm));
            validation.LegendText = run.Spec.Label + ", validation";
            validation.LineWidth = 2;
            var train = plot.Add.Scatter(epochs, Percent(run.EpochTrainAccuracy), Color(run.Spec.Norm));
            train.LegendText = run.Spec.Label + ", training";
            train.LinePattern = LinePattern.Dashed;
            train.MarkerSize = 0;
        }

        Decorate(plot, "Accuracy per epoch", "epoch", "accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        return Save(plot, path);
    }

    /// <summary>Best validation accuracy against the weight scale (log axis), with and without batch norm.</summary>
    private static string WeightScale(string path, ExperimentResults results)
    {
        var rows = results.WeightScaleRows().ToArray();
        double[] logScale = rows.Select(r => Math.Log10(r.Scale)).ToArray();
        var plot = new Plot();
        var batchNorm = plot.Add.Scatter(logScale, rows.Select(r => 100 * r.BatchNorm).ToArray(), Color(NormKind.Batch));
        batchNorm.LegendText = "batch norm, best";
        batchNorm.LineWidth = 2;
        batchNorm.MarkerSize = 8;
        var noNorm = plot.Add.Scatter(logScale, rows.Select(r => 100 * r.NoNorm).ToArray(), Color(NormKind.None));
        noNorm.LegendText = "no norm, best";
        noNorm.LineWidth = 2;
        noNorm.MarkerSize = 8;
        if (rows.All(r => r.BatchNormExact.HasValue))
        {
            var exact = plot.Add.Scatter(logScale, rows.Select(r => 100 * r.BatchNormExact!.Value).ToArray(), Color(NormKind.Batch));
            exact.LegendText = "batch norm, final, exact BN statistics";
            exact.LinePattern = LinePattern.Dashed;
            exact.MarkerSize = 5;
        }

        var chance = plot.Add.HorizontalLine(10, 1, Colors.Gray, LinePattern.Dotted);
        chance.LegendText = "chance (10%)";

        // ScottPlot draws on linear axes: plot log10(scale) and label the decades.
        double[] decades = Enumerable.Range(-4, 5).Select(d => (double)d).ToArray();
        plot.Axes.Bottom.SetTicks(decades, decades.Select(d => Format.Scale(Math.Pow(10, d))).ToArray());
        Decorate(plot, "Validation accuracy vs weight initialization scale", "weight scale (std of initial weights, log)", "validation accuracy (%)");
        plot.Axes.SetLimitsY(0, 100);
        plot.ShowLegend(Alignment.LowerRight);
        return Save(plot, path);
    }

    /// <summary>
    /// Best validation accuracy against the batch size (log axis), a line per norm variant; the ghost-batch variants,
    /// trained only with batches of 50, are single markers there.
    /// </summary>
    private static string BatchSize(string path, ExperimentResults results)
    {
        var plot = new Plot();
        foreach (var (label, runs) in results.BatchSizeVariants())
        {
            RunSpec spec = runs[0].Spec;
            double[] logSize = runs.Select(r => Math.Log10(r.Spec.BatchSize)).ToArray();
            var line = plot.Add.Scatter(logSize, runs.Select(r => 100 * r.BestValidationAccuracy).ToArray(), Color(spec));
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = runs.Length == 1 ? 11 : 8;
            line.MarkerShape = spec.Norm == NormKind.GhostBatch ? MarkerShape.FilledDiamond : MarkerShape.FilledCircle;
        }

        int[] sizes = results.BatchSize.Select(r => r.Spec.BatchSize).Distinct().Order().ToArray();
        plot.Axes.Bottom.SetTicks(
            sizes.Select(s => Math.Log10(s)).ToArray(),
            sizes.Select(s => s.ToString(CultureInfo.InvariantCulture)).ToArray());
        Decorate(plot, "Best validation accuracy by batch size", "training batch size (log)", "best validation accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        return Save(plot, path);
    }

    private static void Decorate(Plot plot, string title, string x, string y)
    {
        if (x == "epoch")
        {
            // Whole epochs only: the curves have one point per epoch.
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }

        plot.Title(title + "\nFashion-MNIST, norms generated by NormGen");
        plot.XLabel(x);
        plot.YLabel(y);
    }

    private static string Save(Plot plot, string path)
    {
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static Color Color(NormKind kind) => kind switch
    {
        NormKind.Batch => Colors.C0,
        NormKind.Layer => Colors.C2,
        NormKind.BatchRenorm => Colors.C3,
        NormKind.GhostBatch => Colors.C4,
        _ => Colors.C1,
    };

    /// <summary>The color of a run's norm; the two ghost-batch variants get two shades.</summary>
    private static Color Color(RunSpec spec) =>
        spec is { Norm: NormKind.GhostBatch, VirtualBatchSize: 5 } ? Colors.C5 : Color(spec.Norm);

    private static double[] Percent(List<double> fractions) => fractions.Select(f => 100 * f).ToArray();

    private static double[] MovingAverage(List<double> values, int window)
    {
        var result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }

            result[i] = sum / Math.Min(i + 1, window);
        }

        return result;
    }
}
