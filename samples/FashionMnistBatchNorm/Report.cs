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
    /// <summary>The three result tables as Markdown (also readable as plain text on a console).</summary>
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
        text.AppendLine("Batch-size experiment (validation accuracy)");
        text.AppendLine();
        AppendTable(
            text,
            ["norm", "batch", "best val", "final val", "final val, exact BN stats", "time"],
            results.BatchSize.Select(r => new[]
            {
                r.Spec.Label,
                r.Spec.BatchSize.ToString(CultureInfo.InvariantCulture),
                Format.Percent(r.BestValidationAccuracy),
                Format.Percent(r.FinalValidationAccuracy),
                Recalibrated(r),
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
        json.WriteString("norm", spec.Norm switch { NormKind.Batch => "batch", NormKind.Layer => "layer", _ => "none" });
        json.WriteNumber("batchSize", spec.BatchSize);
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
