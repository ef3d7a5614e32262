using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>
/// The consumer's inputs (written into its Inputs.cs), the outputs expected from the scalar formulas in
/// <see cref="Reference"/>, and the check of what the consumer printed. Shapes and hyperparameters match
/// Consumer/Layers.cs and Consumer/LayerNormLayers.cs.
/// </summary>
internal static class ConsumerCase
{
    // BnFloat: [BatchNorm(Features = 3)], batch 4.
    private const int BnFloatFeatures = 3;
    private static readonly float[] BnFloatX = { 0.5f, -1.25f, 3f, 2f, 0.75f, -2.5f, -1.5f, 4f, 1f, 3.25f, -0.5f, 0.25f };
    private static readonly float[] BnFloatGamma = { 1.5f, 0.5f, -2f };
    private static readonly float[] BnFloatBeta = { 0.25f, -1f, 0.125f };
    private static readonly float[] BnFloatDy = { 0.1f, -0.3f, 0.7f, -0.2f, 0.4f, 0.05f, 0.9f, -0.6f, -0.25f, 0.3f, 0.2f, -0.45f };

    // BnDouble: [BatchNorm(Features = 2, ElementType = typeof(double), Momentum = 0.5, Epsilon = 1e-3)], batches of 3 and 3.
    private const int BnDoubleFeatures = 2;
    private const double BnDoubleMomentum = 0.5;
    private const double BnDoubleEpsilon = 1e-3;
    private static readonly double[] BnDoubleX1 = { 1.0, 10.0, 2.5, 12.0, 4.0, 17.0 };
    private static readonly double[] BnDoubleX2 = { -1.0, 3.0, 0.5, 2.0, 6.0, 8.5 };

    // BnSpatialRelu: [BatchNorm(Features = 2, Spatial = 3, Activation = Activation.Relu)], batch 2.
    private const int BnSpatialFeatures = 2;
    private const int BnSpatialPositions = 3;
    private static readonly float[] BnSpatialX = { 1f, 2f, 3f, -1f, 0f, 1f, 4f, 0.5f, -2f, 2f, 3f, -0.5f };
    private static readonly float[] BnSpatialGamma = { 1.25f, 0.75f };
    private static readonly float[] BnSpatialBeta = { -0.5f, 0.3f };

    // LnFloat: [LayerNorm(Features = 4)], batch 3.
    private const int LnFeatures = 4;
    private static readonly float[] LnX = { 1f, 2f, 4f, 8f, -3f, 0.5f, 0.25f, 2f, 10f, 11f, 9f, 10.5f };
    private static readonly float[] LnGamma = { 1f, 0.5f, 2f, -1f };
    private static readonly float[] LnBeta = { 0f, 0.25f, -0.5f, 1f };
    private static readonly float[] LnDy = { 0.2f, -0.1f, 0.4f, 0.3f, -0.5f, 0.6f, 0.1f, -0.2f, 0.05f, 0.15f, -0.35f, 0.25f };

    // PyTorch defaults of the attributes.
    private const double DefaultMomentum = 0.9;
    private const double DefaultEpsilon = 1e-5;

    /// <summary>C# source of the consumer's Inputs class, with round-trip literals.</summary>
    public static string InputsSource()
    {
        var source = new StringBuilder();
        source.AppendLine("// Written by NormGen.Package.Tests (ConsumerCase.InputsSource).");
        source.AppendLine("namespace NormGenConsumer;");
        source.AppendLine();
        source.AppendLine("internal static class Inputs");
        source.AppendLine("{");
        Field(source, "BnFloatX", BnFloatX);
        Field(source, "BnFloatGamma", BnFloatGamma);
        Field(source, "BnFloatBeta", BnFloatBeta);
        Field(source, "BnFloatDy", BnFloatDy);
        Field(source, "BnDoubleX1", BnDoubleX1);
        Field(source, "BnDoubleX2", BnDoubleX2);
        Field(source, "BnSpatialX", BnSpatialX);
        Field(source, "BnSpatialGamma", BnSpatialGamma);
        Field(source, "BnSpatialBeta", BnSpatialBeta);
        Field(source, "LnX", LnX);
        Field(source, "LnGamma", LnGamma);
        Field(source, "LnBeta", LnBeta);
        Field(source, "LnDy", LnDy);
        source.AppendLine("}");
        return source.ToString();
    }

