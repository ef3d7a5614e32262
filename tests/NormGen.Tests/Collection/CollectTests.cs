using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Xunit;
using static NormGen.Tests.Collection.ScalarStatistics;

namespace NormGen.Tests.Collection;

/// <summary>
/// Exact collection on generated layers (BeginCollect, training Forward calls, EndCollect): the running statistics
/// equal a single pass over all collected samples, and nothing else about the layer changes.
/// </summary>
public class CollectTests
{
    public static TheoryData<int[]> Orders() => new()
    {
        new[] { 1, 7, 64, 100 },
        new[] { 100, 64, 7, 1 },
        new[] { 7, 1, 100, 1, 64 },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void Double_collect_equals_single_pass_unbiased(int[] sizes)
    {
        var layer = new CollectD7();
        CollectMatchesSinglePass(layer, layer.BeginCollect, layer.EndCollect, spatial: 1, unbiased: true, sizes, 1e-12, seed: 1);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public void Double_collect_equals_single_pass_biased(int[] sizes)
    {
        var layer = new CollectBiasedD7();
        CollectMatchesSinglePass(layer, layer.BeginCollect, layer.EndCollect, spatial: 1, unbiased: false, sizes, 1e-12, seed: 2);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public void Float_collect_equals_single_pass_unbiased(int[] sizes)
    {
        var layer = new CollectF7();
        CollectMatchesSinglePass(layer, layer.BeginCollect, layer.EndCollect, spatial: 1, unbiased: true, sizes, 1e-5, seed: 3);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public void Float_collect_equals_single_pass_biased(int[] sizes)
    {
        var layer = new CollectBiasedF7();
        CollectMatchesSinglePass(layer, layer.BeginCollect, layer.EndCollect, spatial: 1, unbiased: false, sizes, 1e-5, seed: 4);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public void Spatial_collect_equals_single_pass(int[] sizes)
    {
        var doubleLayer = new CollectSpatialD3x5();
        CollectMatchesSinglePass(doubleLayer, doubleLayer.BeginCollect, doubleLayer.EndCollect, spatial: 5, unbiased: true, sizes, 1e-12, seed: 5);
        var floatLayer = new CollectSpatialF3x5();
        CollectMatchesSinglePass(floatLayer, floatLayer.BeginCollect, floatLayer.EndCollect, spatial: 5, unbiased: true, sizes, 1e-5, seed: 6);
    }

    [Fact]
    public void Batches_spanning_several_statistics_chunks_collect_exactly()
    {
        // A few thousand rows exceed the generated layer's cache-sized statistics chunk, so chunk merges feed the collection.
        var doubleLayer = new CollectD7();
        CollectMatchesSinglePass(doubleLayer, doubleLayer.BeginCollect, doubleLayer.EndCollect, spatial: 1, unbiased: true, new[] { 5000, 1, 2500 }, 1e-12, seed: 14);
        var floatLayer = new CollectF7();
        CollectMatchesSinglePass(floatLayer, floatLayer.BeginCollect, floatLayer.EndCollect, spatial: 1, unbiased: true, new[] { 5000, 1, 2500 }, 1e-5, seed: 15);
    }

    [Fact]
    public void Collected_statistics_equal_FeatureMoments_over_the_same_batches()
    {
        var batches = Batches(7, new[] { 1, 7, 64, 100 }, features: 3, spatial: 5);
        var layer = new CollectSpatialD3x5();
        var moments = new FeatureMoments<double>(3);
        layer.BeginCollect();
        foreach (double[] batch in batches)
        {
            layer.Forward(batch, new double[batch.Length]);
            moments.Add(batch, spatial: 5);
        }

        layer.EndCollect();
        var expectedVariance = new double[3];
        moments.GetVariance(expectedVariance, unbiased: true);
        TestData.AssertClose(moments.Mean.ToArray(), layer.RunningMean, 1e-14, "RunningMean vs FeatureMoments");
        TestData.AssertClose(expectedVariance, layer.RunningVariance, 1e-13, "RunningVariance vs FeatureMoments");
    }

    [Fact]
    public void Outputs_during_collection_are_ordinary_training_outputs()
    {
        var collecting = new CollectD7();
        var plain = new CollectD7();
        collecting.BeginCollect();
        foreach (double[] batch in Batches(8, new[] { 7, 64, 1 }, features: 7))
        {
            var y = new double[batch.Length];
            collecting.Forward(batch, y);
            if (batch.Length == 7)
            {
                // A batch of one sample normalizes to Beta (x equals its own mean); the plain layer rejects it.
                Assert.All(y, value => Assert.Equal(0.0, value));
                Assert.Throws<ArgumentException>(() => plain.Forward(batch, new double[batch.Length]));
                continue;
            }

            var expected = new double[batch.Length];
            plain.Forward(batch, expected);
            Assert.Equal(expected, y);
        }
    }

    [Fact]
    public void EndCollect_without_BeginCollect_throws_and_changes_nothing()
    {
        var layer = new CollectD7();
        TrainTwoSteps(layer);
        var snapshot = Snapshot.Of(layer);
        var error = Assert.Throws<InvalidOperationException>(layer.EndCollect);
        Assert.Contains("CollectD7", error.Message);
        Assert.Contains("without BeginCollect", error.Message);
        snapshot.AssertUnchanged(layer);
        Assert.False(layer.IsCollecting);
    }

    [Fact]
    public void EndCollect_with_too_few_samples_throws_changes_nothing_and_keeps_collecting()
    {
        var layer = new CollectD7();
        TrainTwoSteps(layer);
        var snapshot = Snapshot.Of(layer);
        layer.BeginCollect();
        var none = Assert.Throws<InvalidOperationException>(layer.EndCollect);
        Assert.Contains("at least 2", none.Message);
        Assert.Contains("got 0", none.Message);

        var first = Batches(9, new[] { 1, 1 }, features: 7);
        layer.Forward(first[0], new double[7]);
        var one = Assert.Throws<InvalidOperationException>(layer.EndCollect);
        Assert.Contains("got 1", one.Message);
        snapshot.AssertUnchanged(layer);
        Assert.True(layer.IsCollecting);

        // A second single sample completes the collection: the unbiased variance of two values is (a - b)^2 / 2.
        layer.Forward(first[1], new double[7]);
        layer.EndCollect();
        Assert.False(layer.IsCollecting);
        Assert.Equal(2, layer.BatchesTracked);
        for (int f = 0; f < 7; f++)
        {
            double a = first[0][f], b = first[1][f];
            Assert.Equal((a + b) / 2, layer.RunningMean[f], 1e-14);
            Assert.Equal((a - b) * (a - b) / 2, layer.RunningVariance[f], 1e-12);
        }
    }

    [Fact]
    public void Biased_layer_needs_one_sample()
    {
        var layer = new CollectBiasedD7();
        layer.BeginCollect();
        var error = Assert.Throws<InvalidOperationException>(layer.EndCollect);
        Assert.Contains("at least 1", error.Message);
        double[] sample = Batches(10, new[] { 1 }, features: 7)[0];
        layer.Forward(sample, new double[7]);
        layer.EndCollect();
        Assert.Equal(sample, layer.RunningMean);
        Assert.All(layer.RunningVariance, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void ResetRunningStatistics_cancels_collection()
    {
        var layer = new CollectD7();
        var batches = Batches(11, new[] { 64, 1, 7, 8 }, features: 7);
        layer.BeginCollect();
        layer.Forward(batches[0], new double[batches[0].Length]);
        layer.Forward(batches[1], new double[batches[1].Length]);
        layer.ResetRunningStatistics();

        Assert.False(layer.IsCollecting);
        Assert.All(layer.RunningMean, v => Assert.Equal(0.0, v));
        Assert.All(layer.RunningVariance, v => Assert.Equal(1.0, v));
        Assert.Equal(0, layer.BatchesTracked);
        Assert.Throws<InvalidOperationException>(layer.EndCollect);

        // Back to exponential updates: a single sample is rejected again, and a batch moves the running mean by 1 - Momentum.
        Assert.Throws<ArgumentException>(() => layer.Forward(batches[1], new double[7]));
        layer.Forward(batches[2], new double[batches[2].Length]);
        var (mean, variance) = ScalarStatistics.Of(batches[2], 7, 1, unbiased: true);
        Assert.Equal(1, layer.BatchesTracked);
        for (int f = 0; f < 7; f++)
        {
            Assert.Equal(0.1 * mean[f], layer.RunningMean[f], 1e-12);
            Assert.Equal(0.9 + 0.1 * variance[f], layer.RunningVariance[f], 1e-12);
        }
    }

    [Fact]
    public void BeginCollect_again_restarts_and_inference_calls_are_not_collected()
    {
        var layer = new CollectD7();
        var batches = Batches(12, new[] { 64, 7, 100, 1 }, features: 7);
        layer.BeginCollect();
        layer.Forward(batches[0], new double[batches[0].Length]);
        layer.BeginCollect();
        layer.Forward(batches[1], new double[batches[1].Length]);
        layer.Training = false;
        layer.Forward(batches[2], new double[batches[2].Length]);
        layer.Training = true;
        layer.Forward(batches[3], new double[batches[3].Length]);
        layer.EndCollect();

        var (mean, variance) = ScalarStatistics.Of(Concat(new[] { batches[1], batches[3] }), 7, 1, unbiased: true);
        Assert.Equal(2, layer.BatchesTracked);
        TestData.AssertClose(mean, layer.RunningMean, 1e-12, "RunningMean");
        TestData.AssertClose(variance, layer.RunningVariance, 1e-12, "RunningVariance");
    }

    private static void CollectMatchesSinglePass<T>(
        IBatchNormLayer<T> layer, Action begin, Action end, int spatial, bool unbiased, int[] sizes, double tolerance, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int features = layer.FeatureCount;
        var batches = Batches(seed, sizes, features, spatial, roundToFloat: typeof(T) == typeof(float));
        var random = new Random(seed + 100);
        To<T>(TestData.Normal(random, features, 1, 0.2)).CopyTo(layer.Gamma, 0);
        To<T>(TestData.Normal(random, features, 0, 0.2)).CopyTo(layer.Beta, 0);
        Array.Fill(layer.GammaGrad, T.CreateTruncating(42));
        Array.Fill(layer.BetaGrad, T.CreateTruncating(-42));
        var parameters = new[] { layer.Gamma.ToArray(), layer.Beta.ToArray(), layer.GammaGrad.ToArray(), layer.BetaGrad.ToArray() };
        T[] runningMeanBefore = layer.RunningMean.ToArray(), runningVarianceBefore = layer.RunningVariance.ToArray();

        begin();
        foreach (double[] batch in batches)
        {
            layer.Forward(To<T>(batch), new T[batch.Length]);
        }

        // Collection leaves the running statistics alone until EndCollect.
        Assert.Equal(runningMeanBefore, layer.RunningMean);
        Assert.Equal(runningVarianceBefore, layer.RunningVariance);
        end();

        var (mean, variance) = ScalarStatistics.Of(Concat(batches), features, spatial, unbiased);
        double meanError = MaxRelativeError(mean, ToDouble<T>(layer.RunningMean));
        double varianceError = MaxRelativeError(variance, ToDouble<T>(layer.RunningVariance));
        Assert.True(meanError <= tolerance, $"{layer.Name} RunningMean relative error {meanError:E3} > {tolerance:E1}");
        Assert.True(varianceError <= tolerance, $"{layer.Name} RunningVariance relative error {varianceError:E3} > {tolerance:E1}");
        Assert.Equal(sizes.Length, layer.BatchesTracked);
        Assert.Equal(parameters[0], layer.Gamma);
        Assert.Equal(parameters[1], layer.Beta);
        Assert.Equal(parameters[2], layer.GammaGrad);
        Assert.Equal(parameters[3], layer.BetaGrad);
    }

    private static void TrainTwoSteps(IBatchNormLayer<double> layer)
    {
        foreach (double[] batch in Batches(13, new[] { 8, 5 }, layer.FeatureCount))
        {
            layer.Forward(batch, new double[batch.Length]);
        }
    }

    /// <summary>Copies of a layer's state, to show that a failed call changed nothing.</summary>
    private sealed record Snapshot(double[] RunningMean, double[] RunningVariance, long BatchesTracked, double[] Gamma, double[] Beta)
    {
        public static Snapshot Of(IBatchNormLayer<double> layer) =>
            new(layer.RunningMean.ToArray(), layer.RunningVariance.ToArray(), layer.BatchesTracked, layer.Gamma.ToArray(), layer.Beta.ToArray());

        public void AssertUnchanged(IBatchNormLayer<double> layer)
        {
            Assert.Equal(RunningMean, layer.RunningMean);
            Assert.Equal(RunningVariance, layer.RunningVariance);
            Assert.Equal(BatchesTracked, layer.BatchesTracked);
            Assert.Equal(Gamma, layer.Gamma);
            Assert.Equal(Beta, layer.Beta);
        }
    }
}
