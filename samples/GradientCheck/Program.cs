using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using NormGen;

namespace GradientCheckSample;

/// <summary>
/// Compares each generated layer's Backward (dx, dGamma, dBeta) with central finite differences of
/// <c>sum(Forward(x) * dy)</c>, as cs231n's BatchNormalization notebook does, and prints the relative errors.
/// Inputs follow the notebook: x = 5 * randn + 12, random Gamma and Beta, dy = randn.
/// </summary>
internal static class Program
{
    /// <summary>
    /// Relative errors at or above this fail the check. Smooth layers give 1e-13 to 1e-8 here. With a fused ReLU,
    /// masked gradients are exactly 0 while the finite difference gives round-off of about 1e-13, which the 1e-8
    /// floor of the error's denominator turns into up to ~2e-5. A real bug gives 1e-3 or more.
    /// </summary>
    public const double Tolerance = 1e-4;

    /// <summary>Runs the checks on the console.</summary>
    public static int Main(string[] args) => Run(Console.Out, args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out int seed) ? seed : 231);

    /// <summary>Runs every check; returns 0 when all errors are below <see cref="Tolerance"/>, else 1.</summary>
    /// <param name="output">Where the table goes.</param>
    /// <param name="seed">Seed of the random inputs.</param>
    public static int Run(TextWriter output, int seed)
    {
        var random = new Random(seed);
        var checks = new List<(string Description, int Batch, INormalizationLayer<double> Layer)>
        {
            ("BatchNorm(Features = 5)", 4, new BatchNorm1d()),
            ("BatchNorm(Features = 3, Spatial = 4)", 2, new BatchNorm2d()),
            ("BatchNorm(Features = 5, Activation = Relu)", 4, new BatchNormRelu()),
            ("LayerNorm(Features = 6)", 3, new LayerNorm6()),
            ("RmsNorm(Features = 6)", 3, new RmsNorm6()),
            ("GroupNorm(Groups = 2, Channels = 4, Spatial = 3)", 2, new GroupNorm4()),
            ("InstanceNorm(Channels = 3, Spatial = 4)", 2, new InstanceNorm3()),
        };

        output.WriteLine("Gradient check of NormGen layers (double): max relative error vs central differences, h = 1e-5");
        output.WriteLine();
        output.WriteLine($"{"layer",-50} {"batch",5} {"dx",9} {"dGamma",9} {"dBeta",9}");
        bool allPass = true;
        foreach (var (description, batch, layer) in checks)
        {
            LayerGradientErrors errors = Check(layer, batch, random);
            bool pass = errors.Max < Tolerance;
            allPass &= pass;
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{description,-50} {batch,5} {errors.Dx,9:0.0e+0} {errors.DGamma,9:0.0e+0} {errors.DBeta,9:0.0e+0}{(pass ? string.Empty : "  FAIL")}"));
        }

        output.WriteLine();
        output.WriteLine(allPass
            ? $"All errors below {Tolerance:0e+0}: the generated backward passes match the numerical gradients."
            : $"Some errors are at or above {Tolerance:0e+0}.");
        return allPass ? 0 : 1;
    }

    /// <summary>Randomizes Gamma and Beta, draws x and dy, and checks the layer.</summary>
    public static LayerGradientErrors Check(INormalizationLayer<double> layer, int batch, Random random)
    {
        ArgumentNullException.ThrowIfNull(layer);
        double[] x = Draw(random, batch * layer.SampleLength, 5, 12);
        double[] dy = Draw(random, x.Length, 1, 0);
        Fill(random, layer.Gamma);
        Fill(random, layer.Beta);
        return GradientCheck.CheckLayer(layer, x, dy);
    }

    private static double[] Draw(Random random, int length, double scale, double shift)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (scale * Normal(random)) + shift;
        }

        return values;
    }

    private static void Fill(Random random, double[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Normal(random);
        }
    }

    private static double Normal(Random random)
    {
        // Box-Muller: a standard normal sample from two uniform ones.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
