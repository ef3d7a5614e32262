using System;
using Xunit;

namespace NormGen.Tests.SmallBatch;

[BatchNorm(Features = 13, Renorm = true, RenormMaxScale = 1, RenormMaxShift = 0)] public partial class RenormIdentityF13 { }
[BatchNorm(Features = 13)] public partial class PlainF13 { }
[BatchNorm(Features = 4, Spatial = 3, Renorm = true, RenormMaxScale = 1.5, RenormMaxShift = 0.5, Momentum = 1, ElementType = typeof(double), Activation = Activation.Relu)]
public partial class RenormCheckD4S3 { }
[BatchNorm(Features = 5, VirtualBatchSize = 3, ElementType = typeof(double), UnbiasedRunningVariance = false)] public partial class GhostCheckD5V3 { }
[BatchNorm(Features = 6, VirtualBatchSize = 4)] public partial class GhostF6V4 { }

/// <summary>Batch renormalization and ghost batches beyond the PyTorch fixtures: identities, gradients, errors.</summary>
public class SmallBatchBehaviorTests
{
    [Fact]
    public void Renorm_with_r_max_1_and_d_max_0_is_plain_batch_norm_exactly()
    {
        var renorm = new RenormIdentityF13();
        var plain = new PlainF13();
        var random = new Random(41);
        for (int step = 0; step < 6; step++)
        {
            float[] x = TestData.ToFloat(TestData.FeatureData(random, 9, 13));
            float[] dy = TestData.ToFloat(TestData.Normal(random, x.Length));
            var y = new float[x.Length];
            var expectedY = new float[x.Length];
            renorm.Forward(x, y);
            plain.Forward(x, expectedY);
            Assert.Equal(expectedY, y);
            var dx = new float[x.Length];
            var expectedDx = new float[x.Length];
            renorm.Backward(x, dy, dx);
            plain.Backward(x, dy, expectedDx);
            Assert.Equal(expectedDx, dx);
            Assert.Equal(plain.GammaGrad, renorm.GammaGrad);
            Assert.Equal(plain.BetaGrad, renorm.BetaGrad);
            Assert.Equal(plain.RunningMean, renorm.RunningMean);
            Assert.Equal(plain.RunningVariance, renorm.RunningVariance);
        }
    }

    /// <summary>
    /// Backward treats r and d as constants (the paper's stop-gradient), so finite differences agree where they are:
    /// running statistics far from the batch's clip both, and Momentum = 1 keeps them so through every probe.
    /// </summary>
    [Fact]
    public void Renorm_gradients_match_finite_differences()
    {
        var layer = new RenormCheckD4S3();
        Array.Fill(layer.RunningMean, 5.0);
        Array.Fill(layer.RunningVariance, 25.0);
        var random = new Random(42);
        double[] x = TestData.FeatureData(random, 5, 4, 3);
        LayerGradientErrors errors = GradientCheck.CheckLayer(layer, x, TestData.Normal(random, x.Length));
        Assert.True(errors.Dx < 1e-8 && errors.DGamma < 1e-10 && errors.DBeta < 1e-10, errors.ToString());
    }

    [Fact]
    public void Ghost_batch_gradients_match_finite_differences()
    {
        var layer = new GhostCheckD5V3();
        var random = new Random(43);
        double[] x = TestData.FeatureData(random, 9, 5);
        LayerGradientErrors errors = GradientCheck.CheckLayer(layer, x, TestData.Normal(random, x.Length));
        Assert.True(errors.Dx < 1e-8 && errors.DGamma < 1e-10 && errors.DBeta < 1e-10, errors.ToString());
    }

    [Fact]
    public void A_batch_that_is_not_a_multiple_of_the_virtual_batch_size_changes_nothing()
    {
        var layer = new GhostF6V4();
        var random = new Random(44);
        float[] x = TestData.ToFloat(TestData.FeatureData(random, 8, 6));
        var y = new float[x.Length];
        layer.Forward(x, y);
        float[] runningMean = (float[])layer.RunningMean.Clone();
        float[] odd = TestData.ToFloat(TestData.FeatureData(random, 6, 6));
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(odd, new float[odd.Length]));
        Assert.Contains("GhostF6V4", error.Message);
        Assert.Contains("multiple of 4", error.Message);
        Assert.Contains("batch = 6", error.Message);
        Assert.Equal(runningMean, layer.RunningMean);
        Assert.Equal(1, layer.BatchesTracked);

        // Inference uses the running statistics: any batch size.
        layer.Training = false;
        layer.Forward(odd, new float[odd.Length]);
    }

    [Fact]
    public void Ghost_batches_normalize_each_group_on_its_own()
    {
        var layer = new GhostF6V4();
        var random = new Random(45);
        float[] x = TestData.ToFloat(TestData.FeatureData(random, 8, 6));
        var y = new float[x.Length];
        layer.Forward(x, y);

        // Each group of 4 samples, through a fresh plain-norm view: the same as the layer's output for that group.
        for (int g = 0; g < 2; g++)
        {
            var single = new GhostF6V4();
            var part = new float[24];
            single.Forward(x.AsSpan(g * 24, 24), part);
            Assert.Equal(part, y.AsSpan(g * 24, 24).ToArray());
        }
    }
}
