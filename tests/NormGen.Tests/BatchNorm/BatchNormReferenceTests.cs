using System;
using System.Collections.Generic;
using System.Numerics;
using Xunit;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// Generated batch-norm layers against the scalar double-precision reference: training Forward, running statistics,
/// Backward, and inference Forward, over every Features size and batch size the issue names.
/// </summary>
public class BatchNormReferenceTests
{
    private static readonly Dictionary<int, Func<IBatchNormLayer<float>>> FloatLayers = new()
    {
        [1] = () => new BnF1(),
        [3] = () => new BnF3(),
        [7] = () => new BnF7(),
        [8] = () => new BnF8(),
        [16] = () => new BnF16(),
        [100] = () => new BnF100(),
        [128] = () => new BnF128(),
        [1000] = () => new BnF1000(),
        [4097] = () => new BnF4097(),
    };

    private static readonly Dictionary<int, Func<IBatchNormLayer<double>>> DoubleLayers = new()
    {
        [1] = () => new BnD1(),
        [3] = () => new BnD3(),
        [7] = () => new BnD7(),
        [8] = () => new BnD8(),
        [16] = () => new BnD16(),
        [100] = () => new BnD100(),
        [128] = () => new BnD128(),
        [1000] = () => new BnD1000(),
        [4097] = () => new BnD4097(),
    };

    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int features in new[] { 1, 3, 7, 8, 16, 100, 128, 1000, 4097 })
        {
            foreach (int batch in new[] { 2, 3, 64, 257 })
            {
                data.Add(features, batch);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_layer_matches_reference(int features, int batch) =>
        CheckAgainstReference(FloatLayers[features](), features, 1, batch, tolerance: 1e-4, relu: false, seed: features * 1000 + batch);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_layer_matches_reference(int features, int batch) =>
        CheckAgainstReference(DoubleLayers[features](), features, 1, batch, tolerance: 1e-12, relu: false, seed: features * 1000 + batch);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(64)]
    public void Spatial_layers_match_reference(int batch)
    {
        CheckAgainstReference(new BnSpatialF3x5(), 3, 5, batch, 1e-4, relu: false, seed: batch);
        CheckAgainstReference(new BnSpatialF16x17(), 16, 17, batch, 1e-4, relu: false, seed: batch + 1);
        CheckAgainstReference(new BnSpatialD4x256(), 4, 256, batch, 1e-12, relu: false, seed: batch + 2);
        CheckAgainstReference(new BnSpatialD3x7(), 3, 7, batch, 1e-12, relu: false, seed: batch + 3);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(33)]
    [InlineData(257)]
    public void Fused_relu_layers_match_reference(int batch)
    {
        CheckAgainstReference(new BnReluF100(), 100, 1, batch, 1e-4, relu: true, seed: batch);
        CheckAgainstReference(new BnReluD21(), 21, 1, batch, 1e-12, relu: true, seed: batch + 1);
        CheckAgainstReference(new BnSpatialReluD6x9(), 6, 9, batch, 1e-12, relu: true, seed: batch + 2);
    }

    [Fact]
    public void Non_affine_layer_matches_reference_and_has_no_parameters()
    {
        var layer = new BnNoAffineD37();
        Assert.Empty(layer.Gamma);
        Assert.Empty(layer.Beta);
        Assert.Empty(layer.GammaGrad);
        CheckAgainstReference(layer, 37, 1, 19, 1e-12, relu: false, seed: 5);
    }

    [Fact]
    public void Biased_running_variance_and_momentum_follow_the_attribute()
    {
        var layer = new BnBiasedD37();
        var random = new Random(11);
        double[] x = TestData.FeatureData(random, 10, 37);
        layer.Forward(x, new double[x.Length]);
        (double[] mean, double[] variance) = new ReferenceBatchNorm(37, 1, 1e-5).Statistics(x);
        for (int f = 0; f < 37; f++)
        {
            Assert.Equal(0.3 * mean[f], layer.RunningMean[f], 1e-13);
            Assert.Equal(0.7 + 0.3 * variance[f], layer.RunningVariance[f], 1e-13);
        }
    }

    /// <summary>
    /// One training step (Forward, running statistics, Backward) and one inference Forward, compared with the reference.
    /// Gamma and Beta are random so they matter; inputs are rounded to float so both precisions see the same data.
    /// </summary>
    internal static void CheckAgainstReference<T>(IBatchNormLayer<T> layer, int features, int spatial, int batch, double tolerance, bool relu, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var reference = new ReferenceBatchNorm(features, spatial, 1e-5, relu);
        double[] gamma = layer.Gamma.Length == 0 ? Array.Empty<double>() : TestData.RoundToFloat(TestData.Normal(random, features, 1, 0.3));
        double[] beta = layer.Beta.Length == 0 ? Array.Empty<double>() : TestData.RoundToFloat(TestData.Normal(random, features, 0, 0.5));
        Copy(gamma, layer.Gamma);
        Copy(beta, layer.Beta);
        double[]? gammaOrNull = gamma.Length == 0 ? null : gamma;
        double[]? betaOrNull = beta.Length == 0 ? null : beta;

        double[] x = TestData.RoundToFloat(TestData.FeatureData(random, batch, features, spatial));
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, x.Length));

        // Training Forward.
        T[] y = new T[x.Length];
        layer.Forward(Convert<T>(x), y);
        (double[] mean, double[] variance) = reference.Statistics(x);
        double[] expectedY = reference.Normalize(x, mean, variance, gammaOrNull, betaOrNull);
        TestData.AssertClose(expectedY, ToDouble(y), tolerance, $"{layer.Name} y (batch {batch})", scale: Math.Max(1, TestData.MaxAbs(expectedY)));

        // Running statistics: Momentum 0.9 from (0, 1), unbiased variance.
        double count = batch * spatial;
        double[] expectedRunningMean = Array.ConvertAll(mean, m => 0.1 * m);
        double[] expectedRunningVariance = Array.ConvertAll(variance, v => 0.9 + 0.1 * v * count / (count - 1));
        TestData.AssertClose(expectedRunningMean, ToDouble(layer.RunningMean), tolerance, $"{layer.Name} RunningMean", scale: 1);
        TestData.AssertClose(expectedRunningVariance, ToDouble(layer.RunningVariance), tolerance, $"{layer.Name} RunningVariance", scale: 1);
        Assert.Equal(1, layer.BatchesTracked);

        // Backward, against the staged graph. dx is measured against the size of its terms, gamma * invstd * |dy|.
        T[] dx = new T[x.Length];
        layer.Backward(Convert<T>(x), Convert<T>(dy), dx);
        (double[] expectedDx, double[] expectedDGamma, double[] expectedDBeta) = reference.Backward(x, dy, gammaOrNull, betaOrNull);
        double dxScale = TestData.MaxAbs(dy) * Math.Max(1, TestData.MaxAbs(gamma)) / Math.Sqrt(Min(variance) + 1e-5);
        TestData.AssertClose(expectedDx, ToDouble(dx), tolerance, $"{layer.Name} dx (batch {batch})", scale: dxScale);
        if (gamma.Length > 0)
        {
            TestData.AssertClose(expectedDGamma, ToDouble(layer.GammaGrad), tolerance, $"{layer.Name} dGamma", scale: Math.Max(1, TestData.MaxAbs(expectedDGamma)));
            TestData.AssertClose(expectedDBeta, ToDouble(layer.BetaGrad), tolerance, $"{layer.Name} dBeta", scale: Math.Max(1, TestData.MaxAbs(expectedDBeta)));
        }

        // Inference Forward on fresh data uses the running statistics.
        layer.Training = false;
        double[] fresh = TestData.RoundToFloat(TestData.FeatureData(random, batch, features, spatial));
        T[] inferred = new T[fresh.Length];
        layer.Forward(Convert<T>(fresh), inferred);
        double[] expectedInferred = reference.Normalize(fresh, ToDouble(layer.RunningMean), ToDouble(layer.RunningVariance), gammaOrNull, betaOrNull);
        TestData.AssertClose(expectedInferred, ToDouble(inferred), tolerance, $"{layer.Name} inference y", scale: Math.Max(1, TestData.MaxAbs(expectedInferred)));
    }

    private static double Min(double[] values)
    {
        double min = double.MaxValue;
        foreach (double v in values)
        {
            min = Math.Min(min, v);
        }

        return min;
    }

    internal static T[] Convert<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => Array.ConvertAll(values, T.CreateChecked);

    internal static double[] ToDouble<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => Array.ConvertAll(values, double.CreateChecked);

    private static void Copy<T>(double[] source, T[] target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < source.Length; i++)
        {
            target[i] = T.CreateChecked(source[i]);
        }
    }
}
