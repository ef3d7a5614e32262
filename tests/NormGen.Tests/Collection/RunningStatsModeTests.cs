using System;
using System.Collections.Generic;
using System.Numerics;
using Xunit;
using static NormGen.Tests.Collection.ScalarStatistics;

namespace NormGen.Tests.Collection;

/// <summary>
/// RunningStats modes against scalar references: Exponential (running = Momentum * running + (1 - Momentum) * batch),
/// Cumulative (equal-weight mean of the per-batch statistics) and None (no running statistics; inference uses batch statistics).
/// </summary>
public class RunningStatsModeTests
{
    private static readonly int[] Sizes = { 2, 3, 8, 17, 5, 64 };

    [Fact]
    public void Exponential_momentum_09_matches_scalar_reference() =>
        ExponentialMatches(new ModeExpM09D5(), momentum: 0.9, unbiased: true, 1e-12, seed: 1);

    [Fact]
    public void Exponential_momentum_07_matches_scalar_reference() =>
        ExponentialMatches(new ModeExpM07D5(), momentum: 0.7, unbiased: true, 1e-12, seed: 2);

    [Fact]
    public void Exponential_biased_running_variance_matches_scalar_reference() =>
        ExponentialMatches(new ModeExpBiasedM09D5(), momentum: 0.9, unbiased: false, 1e-12, seed: 3);

    [Fact]
    public void Float_exponential_momentum_07_matches_scalar_reference() =>
        ExponentialMatches(new ModeExpM07F5(), momentum: 0.7, unbiased: true, 1e-5, seed: 4);

    [Fact]
    public void Cumulative_is_the_mean_of_per_batch_statistics() =>
        CumulativeMatches(new ModeCumulativeD5(), 1e-12, seed: 5);

    [Fact]
    public void Float_cumulative_is_the_mean_of_per_batch_statistics() =>
        CumulativeMatches(new ModeCumulativeF5(), 1e-5, seed: 6);

    [Fact]
    public void Cumulative_restarts_after_reset()
    {
        var layer = new ModeCumulativeD5();
        var batches = Batches(7, new[] { 8, 9, 10 }, features: 5);
        layer.Forward(batches[0], new double[batches[0].Length]);
        layer.Forward(batches[1], new double[batches[1].Length]);
        layer.ResetRunningStatistics();
        layer.Forward(batches[2], new double[batches[2].Length]);

        // The first batch after a reset takes weight 1: the running statistics are that batch's statistics.
        var (mean, variance) = ScalarStatistics.Of(batches[2], 5, 1, unbiased: true);
        Assert.Equal(1, layer.BatchesTracked);
        TestData.AssertClose(mean, layer.RunningMean, 1e-13, "RunningMean");
        TestData.AssertClose(variance, layer.RunningVariance, 1e-13, "RunningVariance");
    }

    [Fact]
    public void None_keeps_no_running_statistics_and_has_no_collection()
    {
        var layer = new ModeNoneD5();
        Assert.Empty(layer.RunningMean);
        Assert.Empty(layer.RunningVariance);
        Assert.False(layer.IsCollecting);
        var begin = Assert.Throws<InvalidOperationException>(layer.BeginCollect);
        Assert.Contains("RunningStats = None", begin.Message);
        Assert.Throws<InvalidOperationException>(layer.EndCollect);
        Assert.False(layer.IsCollecting);
    }

