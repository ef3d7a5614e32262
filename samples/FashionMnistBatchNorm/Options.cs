using System;
using System.Globalization;

namespace FashionMnistBatchNorm;

/// <summary>A command-line error, shown with the usage text.</summary>
internal sealed class OptionsException(string message) : Exception(message);

/// <summary>Command-line options.</summary>
/// <param name="Quick">Smoke run: fewer epochs, images and grid points.</param>
/// <param name="Epochs">Epochs of every run, or null for the default (10, or 3 with --quick).</param>
/// <param name="Seed">Seed of every random choice (initial weights, shuffles).</param>
/// <param name="OutputDirectory">Where results.json, results.md and the PNG plots go.</param>
/// <param name="DataDirectory">Folder with the full Fashion-MNIST IDX files, or null for the embedded subset.</param>
/// <param name="Help">Print the usage and exit.</param>
/// <param name="SmallBatches">
/// Extend the batch-size experiment to batches of 2 and to batch renormalization and ghost batch norm (issue 15).
/// </param>
internal sealed record Options(bool Quick, int? Epochs, int Seed, string OutputDirectory, string? DataDirectory, bool Help, bool SmallBatches = false)
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage: dotnet run -c Release --project samples/FashionMnistBatchNorm -- [options]

        Trains a 5-hidden-layer fully connected net on Fashion-MNIST with NormGen-generated batch norm
        and without, then runs the weight-scale and batch-size experiments (cs231n's BatchNormalization notebook).

        Options:
          --quick        smoke run (about half a minute): fewer epochs, images and grid points
          --small-batches
                         the batch-size experiment also trains with batches of 2 and compares batch renormalization
                         and ghost (virtual) batch norm with plain batch norm and layer norm: 16 runs instead of 7
                         (about a minute more)
          --epochs N     epochs of every run (default 10; 3 with --quick)
          --seed N       seed of initial weights and shuffles (default 1); same seed, same numbers on one machine
          --out DIR      output folder for results.json, results.md and the plots (default out/fashion-mnist)
          --data DIR     folder with the full IDX files (train-images-idx3-ubyte.gz, ...), e.g.
                         /usr/share/datasets/fashion-mnist; default: the 5,000 + 1,000 image subset embedded here.
                         With the full files the main experiment trains on all 60,000 images (a few minutes more)
          --help         this text
        """;

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="OptionsException">An unknown option, a missing value or a bad number.</exception>
    public static Options Parse(string[] args)
    {
        var options = new Options(false, null, 1, "out/fashion-mnist", null, false);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            options = arg switch
            {
                "--quick" => options with { Quick = true },
                "--small-batches" => options with { SmallBatches = true },
                "--help" or "-h" or "-?" => options with { Help = true },
                "--epochs" => options with { Epochs = PositiveInt(arg, Value(args, ref i)) },
                "--seed" => options with { Seed = Int(arg, Value(args, ref i)) },
                "--out" => options with { OutputDirectory = Value(args, ref i) },
                "--data" => options with { DataDirectory = Value(args, ref i) },
                _ => throw new OptionsException($"unknown option '{arg}'."),
            };
        }

        return options;
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new OptionsException($"{args[i]} needs a value.");
        }

        i++;
        return args[i];
    }

    private static int Int(string option, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new OptionsException($"{option} needs an integer; got '{text}'.");

    private static int PositiveInt(string option, string text)
    {
        int value = Int(option, text);
        return value > 0 ? value : throw new OptionsException($"{option} needs a positive integer; got {value}.");
    }
}

/// <summary>Number formatting shared by the console, the tables and the plots.</summary>
internal static class Format
{
    /// <summary>Formats a fraction as a percentage with one decimal, padded to six characters, e.g. " 85.3%".</summary>
    public static string Percent(double fraction) => (100 * fraction).ToString("0.0", CultureInfo.InvariantCulture).PadLeft(5) + "%";

    /// <summary>A weight scale in short scientific form: 1e-4, 3.2e-4, 2e-2, 1.</summary>
    public static string Scale(double scale)
    {
        if (scale <= 0 || double.IsNaN(scale) || double.IsInfinity(scale))
        {
            return scale.ToString(CultureInfo.InvariantCulture);
        }

        int exponent = (int)Math.Floor(Math.Log10(scale) + 1e-9);
        double mantissa = Math.Round(scale / Math.Pow(10, exponent), 1);
        if (mantissa >= 10)
        {
            mantissa /= 10;
            exponent++;
        }

        string m = mantissa.ToString("0.#", CultureInfo.InvariantCulture);
        return exponent == 0 ? m : $"{m}e{exponent.ToString(CultureInfo.InvariantCulture)}";
    }
}
