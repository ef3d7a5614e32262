using System;
using System.Numerics;

namespace NormGen.Tests.GroupNorm;

/// <summary>Runs a generated group- or instance-norm layer on double data and checks it against <see cref="ReferenceGroupNorm"/>.</summary>
internal static class GroupNormHarness
{
    /// <summary>Outputs of one Forward + Backward of a layer, widened to double.</summary>
    public sealed record Outputs(double[] Y, double[] Dx, double[] GammaGrad, double[] BetaGrad);

    /// <summary>Seeded inputs: x with per-channel means and stds, dy, and Gamma/Beta (empty when not affine).</summary>
    public sealed record Inputs(double[] X, double[] Dy, double[] Gamma, double[] Beta);

    /// <summary>Inputs for a layer of this shape; rounded to float values when <paramref name="forFloat"/>, so both sides see the same numbers.</summary>
    public static Inputs MakeInputs(int seed, int batch, int channels, int spatial, bool affine, bool forFloat)
    {
        var random = new Random(seed);
        double[] x = TestData.FeatureData(random, batch, channels, spatial);
        double[] dy = TestData.Normal(random, x.Length);
        double[] gamma = affine ? TestData.Normal(random, channels, 1, 0.5) : Array.Empty<double>();
        double[] beta = affine ? TestData.Normal(random, channels) : Array.Empty<double>();
        return forFloat
            ? new Inputs(TestData.RoundToFloat(x), TestData.RoundToFloat(dy), TestData.RoundToFloat(gamma), TestData.RoundToFloat(beta))
            : new Inputs(x, dy, gamma, beta);
    }

    /// <summary>
    /// Gradient-checks a double layer with <see cref="GradientCheck.CheckLayer"/> on inputs chosen so finite differences can
    /// resolve the gradient, and asserts dx below 3e-8 (the 1e-8 is at the noise of the differences, see the
    /// assertion), GammaGrad and BetaGrad below 1e-10.
    /// </summary>
    /// <remarks>
    /// Finite differences need a loss that is smooth on the scale of the step, and a gradient well above their noise:
    /// <list type="bullet">
    /// <item>Groups of 3 or more values are redrawn until their standard deviation is at least 0.5 (a narrow group curves
    /// the loss like 1/std^5, and the fourth-order stencil's error with it; the PyTorch fixtures do the same).</item>
    /// <item>Groups of 2 values normalize to +-sqrt(var / (var + eps)), so dx is of order eps / var: tiny for well-spread
    /// values, and lost in the stencil's noise. Their values are drawn with std 0.005 instead, where eps and var are
    /// alike and dx is large, and the step for dx is 1e-5, well below that spread.</item>
    /// <item>Groups of 1 value have dx = 0 exactly (y = Beta); the central stencil gives exactly 0 for a constant loss,
    /// while GradientCheck's fourth-order one leaves about 1e-14, which is relative error 1e-6 against the 1e-8 floor.</item>
    /// </list>
    /// </remarks>
    public static void AssertGradientsCheck(INormalizationLayer<double> layer, int seed, int batch, int groups, int channels, int spatial, string what)
    {
        int m = channels / groups * spatial;
        var random = new Random(seed);
        double[] x = m == 2 ? TestData.Normal(random, batch * channels * spatial, 1, 0.005) : TestData.FeatureData(random, batch, channels, spatial);
        if (m >= 3)
        {
            for (int start = 0; start < x.Length; start += m)
            {
                while (PopulationStd(x.AsSpan(start, m)) < 0.5)
                {
                    TestData.Normal(random, m, 0, 1.5).CopyTo(x, start);
                }
            }
        }

        double[] dy = TestData.Normal(random, x.Length);
        if (layer.Gamma.Length > 0)
        {
            TestData.Normal(random, channels, 1, 0.5).CopyTo(layer.Gamma, 0);
            TestData.Normal(random, channels).CopyTo(layer.Beta, 0);
        }

        LayerGradientErrors errors;
        if (m == 1)
        {
            errors = GradientCheck.CheckLayer(layer, x, dy, scheme: FiniteDifference.Central);
        }
        else if (m == 2)
        {
            // The loss is linear in Gamma and Beta: any step is exact for them but for rounding, so they keep the default step.
            LayerGradientErrors coarse = GradientCheck.CheckLayer(layer, x, dy);
            errors = GradientCheck.CheckLayer(layer, x, dy, h: 1e-5) with { DGamma = coarse.DGamma, DBeta = coarse.DBeta };
        }
        else
        {
            errors = GradientCheck.CheckLayer(layer, x, dy);
        }

        // 3e-8: the differences of the loss carry the forward pass's rounding, which depends on the order of its sums
        // (one per vector width); groups of about 50 values reach 1.1e-8 to 1.4e-8 under the scalar, 128- and 256-bit code.
        Xunit.Assert.True(errors.Dx < 3e-8, $"{what}: dx relative error {errors.Dx:E3}");
        // Gamma and Beta: the loss is linear in them, so what remains is the loss's rounding over the step, near 1e-10;
        // the 512-bit code's order of sums reaches 1.4e-10 on one group of 19 values (C38G2S1, batch 1).
        Xunit.Assert.True(errors.DGamma < 3e-10, $"{what}: dGamma relative error {errors.DGamma:E3}");
        Xunit.Assert.True(errors.DBeta < 3e-10, $"{what}: dBeta relative error {errors.DBeta:E3}");
    }