    /// <summary>Every line the consumer prints, computed with <see cref="Reference"/>.</summary>
    public static Dictionary<string, double[]> Expected(bool layerNorm)
    {
        var expected = new Dictionary<string, double[]>();

        // Float batch norm: one training step, backward, then inference on the same batch.
        double[] x = ToDouble(BnFloatX);
        double[] gamma = ToDouble(BnFloatGamma);
        double[] beta = ToDouble(BnFloatBeta);
        (double[] mean, double[] variance) = Reference.BatchMoments(x, BnFloatFeatures, 1);
        expected["BnFloat.features"] = new double[] { BnFloatFeatures };
        expected["BnFloat.train.y"] = Reference.Normalize(x, BnFloatFeatures, 1, mean, variance, gamma, beta, DefaultEpsilon, relu: false);
        (double[] dx, double[] dGamma, double[] dBeta) =
            Reference.BatchNormBackward(x, ToDouble(BnFloatDy), BnFloatFeatures, 1, gamma, DefaultEpsilon);
        expected["BnFloat.dx"] = dx;
        expected["BnFloat.gammaGrad"] = dGamma;
        expected["BnFloat.betaGrad"] = dBeta;
        double[] runningMean = new double[BnFloatFeatures];
        double[] runningVariance = Enumerable.Repeat(1.0, BnFloatFeatures).ToArray();
        Reference.UpdateRunning(runningMean, runningVariance, mean, variance, DefaultMomentum, x.Length / BnFloatFeatures);
        expected["BnFloat.runningMean"] = runningMean;
        expected["BnFloat.runningVariance"] = runningVariance;
        expected["BnFloat.batchesTracked"] = new double[] { 1 };
        expected["BnFloat.infer.y"] = Reference.Normalize(x, BnFloatFeatures, 1, runningMean, runningVariance, gamma, beta, DefaultEpsilon, relu: false);

        // Double batch norm: two training steps (running statistics accumulate), then inference on the first batch.
        double[] ones = { 1, 1 };
        double[] zeros = { 0, 0 };
        runningMean = new double[BnDoubleFeatures];
        runningVariance = Enumerable.Repeat(1.0, BnDoubleFeatures).ToArray();
        int step = 1;
        foreach (double[] batch in new[] { BnDoubleX1, BnDoubleX2 })
        {
            (mean, variance) = Reference.BatchMoments(batch, BnDoubleFeatures, 1);
            expected[$"BnDouble.train{step++}.y"] =
                Reference.Normalize(batch, BnDoubleFeatures, 1, mean, variance, ones, zeros, BnDoubleEpsilon, relu: false);
            Reference.UpdateRunning(runningMean, runningVariance, mean, variance, BnDoubleMomentum, batch.Length / BnDoubleFeatures);
        }
        expected["BnDouble.runningMean"] = runningMean;
        expected["BnDouble.runningVariance"] = runningVariance;
        expected["BnDouble.batchesTracked"] = new double[] { 2 };
        expected["BnDouble.infer.y"] =
            Reference.Normalize(BnDoubleX1, BnDoubleFeatures, 1, runningMean, runningVariance, ones, zeros, BnDoubleEpsilon, relu: false);

        // Spatial batch norm with ReLU: statistics over batch and spatial positions.
        x = ToDouble(BnSpatialX);
        gamma = ToDouble(BnSpatialGamma);
        beta = ToDouble(BnSpatialBeta);
        (mean, variance) = Reference.BatchMoments(x, BnSpatialFeatures, BnSpatialPositions);
        expected["BnSpatialRelu.sampleLength"] = new double[] { BnSpatialFeatures * BnSpatialPositions };
        expected["BnSpatialRelu.train.y"] =
            Reference.Normalize(x, BnSpatialFeatures, BnSpatialPositions, mean, variance, gamma, beta, DefaultEpsilon, relu: true);
        runningMean = new double[BnSpatialFeatures];
        runningVariance = Enumerable.Repeat(1.0, BnSpatialFeatures).ToArray();
        Reference.UpdateRunning(runningMean, runningVariance, mean, variance, DefaultMomentum, x.Length / BnSpatialFeatures);
        expected["BnSpatialRelu.runningMean"] = runningMean;
        expected["BnSpatialRelu.runningVariance"] = runningVariance;
        expected["BnSpatialRelu.infer.y"] = Reference.Normalize(
            x, BnSpatialFeatures, BnSpatialPositions, runningMean, runningVariance, gamma, beta, DefaultEpsilon, relu: true);

        if (layerNorm)
        {
            (double[] y, dx, dGamma, dBeta) =
                Reference.LayerNorm(ToDouble(LnX), ToDouble(LnDy), LnFeatures, ToDouble(LnGamma), ToDouble(LnBeta), DefaultEpsilon);
            expected["LnFloat.y"] = y;
            expected["LnFloat.dx"] = dx;
            expected["LnFloat.gammaGrad"] = dGamma;
            expected["LnFloat.betaGrad"] = dBeta;
        }
        return expected;
    }

    /// <summary>
    /// Checks the consumer's output line by line: the same keys as <see cref="Expected"/>, each value within
    /// 1e-5 (float layers; absolute plus relative) or 1e-12 (the double layer) of the formula, then "done".
    /// </summary>
    public static void AssertOutput(string output, bool layerNorm, string label)
    {
        Dictionary<string, double[]> expected = Expected(layerNorm);
        var actual = new Dictionary<string, double[]>();
        string[] lines = output.Replace("\r", "", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 0 && lines[^1] == "done", $"{label}: the consumer did not finish:\n{output}");
        foreach (string line in lines[..^1])
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            Assert.True(colon > 0, $"{label}: unexpected line '{line}'");
            actual[line[..colon]] = line[(colon + 1)..]
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture))
                .ToArray();
        }
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach ((string key, double[] want) in expected)
        {
            double[] got = actual[key];
            Assert.True(want.Length == got.Length, $"{label}: {key} has {got.Length} values, expected {want.Length}");
            double tolerance = key.StartsWith("BnDouble.", StringComparison.Ordinal) ? 1e-12 : 1e-5;
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(
                    Math.Abs(got[i] - want[i]) <= tolerance * (1 + Math.Abs(want[i])),
                    $"{label}: {key}[{i}] = {got[i].ToString("R", CultureInfo.InvariantCulture)}, expected "
                    + $"{want[i].ToString("R", CultureInfo.InvariantCulture)} (tolerance {tolerance})\n{output}");
            }
        }
    }

    private static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();

    private static void Field(StringBuilder source, string name, float[] values) =>
        source.AppendLine($"    public static readonly float[] {name} = {{ "
            + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "f")) + " };");

    private static void Field(StringBuilder source, string name, double[] values) =>
        source.AppendLine($"    public static readonly double[] {name} = {{ "
            + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "d")) + " };");
}
