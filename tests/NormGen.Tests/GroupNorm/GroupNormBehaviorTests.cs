using System;
using Xunit;

namespace NormGen.Tests.GroupNorm;

/// <summary>Generated members, error cases (which change nothing), in-place calls, allocation, and ill-conditioned float data.</summary>
public class GroupNormBehaviorTests
{
    [Fact]
    public void Generated_constants_and_initial_state()
    {
        var layer = new GnBehaviorF64();
        Assert.Equal(2, GnBehaviorF64.Groups);
        Assert.Equal(4, GnBehaviorF64.Channels);
        Assert.Equal(3, GnBehaviorF64.Spatial);
        Assert.Equal(1e-5, GnBehaviorF64.Epsilon);
        Assert.Equal("GnBehaviorF64", layer.Name);
        Assert.Equal(12, layer.SampleLength);
        Assert.True(layer.Training);
        Assert.Equal(new double[] { 1, 1, 1, 1 }, layer.Gamma);
        Assert.Equal(new double[4], layer.Beta);
        Assert.Equal(new double[4], layer.GammaGrad);
        Assert.Equal(new double[4], layer.BetaGrad);

        var noAffine = new GnC4G2S16NoAffineF32();
        Assert.Empty(noAffine.Gamma);
        Assert.Empty(noAffine.Beta);
        Assert.Empty(noAffine.GammaGrad);
        Assert.Empty(noAffine.BetaGrad);
    }

    /// <summary>No running statistics: inference computes exactly what training computes, and Backward may follow either.</summary>
    [Fact]
    public void Inference_equals_training_and_backward_needs_a_training_forward()
    {
        var inputs = GroupNormHarness.MakeInputs(3, 4, 4, 3, affine: true, forFloat: false);
        var training = GroupNormHarness.Run(new GnBehaviorF64(), inputs);
        var layer = new GnBehaviorF64 { Training = false };
        inputs.Gamma.CopyTo(layer.Gamma, 0);
        inputs.Beta.CopyTo(layer.Beta, 0);
        var y = new double[inputs.X.Length];
        layer.Forward(inputs.X, y);
        Assert.Equal(training.Y, y);
        Assert.Throws<InvalidOperationException>(() => layer.Backward(inputs.X, inputs.Dy, new double[y.Length]));
    }

    [Fact]
    public void Forward_and_backward_work_in_place()
    {
        foreach (GroupNormConfig config in GroupNormLayers.All)
        {
            var inputs = GroupNormHarness.MakeInputs(config.Channels + config.Spatial, 3, config.Channels, config.Spatial, config.Affine, forFloat: false);
            var expected = GroupNormHarness.Run(config.Double(), inputs);

            INormalizationLayer<double> layer = config.Double();
            inputs.Gamma.CopyTo(layer.Gamma, 0);
            inputs.Beta.CopyTo(layer.Beta, 0);
            var buffer = (double[])inputs.X.Clone();
            layer.Forward(buffer, buffer);
            Assert.Equal(expected.Y, buffer);

            var gradient = (double[])inputs.Dy.Clone();
            layer.Backward(inputs.X, gradient, gradient);
            Assert.Equal(expected.Dx, gradient);
        }
    }

    [Fact]
    public void Steady_state_calls_allocate_nothing()
    {
        var layer = new GnC6G2S17F32();
        float[] x = TestData.ToFloat(TestData.FeatureData(new Random(4), 5, 6, 17));
        var y = new float[x.Length];
        float[] dy = TestData.ToFloat(TestData.Normal(new Random(5), x.Length));
        var dx = new float[x.Length];
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            layer.Forward(x, y);
            layer.Backward(x, dy, dx);
            layer.Forward(x.AsSpan(0, 2 * 6 * 17), y.AsSpan(0, 2 * 6 * 17)); // a smaller batch reuses the statistics arrays
            layer.Backward(x.AsSpan(0, 2 * 6 * 17), dy.AsSpan(0, 2 * 6 * 17), dx.AsSpan(0, 2 * 6 * 17));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// Float data with mean 1e4 and standard deviation 1e-2: a one-pass E[x^2] - E[x]^2 loses every digit here (float
    /// holds about 7). The pivot and the two passes keep y and dx at the reference's accuracy, in both kernel layouts.
    /// </summary>
    [Fact]
    public void Float_data_with_a_large_mean_and_a_small_spread_normalizes_correctly()
    {
        CheckLargeMean(new GnLargeMeanF32(), 6, 2, 16);
        CheckLargeMean(new GnLargeMeanColumnsF32(), 6, 3, 1);
        CheckLargeMean(new GnC4G4S17F32(), 4, 4, 17);
        CheckLargeMean(new GnC4G2S16NoAffineF32(), 4, 2, 16);
    }

    private static void CheckLargeMean(INormalizationLayer<float> layer, int channels, int groups, int spatial)
    {
        var random = new Random(channels * 100 + spatial);
        int batch = 4;
        double[] x = TestData.RoundToFloat(TestData.Normal(random, batch * channels * spatial, 1e4, 1e-2));
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, x.Length));
        bool affine = layer.Gamma.Length > 0;
        double[] gamma = affine ? TestData.RoundToFloat(TestData.Normal(random, channels, 1, 0.5)) : Array.Empty<double>();
        double[] beta = affine ? TestData.RoundToFloat(TestData.Normal(random, channels)) : Array.Empty<double>();
        var inputs = new GroupNormHarness.Inputs(x, dy, gamma, beta);
        var actual = GroupNormHarness.Run(layer, inputs);

        // The normalized output has unit scale: an error from cancellation would be of order 1, far above 1e-4.
        GroupNormHarness.AssertMatchesReference(actual, inputs, groups, channels, spatial, 1e-5, 1e-4, layer.Name + " (mean 1e4, std 1e-2)");
    }
}