    private static double PopulationStd(ReadOnlySpan<double> values)
    {
        double mean = 0;
        foreach (double v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        double variance = 0;
        foreach (double v in values)
        {
            variance += (v - mean) * (v - mean);
        }

        return Math.Sqrt(variance / values.Length);
    }

    /// <summary>Copies Gamma/Beta into the layer, runs Forward then Backward on the inputs, and returns everything as double.</summary>
    public static Outputs Run<T>(INormalizationLayer<T> layer, Inputs inputs)
        where T : unmanaged, INumberBase<T>
    {
        Convert<T>(inputs.Gamma).CopyTo(layer.Gamma, 0);
        Convert<T>(inputs.Beta).CopyTo(layer.Beta, 0);
        T[] x = Convert<T>(inputs.X);
        var y = new T[x.Length];
        var dx = new T[x.Length];
        layer.Forward(x, y);
        layer.Backward(x, Convert<T>(inputs.Dy), dx);
        return new Outputs(Widen(y), Widen(dx), Widen(layer.GammaGrad), Widen(layer.BetaGrad));
    }

    /// <summary>Asserts the layer's outputs equal the reference's within <paramref name="tolerance"/> relative to each array's largest value.</summary>
    public static void AssertMatchesReference(
        Outputs actual, Inputs inputs, int groups, int channels, int spatial, double epsilon, double tolerance, string what)
    {
        ReferenceGroupNorm.Result expected = ReferenceGroupNorm.Run(groups, channels, spatial, epsilon, inputs.Gamma, inputs.Beta, inputs.X, inputs.Dy);
        TestData.AssertClose(expected.Y, actual.Y, tolerance, what + " y");
        // dx is a difference of terms of size invstd * |g|, which can cancel to far less (groups of two values): measure
        // its error against those terms, the accuracy any implementation can reach.
        TestData.AssertClose(expected.Dx, actual.Dx, tolerance, what + " dx", expected.DxScale);
        TestData.AssertClose(expected.GammaGrad, actual.GammaGrad, tolerance, what + " GammaGrad");
        TestData.AssertClose(expected.BetaGrad, actual.BetaGrad, tolerance, what + " BetaGrad");
    }

    public static T[] Convert<T>(double[] values)
        where T : INumberBase<T> => Array.ConvertAll(values, T.CreateChecked);

    public static double[] Widen<T>(T[] values)
        where T : INumberBase<T> => Array.ConvertAll(values, double.CreateChecked);
}
