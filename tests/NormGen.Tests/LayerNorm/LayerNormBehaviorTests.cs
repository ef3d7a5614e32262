using System;
using Xunit;

namespace NormGen.Tests.LayerNorm;

/// <summary>Gradient checks, float numerics with a large mean, aliasing, batch-size changes and the Training flag.</summary>
public class LayerNormBehaviorTests
{
    private const int Batch = 3;

    public static TheoryData<string> GradientCheckLayers()
    {
        var data = new TheoryData<string>();
        // Scalar rows (1, 3: shorter than a vector), vectors with a tail (7) and whole vectors (16). Larger rows are left to
        // the double reference tests (1e-12): their parameter gradients sum enough terms that the finite differences'
        // own rounding (a few 1e-12) reaches the 1e-10 bound on a small GammaGrad element.
        foreach (int features in new[] { 1, 3, 7, 16 })
        {
            foreach (string variant in new[] { "", "NoAffine", "Relu", "ReluNoAffine" })
            {
                data.Add($"Ln{features}{variant}F64");
            }
        }

        return data;
    }

    /// <summary>
    /// A call over more than 1 MiB streams from memory, and on AVX-512 hardware its kernels run 512-bit bodies as pairs
    /// of 256-bit vectors; from 8 MiB of output, y and dx are written with non-temporal stores. A sample's results must
    /// not change with either: here the first and last rows of a 300-row call (1.2 MB of float) and of a 2,100-row call
    /// (8.4 MB) against the same rows in 2-row calls, for layer and RMS norm, Forward and Backward.
    /// </summary>
    [Theory]
    [InlineData("NormGen.Tests.LayerNorm.Ln1000F32", 300)]
    [InlineData("NormGen.Tests.RmsNorm.Rms1000F32", 300)]
    [InlineData("NormGen.Tests.LayerNorm.Ln1000F32", 2100)]
    [InlineData("NormGen.Tests.RmsNorm.Rms1000F32", 2100)]
    public void A_sample_gets_the_same_bits_in_a_streaming_call(string layerName, int large)
    {
        const int Features = 1000, Small = 2;
        var random = new Random(11);
        float[] x = TestData.ToFloat(TestData.Normal(random, large * Features, 2, 3));
        float[] dy = TestData.ToFloat(TestData.Normal(random, large * Features));
        INormalizationLayer<float> largeLayer = RowLayerKit.Create<float>(layerName);
        RowLayerKit.RandomParameters(largeLayer, new Random(5));
        float[] yLarge = new float[large * Features], dxLarge = new float[large * Features];
        largeLayer.Forward(x, yLarge);
        largeLayer.Backward(x, dy, dxLarge);
        foreach (int first in new[] { 0, large - Small })
        {
            INormalizationLayer<float> small = RowLayerKit.Create<float>(layerName);
            RowLayerKit.RandomParameters(small, new Random(5));
            float[] ySmall = new float[Small * Features], dxSmall = new float[Small * Features];
            small.Forward(x.AsSpan(first * Features, Small * Features), ySmall);
            small.Backward(x.AsSpan(first * Features, Small * Features), dy.AsSpan(first * Features, Small * Features), dxSmall);
            Assert.Equal(ySmall, yLarge.AsSpan(first * Features, Small * Features).ToArray());
            Assert.Equal(dxSmall, dxLarge.AsSpan(first * Features, Small * Features).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(GradientCheckLayers))]
    public void Gradient_check_in_double(string name)
    {
        INormalizationLayer<double> layer = RowLayerKit.Create<double>("NormGen.Tests.LayerNorm." + name);
        int features = (int)layer.GetType().GetField("Features")!.GetValue(null)!;
        bool relu = name.Contains("Relu", StringComparison.Ordinal);
        var random = new Random(features + name.Length);
        RowLayerKit.RandomParameters(layer, random);
        double[] x = RowLayerKit.RowData(random, Batch, features);
        if (relu && features > 1)
        {
            // Gamma near 1 and Beta slightly positive, so that every feature is active somewhere in a few draws.
            TestData.Normal(random, layer.Gamma.Length, 1, 0.3).CopyTo(layer.Gamma, 0);
            TestData.Normal(random, layer.Beta.Length, 0.3, 0.3).CopyTo(layer.Beta, 0);
            // A finite difference across the ReLU's kink is not a derivative. CheckLayer probes up to 2h = 2e-3 away,
            // which moves an output by less than 1e-2 here: draw until no output is that close to the kink, and until
            // every feature is active in some sample (a feature masked everywhere has gradients of exactly 0, against
            // which the stencil's rounding, about 1e-13, is a relative error of 1e-5).
            var reference = new ReferenceLayerNorm(features, 1e-5, relu: false);
            for (int draw = 0; !FarFromKinkAndActive(reference.Forward(x, layer.Gamma, layer.Beta), features); draw++)
            {
                Assert.True(draw < 200, $"{name}: no suitable data in 200 draws.");
                x = RowLayerKit.RowData(random, Batch, features);
            }
        }

        double[] dy = TestData.Normal(random, x.Length);

        // With one feature every gradient but BetaGrad is exactly 0, and the loss does not change with x or Gamma at all:
        // central differences give exactly 0 too, where the fourth-order stencil's rounding (about 1e-14) would count
        // as a relative error of 1e-6 against the 1e-8 floor of RelativeError.
        LayerGradientErrors errors = features == 1
            ? GradientCheck.CheckLayer(layer, x, dy, GradientCheck.DefaultStep, FiniteDifference.Central)
            : GradientCheck.CheckLayer(layer, x, dy);

        Assert.True(errors.Dx < 1e-8, $"{name}: dx relative error {errors.Dx:E2}");
        Assert.True(errors.DGamma < 1e-10, $"{name}: dGamma relative error {errors.DGamma:E2}");
        Assert.True(errors.DBeta < 1e-10, $"{name}: dBeta relative error {errors.DBeta:E2}");
    }

    [Fact]
    public void Float_rows_with_mean_1e4_and_std_1e_2_normalize_correctly()
    {
        var layer = new Ln128F32();
        var random = new Random(5);
        double[] x = TestData.RoundToFloat(TestData.Normal(random, 64 * 128, 1e4, 1e-2));
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, x.Length));
        var y = new float[x.Length];
        var dx = new float[x.Length];
        layer.Forward(TestData.ToFloat(x), y);
        layer.Backward(TestData.ToFloat(x), TestData.ToFloat(dy), dx);

