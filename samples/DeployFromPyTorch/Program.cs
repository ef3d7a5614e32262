using System;
using System.Diagnostics;
using System.IO;
using static System.FormattableString;

namespace DeployFromPyTorch;

/// <summary>
/// Loads a PyTorch-trained Fashion-MNIST net (5 hidden layers with batch norm) into NormGen layers from safetensors
/// and from a .pt checkpoint, checks that NormGen reproduces PyTorch's logits, fine-tunes it in NormGen and saves the
/// result as safetensors for PyTorch (train_pytorch.py check).
/// </summary>
public static class Program
{
    private const string Usage = """
        Usage: DeployFromPyTorch [--out DIR] [--epochs N] [--seed N] [--model DIR] [--safetensors-only]
          --out DIR           where finetuned.safetensors and finetuned-logits.safetensors go (default: out)
          --epochs N          fine-tuning epochs in NormGen (default 1; 0 skips fine-tuning)
          --seed N            shuffle seed for fine-tuning (default 14)
          --model DIR         read model.safetensors, model.pt and reference.safetensors from DIR instead of the embedded copies
          --safetensors-only  skip the .pt checkpoint
        """;

    /// <summary>Runs the sample on the console.</summary>
    public static int Main(string[] args) => Run(args, Console.Out);

    /// <summary>Runs the sample; returns 0 when NormGen reproduces PyTorch, 1 when it does not (or on an error), 2 on bad arguments.</summary>
    public static int Run(string[] args, TextWriter output)
    {
        string outputDirectory = "out";
        string? modelDirectory = null;
        int epochs = 1, seed = 14;
        bool safetensorsOnly = false;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--out": outputDirectory = Value(args, ref i); break;
                    case "--model": modelDirectory = Value(args, ref i); break;
                    case "--epochs": epochs = int.Parse(Value(args, ref i), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(Value(args, ref i), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--safetensors-only": safetensorsOnly = true; break;
                    case "--help" or "-h": output.WriteLine(Usage); return 0;
                    default: throw new FormatException("unknown argument " + args[i]);
                }
            }
        }
        catch (FormatException e)
        {
            output.WriteLine("error: " + e.Message);
            output.WriteLine(Usage);
            return 2;
        }

        var clock = Stopwatch.StartNew();
        output.WriteLine("NormGen sample: deploy a PyTorch-trained net (784 - 5 x (affine 100 - batch norm - ReLU) - affine 10)");
        output.WriteLine($"Weights: {modelDirectory ?? "embedded Model/ (written by train_pytorch.py train)"}; data: embedded Fashion-MNIST subset");
        output.WriteLine();
        output.WriteLine("| weights from | NormGen accuracy | PyTorch accuracy | same predictions | max logit difference |");
        output.WriteLine("| :-- | --: | --: | --: | --: |");
        bool agree = true;
        ModelFormat[] formats = safetensorsOnly || !ModelFiles.CanReadPyTorch ? [ModelFormat.Safetensors] : [ModelFormat.Safetensors, ModelFormat.PyTorch];
        try
        {
            foreach (ModelFormat format in formats)
            {
                Comparison c = Deployment.CompareWithPyTorch(format, modelDirectory);
                string file = format == ModelFormat.Safetensors ? "model.safetensors" : "model.pt";
                output.WriteLine(Invariant($"| {file} | {Percent(c.NormGenAccuracy)} | {Percent(c.PyTorchAccuracy)} | {c.SamePredictions} of {c.Images} | {c.MaxDifference:E2} |"));
                agree &= c.Agrees;
            }

            if (!ModelFiles.CanReadPyTorch)
            {
                output.WriteLine("| model.pt | skipped: this NativeAOT build leaves out NormGen.PyTorch (Razorvine.Pickle is not trim-safe) | | | |");
            }

            output.WriteLine();
            output.WriteLine(agree
                ? Invariant($"NormGen reproduces PyTorch's logits within {Comparison.Tolerance:E0}.")
                : Invariant($"NormGen does NOT reproduce PyTorch's logits within {Comparison.Tolerance:E0}."));

            if (epochs > 0)
            {
                output.WriteLine();
                output.WriteLine($"Fine-tuning in NormGen: {epochs} epoch(s), Adam lr 1e-4, batch 50, seed {seed}");
                FineTuning f = Deployment.FineTune(outputDirectory, epochs, seed, modelDirectory, output.WriteLine);
                output.WriteLine($"  validation accuracy {Percent(f.AccuracyBefore)} -> {Percent(f.AccuracyAfter)}; BatchesTracked {f.BatchesBefore} -> {f.BatchesAfter} (continues PyTorch's num_batches_tracked)");
                output.WriteLine($"  wrote {f.StateFile} and {f.LogitsFile}");
                output.WriteLine($"  check in PyTorch: /usr/bin/python3 samples/DeployFromPyTorch/train_pytorch.py check {Path.GetFullPath(outputDirectory)}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NormGen.StateMismatchException)
        {
            output.WriteLine("error: " + e.Message);
            return 1;
        }

        output.WriteLine();
        output.WriteLine(Invariant($"Done in {clock.Elapsed.TotalSeconds:F1} s."));
        return agree ? 0 : 1;
    }

    private static string Percent(double fraction) => Invariant($"{fraction * 100:F1} %");

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new FormatException(args[i - 1] + " needs a value");
}
