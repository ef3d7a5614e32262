using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace FashionMnistBatchNorm;

/// <summary>The final tables (console and Markdown) and the machine-readable results.json.</summary>
internal static class Report
{
    /// <summary>The first line of results.md: the command that produced it, so committed results say how to repeat them.</summary>
    /// <param name="args">The sample's command-line arguments.</param>
    public static string CommandLine(string[] args)
    {
        string arguments = string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
        string command = "dotnet run -c Release --project samples/FashionMnistBatchNorm" + (args.Length == 0 ? string.Empty : " -- " + arguments);
        return $"Produced by `{command}`" + Environment.NewLine + Environment.NewLine;
    }

    /// <summary>The result tables as Markdown (also readable as plain text on a console).</summary>
    public static string Tables(ExperimentResults results)
    {
        var text = new StringBuilder();
        text.AppendLine("Main experiment (validation accuracy; inference mode)");
        text.AppendLine();
        AppendTable(
            text,
            ["net", "best val", "final val", "final val, exact BN stats", "final train loss", "time"],
            results.Main.Select(r => new[]
            {
                r.Spec.Label,
                Format.Percent(r.BestValidationAccuracy),
                Format.Percent(r.FinalValidationAccuracy),
                Recalibrated(r),
                r.EpochLoss[^1].ToString("0.000", CultureInfo.InvariantCulture),
                Seconds(r.Seconds),
            }));

        text.AppendLine();
        text.AppendLine("Weight-scale experiment (best validation accuracy over the epochs)");
        text.AppendLine();
        AppendTable(
            text,
            ["weight scale", "batch norm", "no norm", "batch norm: final val, exact BN stats"],
            results.WeightScaleRows().Select(row => new[]
            {
                Format.Scale(row.Scale),
                Format.Percent(row.BatchNorm),
                Format.Percent(row.NoNorm),
                row.BatchNormExact is double exact ? Format.Percent(exact) : "-",
            }));

        text.AppendLine();
        int[] sizes = results.BatchSize.Select(r => r.Spec.BatchSize).Distinct().Order().ToArray();
        text.AppendLine("Batch-size experiment: best validation accuracy by training batch size (same seed, epochs and images in every row)");
        text.AppendLine();
        AppendTable(
            text,
            ["norm", .. sizes.Select(size => "batch " + size.ToString(CultureInfo.InvariantCulture))],
            results.BatchSizeVariants().Select(variant => (string[])
            [
                variant.Label,
                .. sizes.Select(size => variant.Runs.FirstOrDefault(r => r.Spec.BatchSize == size) is RunResult run ? Format.Percent(run.BestValidationAccuracy) : "-"),
            ]));

        // Training mode normalizes each batch with its own statistics, inference mode with the running ones. On the same
        // images and weights, the difference is the train/inference mismatch (0 for layer norm and no norm).
        text.AppendLine();
        text.AppendLine("Batch-size experiment, every run. Train/inference mismatch: accuracy on the run's training images at its final weights,");
        text.AppendLine("normalized with batch statistics (training mode, consecutive batches of the run's size) and with the running");
        text.AppendLine("statistics (inference mode); gap = inference - training, in points.");
        text.AppendLine();
        AppendTable(
            text,
            ["norm", "batch", "best val", "final val", "final val, exact BN stats", "train, training mode", "train, inference mode", "gap", "time"],
            results.BatchSize.Select(r => new[]
            {
                r.Spec.Label,
                r.Spec.BatchSize.ToString(CultureInfo.InvariantCulture),
                Format.Percent(r.BestValidationAccuracy),
                Format.Percent(r.FinalValidationAccuracy),
                Recalibrated(r),
                Format.Percent(r.TrainingModeTrainAccuracy),
                Format.Percent(r.InferenceModeTrainAccuracy),
                (100 * (r.InferenceModeTrainAccuracy - r.TrainingModeTrainAccuracy)).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture),
                Seconds(r.Seconds),
            }));
        return text.ToString();
    }

    /// <summary>Writes results.json: settings, every run with its curves, and the weight-scale summary.</summary>
    public static void WriteJson(string path, Options options, FashionMnist data, ExperimentResults results, IReadOnlyList<string> plots)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("normalization", "NormGen generated layers");
        json.WriteString("plotting", Plots.LibraryName);
        json.WriteString("data", data.Source);
        json.WriteNumber("trainImages", data.Train.Count);
        json.WriteNumber("validationImages", data.Validation.Count);
        json.WriteBoolean("quick", options.Quick);
        json.WriteBoolean("smallBatches", options.SmallBatches);
        json.WriteNumber("seed", options.Seed);
        json.WriteNumber("seconds", Math.Round(results.Seconds, 2));
        json.WriteStartArray("plots");
        foreach (string plot in plots)
        {
            json.WriteStringValue(Path.GetFileName(plot));
        }

        json.WriteEndArray();
        json.WriteStartArray("weightScale");
        foreach (var (scale, batchNorm, noNorm, batchNormExact) in results.WeightScaleRows())
        {
            json.WriteStartObject();
            json.WriteNumber("scale", scale);
            json.WriteNumber("batchNormBestValidationAccuracy", batchNorm);
            json.WriteNumber("noNormBestValidationAccuracy", noNorm);
            if (batchNormExact is double exact)
            {
                json.WriteNumber("batchNormRecalibratedValidationAccuracy", exact);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("runs");
        foreach (RunResult run in results.Main.Concat(results.WeightScale).Concat(results.BatchSize))
        {
            WriteRun(json, run);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteRun(Utf8JsonWriter json, RunResult run)
    {
        RunSpec spec = run.Spec;
        json.WriteStartObject();
        json.WriteString("experiment", spec.Experiment);
        json.WriteString("norm", spec.NormName);
        json.WriteString("label", spec.Label);
        json.WriteNumber("batchSize", spec.BatchSize);
        json.WriteNumber("virtualBatchSize", spec.VirtualBatchSize);
        json.WriteNumber("weightScale", spec.WeightScale);
        json.WriteNumber("epochs", spec.Epochs);
        json.WriteNumber("trainImages", spec.TrainCount);
        json.WriteNumber("seed", spec.Seed);
        json.WriteNumber("bestValidationAccuracy", run.BestValidationAccuracy);
        json.WriteNumber("finalValidationAccuracy", run.FinalValidationAccuracy);
        if (run.RecalibratedValidationAccuracy is double recalibrated)
        {
            json.WriteNumber("recalibratedValidationAccuracy", recalibrated);
        }
        else
        {
            json.WriteNull("recalibratedValidationAccuracy");
        }

        json.WriteNumber("trainingModeTrainAccuracy", run.TrainingModeTrainAccuracy);
        json.WriteNumber("inferenceModeTrainAccuracy", run.InferenceModeTrainAccuracy);
        json.WriteNumber("seconds", Math.Round(run.Seconds, 3));
        WriteArray(json, "epochLoss", run.EpochLoss);
        WriteArray(json, "epochTrainAccuracy", run.EpochTrainAccuracy);
        WriteArray(json, "epochValidationAccuracy", run.EpochValidationAccuracy);
        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, List<double> values)
    {
        json.WriteStartArray(name);
        foreach (double value in values)
        {
            // JSON has no NaN or infinity: a diverged loss is written as null.
            if (double.IsFinite(value))
            {
                json.WriteNumberValue(value);
            }
            else
            {
                json.WriteNullValue();
            }
        }

        json.WriteEndArray();
    }

    private static string Recalibrated(RunResult r) =>
        r.RecalibratedValidationAccuracy is double value ? Format.Percent(value) : "-";

    private static string Seconds(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static void AppendTable(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        List<string[]> all = [header, .. rows];
        int[] widths = new int[header.Length];
        foreach (string[] row in all)
        {
            for (int c = 0; c < row.Length; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Trim().Length);
            }
        }

        // First column left-aligned, numbers right-aligned, as a Markdown table.
        void Row(string[] cells)
        {
            text.Append('|');
            for (int c = 0; c < cells.Length; c++)
            {
                string cell = cells[c].Trim();
                text.Append(' ').Append(c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])).Append(" |");
            }

            text.AppendLine();
        }

        Row(header);
        text.Append('|');
        for (int c = 0; c < widths.Length; c++)
        {
            text.Append(c == 0 ? " :" + new string('-', widths[c] - 1) + " |" : " " + new string('-', widths[c] - 1) + ": |");
        }

        text.AppendLine();
        foreach (string[] row in all.Skip(1))
        {
            Row(row);
        }
    }
}