        // The reference sees the same float-rounded x (its quantization, 1e-3 steps, is the input, not an error).
        var reference = new ReferenceLayerNorm(128, 1e-5);
        (double[] mean, double[] variance) = reference.Statistics(x);
        (double[] yMean, double[] yVariance) = reference.Statistics(TestData.ToDouble(y));
        for (int n = 0; n < 64; n++)
        {
            Assert.True(Math.Abs(yMean[n]) < 1e-4, $"row {n}: mean of y {yMean[n]:E3}");
            // Epsilon (1e-5) against a variance near 1e-4 shrinks the std below 1; the reference includes it.
            double expectedStd = Math.Sqrt(variance[n] / (variance[n] + 1e-5));
            Assert.True(Math.Abs(Math.Sqrt(yVariance[n]) - expectedStd) < 1e-4, $"row {n}: std of y {Math.Sqrt(yVariance[n]):F6}, expected {expectedStd:F6}");
            Assert.InRange(mean[n], 1e4 - 0.01, 1e4 + 0.01);
        }

        double[] gamma = TestData.ToDouble(layer.Gamma), beta = TestData.ToDouble(layer.Beta);
        (double[] expectedDx, double[] expectedDGamma, double[] expectedDBeta) = reference.Backward(x, dy, gamma, beta);
        TestData.AssertClose(reference.Forward(x, gamma, beta), TestData.ToDouble(y), 1e-4, "y");
        TestData.AssertClose(expectedDx, TestData.ToDouble(dx), 1e-4, "dx");
        TestData.AssertClose(expectedDGamma, TestData.ToDouble(layer.GammaGrad), 1e-4, "GammaGrad");
        TestData.AssertClose(expectedDBeta, TestData.ToDouble(layer.BetaGrad), 1e-4, "BetaGrad");
    }

    [Fact]
    public void Forward_in_place_and_Backward_into_dy_give_the_same_results()
    {
        var layer = new Ln100ReluF32();
        var random = new Random(6);
        RowLayerKit.RandomParameters(layer, random);
        float[] x = TestData.ToFloat(RowLayerKit.RowData(random, 5, 100));
        float[] dy = TestData.ToFloat(TestData.Normal(random, x.Length));
        var y = new float[x.Length];
        var dx = new float[x.Length];
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);
        float[] gammaGrad = (float[])layer.GammaGrad.Clone();

        float[] inPlace = (float[])x.Clone();
        layer.Forward(inPlace, inPlace);
        Assert.Equal(y, inPlace);

        float[] dyInPlace = (float[])dy.Clone();
        layer.Backward(x, dyInPlace, dyInPlace);
        Assert.Equal(dx, dyInPlace);
        Assert.Equal(gammaGrad, layer.GammaGrad);
    }

    [Fact]
    public void Training_flag_does_not_change_the_math()
    {
        var layer = new Ln16ReluF64();
        var random = new Random(7);
        RowLayerKit.RandomParameters(layer, random);
        double[] x = RowLayerKit.RowData(random, 4, 16);
        double[] dy = TestData.Normal(random, x.Length);
        Assert.True(layer.Training);
        var training = new double[x.Length];
        var trainingDx = new double[x.Length];
        layer.Forward(x, training);
        layer.Backward(x, dy, trainingDx);

        // Inference gives the same outputs; it keeps no statistics, so Backward needs a training Forward again.
        layer.Training = false;
        var inference = new double[x.Length];
        layer.Forward(x, inference);
        Assert.Equal(training, inference);
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(x, dy, new double[x.Length]));
        Assert.Contains("training Forward", error.Message);
    }

    [Fact]
    public void Batches_may_grow_and_shrink_between_calls()
    {
        var layer = new Ln7F64();
        var random = new Random(8);
        RowLayerKit.RandomParameters(layer, random);
        var reference = new ReferenceLayerNorm(7, 1e-5);
        foreach (int batch in new[] { 2, 9, 1, 9, 4 })
        {
            double[] x = RowLayerKit.RowData(random, batch, 7);
            double[] dy = TestData.Normal(random, x.Length);
            var y = new double[x.Length];
            var dx = new double[x.Length];
            layer.Forward(x, y);
            layer.Backward(x, dy, dx);
            TestData.AssertClose(reference.Forward(x, layer.Gamma, layer.Beta), y, 1e-12, $"batch {batch}: y");
            TestData.AssertClose(reference.Backward(x, dy, layer.Gamma, layer.Beta).Dx, dx, 1e-12, $"batch {batch}: dx");
        }
    }

    /// <summary>No pre-activation output within 1e-2 of 0, and every feature positive in at least one sample.</summary>
    private static bool FarFromKinkAndActive(double[] z, int features)
    {
        var active = new bool[features];
        for (int i = 0; i < z.Length; i++)
        {
            if (Math.Abs(z[i]) < 1e-2)
            {
                return false;
            }

            active[i % features] |= z[i] > 0;
        }

        return Array.TrueForAll(active, a => a);
    }
}