    [Fact]
    public void None_inference_uses_batch_statistics()
    {
        var layer = new ModeNoneD5();
        var random = new Random(8);
        TestData.Normal(random, 5, 1, 0.3).CopyTo(layer.Gamma, 0);
        TestData.Normal(random, 5, 0, 0.3).CopyTo(layer.Beta, 0);
        foreach (double[] batch in Batches(9, new[] { 2, 17, 64 }, features: 5))
        {
            var training = new double[batch.Length];
            var inference = new double[batch.Length];
            layer.Training = true;
            layer.Forward(batch, training);
            layer.Training = false;
            layer.Forward(batch, inference);
            Assert.Equal(training, inference);

            // Both are the batch-statistics normalization, not an identity or a constant.
            var (mean, variance) = ScalarStatistics.Of(batch, 5, 1, unbiased: false);
            var expected = new double[batch.Length];
            for (int i = 0; i < batch.Length; i++)
            {
                int f = i % 5;
                expected[i] = layer.Gamma[f] * (batch[i] - mean[f]) / Math.Sqrt(variance[f] + ModeNoneD5.Epsilon) + layer.Beta[f];
            }

            TestData.AssertClose(expected, inference, 1e-12, "inference output");
        }

        Assert.Equal(0, layer.BatchesTracked);
        Assert.Empty(layer.RunningMean);
    }

    [Fact]
    public void None_spatial_inference_equals_training_output()
    {
        var layer = new ModeNoneSpatialF3x4();
        float[] x = To<float>(Batches(10, new[] { 6 }, features: 3, spatial: 4)[0]);
        var training = new float[x.Length];
        var inference = new float[x.Length];
        layer.Forward(x, training);
        layer.Training = false;
        layer.Forward(x, inference);
        Assert.Equal(training, inference);
        Assert.Empty(layer.RunningVariance);
    }

    private static void ExponentialMatches<T>(IBatchNormLayer<T> layer, double momentum, bool unbiased, double tolerance, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int features = layer.FeatureCount;
        var batches = Batches(seed, Sizes, features, roundToFloat: typeof(T) == typeof(float));
        var runningMean = new double[features];
        var runningVariance = new double[features];
        Array.Fill(runningVariance, 1.0);
        foreach (double[] batch in batches)
        {
            layer.Forward(To<T>(batch), new T[batch.Length]);
            var (mean, variance) = ScalarStatistics.Of(batch, features, 1, unbiased);
            for (int f = 0; f < features; f++)
            {
                runningMean[f] = momentum * runningMean[f] + (1 - momentum) * mean[f];
                runningVariance[f] = momentum * runningVariance[f] + (1 - momentum) * variance[f];
            }

            AssertRelative(runningMean, ToDouble<T>(layer.RunningMean), tolerance, $"{layer.Name} RunningMean");
            AssertRelative(runningVariance, ToDouble<T>(layer.RunningVariance), tolerance, $"{layer.Name} RunningVariance");
        }

        Assert.Equal(Sizes.Length, layer.BatchesTracked);
    }

    private static void CumulativeMatches<T>(IBatchNormLayer<T> layer, double tolerance, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int features = layer.FeatureCount;
        var batches = Batches(seed, Sizes, features, roundToFloat: typeof(T) == typeof(float));
        var means = new List<double[]>();
        var variances = new List<double[]>();
        foreach (double[] batch in batches)
        {
            layer.Forward(To<T>(batch), new T[batch.Length]);
            var (mean, variance) = ScalarStatistics.Of(batch, features, 1, unbiased: true);
            means.Add(mean);
            variances.Add(variance);
            AssertRelative(Average(means), ToDouble<T>(layer.RunningMean), tolerance, $"{layer.Name} RunningMean after {means.Count} batches");
            AssertRelative(Average(variances), ToDouble<T>(layer.RunningVariance), tolerance, $"{layer.Name} RunningVariance after {means.Count} batches");
        }

        Assert.Equal(Sizes.Length, layer.BatchesTracked);
    }

    private static double[] Average(List<double[]> rows)
    {
        var average = new double[rows[0].Length];
        foreach (double[] row in rows)
        {
            for (int f = 0; f < row.Length; f++)
            {
                average[f] += row[f] / rows.Count;
            }
        }

        return average;
    }

    private static void AssertRelative(double[] expected, double[] actual, double tolerance, string what)
    {
        double error = MaxRelativeError(expected, actual);
        Assert.True(error <= tolerance, $"{what}: relative error {error:E3} > {tolerance:E1}");
    }
}
