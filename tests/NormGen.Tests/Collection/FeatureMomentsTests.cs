using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;
using static NormGen.Tests.Collection.ScalarStatistics;

namespace NormGen.Tests.Collection;

/// <summary>The public (count, mean, M2) type: adding batches, merging statistics from elsewhere, writing them into a layer.</summary>
public class FeatureMomentsTests(ITestOutputHelper output)
{
    private static readonly int[] Sizes = { 1, 7, 64, 100 };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Add_over_batches_equals_single_pass(bool unbiased)
    {
        var batches = Batches(1, Sizes, features: 7);
        var moments = new FeatureMoments<double>(7);
        var floatMoments = new FeatureMoments<float>(7);
        foreach (double[] batch in batches)
        {
            moments.Add(batch);
            floatMoments.Add(To<float>(TestData.RoundToFloat(batch)));
        }

        var (mean, variance) = ScalarStatistics.Of(Concat(batches), 7, 1, unbiased);
        Assert.Equal(172, moments.Count);
        AssertRelative(mean, moments.Mean.ToArray(), 1e-12, "Mean");
        AssertRelative(variance, Variance(moments, unbiased), 1e-12, "variance");

        var (floatMean, floatVariance) = ScalarStatistics.Of(Concat(batches.Select(TestData.RoundToFloat)), 7, 1, unbiased);
        AssertRelative(floatMean, ToDouble<float>(floatMoments.Mean), 1e-5, "float Mean");
        var floatResult = new float[7];
        floatMoments.GetVariance(floatResult, unbiased);
        AssertRelative(floatVariance, ToDouble<float>(floatResult), 1e-5, "float variance");
    }

    [Fact]
    public void Add_with_spatial_layout_equals_single_pass()
    {
        var batches = Batches(2, Sizes, features: 3, spatial: 5);
        var moments = new FeatureMoments<double>(3);
        foreach (double[] batch in batches)
        {
            moments.Add(batch, spatial: 5);
        }

        var (mean, variance) = ScalarStatistics.Of(Concat(batches), 3, 5, unbiased: true);
        Assert.Equal(172 * 5, moments.Count);
        AssertRelative(mean, moments.Mean.ToArray(), 1e-12, "Mean");
        AssertRelative(variance, Variance(moments, unbiased: true), 1e-12, "variance");

        // The same values laid out (batch * 5, 3) give other statistics: the layout is honored, not just the values.
        var flat = new FeatureMoments<double>(3);
        flat.Add(Concat(batches));
        Assert.NotEqual(moments.Mean.ToArray(), flat.Mean.ToArray());
    }

    [Fact]
    public void Merge_is_associative_and_commutative()
    {
        var batches = Batches(3, new[] { 64, 7, 100 }, features: 7, drift: 3);
        FeatureMoments<double> Of(int k)
        {
            var m = new FeatureMoments<double>(7);
            m.Add(batches[k]);
            return m;
        }

        var left = Of(0);
        left.Merge(Of(1));
        left.Merge(Of(2)); // (a + b) + c
        var bc = Of(1);
        bc.Merge(Of(2));
        var right = Of(0);
        right.Merge(bc); // a + (b + c)
        var reversed = Of(2);
        reversed.Merge(Of(1));
        reversed.Merge(Of(0)); // (c + b) + a

        foreach (var other in new[] { right, reversed })
        {
            Assert.Equal(left.Count, other.Count);
            AssertRelative(left.Mean.ToArray(), other.Mean.ToArray(), 1e-14, "Mean");
            AssertRelative(left.M2.ToArray(), other.M2.ToArray(), 1e-13, "M2");
        }

        var (mean, variance) = ScalarStatistics.Of(Concat(batches), 7, 1, unbiased: true);
        AssertRelative(mean, left.Mean.ToArray(), 1e-12, "Mean vs single pass");
        AssertRelative(variance, Variance(left, unbiased: true), 1e-12, "variance vs single pass");
    }

    [Fact]
    public void Merging_across_machines_equals_one_pass_and_writes_into_a_layer()
    {
        // Three "machines" with shards of different sizes; each sends Count, Mean and M2 to a coordinator.
        var shards = new[] { new[] { 100, 64 }, new[] { 1, 7 }, new[] { 64, 64, 100, 1 } };
        var all = new List<double[]>();
        var coordinator = new FeatureMoments<double>(7);
        for (int machine = 0; machine < shards.Length; machine++)
        {
            var local = new FeatureMoments<double>(7);
            foreach (double[] batch in Batches(10 + machine, shards[machine], features: 7, drift: machine))
            {
                local.Add(batch);
                all.Add(batch);
            }

            (long count, double[] mean, double[] m2) message = (local.Count, local.Mean.ToArray(), local.M2.ToArray());
            coordinator.Merge(new FeatureMoments<double>(message.count, message.mean, message.m2));
        }

        var (expectedMean, expectedVariance) = ScalarStatistics.Of(Concat(all), 7, 1, unbiased: true);
        Assert.Equal(Concat(all).Length / 7, coordinator.Count);
        AssertRelative(expectedMean, coordinator.Mean.ToArray(), 1e-12, "Mean");
        AssertRelative(expectedVariance, Variance(coordinator, unbiased: true), 1e-12, "variance");

        var layer = new CollectD7();
        double[] warmup = Batches(20, new[] { 8 }, features: 7)[0];
        layer.Forward(warmup, new double[warmup.Length]);
        double[] gamma = layer.Gamma.ToArray(), beta = layer.Beta.ToArray();
        coordinator.WriteTo(layer, unbiased: true);
        AssertRelative(expectedMean, layer.RunningMean, 1e-12, "RunningMean");
        AssertRelative(expectedVariance, layer.RunningVariance, 1e-12, "RunningVariance");
        Assert.Equal(1, layer.BatchesTracked); // left alone
        Assert.Equal(gamma, layer.Gamma);
        Assert.Equal(beta, layer.Beta);

        // Inference now normalizes with the dataset statistics.
        layer.Training = false;
        var y = new double[warmup.Length];
        layer.Forward(warmup, y);
        var expected = warmup.Select((v, i) => (v - expectedMean[i % 7]) / Math.Sqrt(expectedVariance[i % 7] + CollectD7.Epsilon)).ToArray();
        TestData.AssertClose(expected, y, 1e-12, "inference output");

        // The biased convention for a layer declared UnbiasedRunningVariance = false.
        var biasedLayer = new CollectBiasedD7();
        coordinator.WriteTo(biasedLayer, unbiased: false);
        AssertRelative(ScalarStatistics.Of(Concat(all), 7, 1, unbiased: false).Variance, biasedLayer.RunningVariance, 1e-12, "biased RunningVariance");
    }

    /// <summary>
    /// Float statistics of data with mean 1e4 and std 1e-2 merged across machines: sending the exact representation
    /// (Pivot, MeanOffset) keeps the variance within 1e-3 of the double truth.
    /// </summary>
    [Fact]
    public void Float_machines_with_a_large_mean_merge_precisely_through_the_exact_representation()
    {
        var random = new Random(30);
        var all = new List<double[]>();
        var exact = new FeatureMoments<float>(4);
        var rounded = new FeatureMoments<float>(4);
        for (int machine = 0; machine < 4; machine++)
        {
            var local = new FeatureMoments<float>(4);
            for (int b = 0; b < 5; b++)
            {
                double[] batch = TestData.RoundToFloat(TestData.Normal(random, 100 * 4, mean: 1e4, std: 1e-2));
                all.Add(batch);
                local.Add(To<float>(batch));
            }

            exact.Merge(new FeatureMoments<float>(local.Count, local.Pivot, local.MeanOffset, local.M2));
            rounded.Merge(new FeatureMoments<float>(local.Count, local.Mean, local.M2));
        }

        var (_, truth) = ScalarStatistics.Of(Concat(all), 4, 1, unbiased: true);
        var exactVariance = new float[4];
        exact.GetVariance(exactVariance, unbiased: true);
        var roundedVariance = new float[4];
        rounded.GetVariance(roundedVariance, unbiased: true);
        double exactError = MaxRelativeError(truth, ToDouble<float>(exactVariance));
        output.WriteLine($"via Pivot + MeanOffset: max rel. error {exactError:E2}");
        output.WriteLine($"via Mean rounded to float: max rel. error {MaxRelativeError(truth, ToDouble<float>(roundedVariance)):E2} (for information)");
        Assert.True(exactError <= 1e-3, $"variance relative error {exactError:E3}");
    }

    [Fact]
    public void Merging_with_empty_and_with_itself()
    {
        double[] batch = Batches(4, new[] { 64 }, features: 7)[0];
        var moments = new FeatureMoments<double>(7);
        moments.Merge(new FeatureMoments<double>(7)); // empty into empty
        Assert.Equal(0, moments.Count);
        Assert.All(moments.Mean.ToArray(), v => Assert.Equal(0.0, v));

        var other = new FeatureMoments<double>(7);
        other.Add(batch);
        moments.Merge(other); // into empty: a copy
        Assert.Equal(other.Mean.ToArray(), moments.Mean.ToArray());
        Assert.Equal(other.M2.ToArray(), moments.M2.ToArray());
        moments.Merge(new FeatureMoments<double>(7)); // empty into non-empty: no change
        Assert.Equal(other.M2.ToArray(), moments.M2.ToArray());
        moments.Add(ReadOnlySpan<double>.Empty); // no rows: no change
        Assert.Equal(64, moments.Count);

        // Every sample twice: same mean, same biased variance, twice the count and M2.
        double[] biased = Variance(moments, unbiased: false);
        moments.Merge(moments);
        Assert.Equal(128, moments.Count);
        AssertRelative(other.Mean.ToArray(), moments.Mean.ToArray(), 1e-15, "self-merged Mean");
        AssertRelative(biased, Variance(moments, unbiased: false), 1e-14, "self-merged biased variance");

        moments.Clear();
        Assert.Equal(0, moments.Count);
        Assert.All(moments.Mean.ToArray(), v => Assert.Equal(0.0, v));
        Assert.All(moments.M2.ToArray(), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Errors_name_expected_and_actual_values_and_change_nothing()
    {
        var moments = new FeatureMoments<double>(7);
        moments.Add(Batches(5, new[] { 1 }, features: 7)[0]);
        double[] mean = moments.Mean.ToArray();

        var length = Assert.Throws<ArgumentException>(() => moments.Add(new double[20]));
        Assert.Equal("x", length.ParamName);
        Assert.Contains("(batch, 7)", length.Message);
        Assert.Contains("multiple of 7 elements; got x.Length = 20", length.Message);
        var spatialLength = Assert.Throws<ArgumentException>(() => moments.Add(new double[28], spatial: 3));
        Assert.Contains("(batch, 7, 3), a multiple of 21 elements; got x.Length = 28", spatialLength.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => moments.Add(new double[7], spatial: 0));
        Assert.Equal(1, moments.Count);
        Assert.Equal(mean, moments.Mean.ToArray());

        var merge = Assert.Throws<ArgumentException>(() => moments.Merge(new FeatureMoments<double>(5)));
        Assert.Contains("expected statistics of 7 features; got 5", merge.Message);
        Assert.Throws<ArgumentNullException>(() => moments.Merge(null!));

        var destination = Assert.Throws<ArgumentException>(() => moments.GetVariance(new double[6], unbiased: false));
        Assert.Contains("one value per feature, 7; got destination.Length = 6", destination.Message);
        var tooFew = Assert.Throws<InvalidOperationException>(() => moments.GetVariance(new double[7], unbiased: true));
        Assert.Contains("at least 2 samples; got Count = 1", tooFew.Message);
        var biased = new double[7];
        moments.GetVariance(biased, unbiased: false); // one sample suffices for the biased variance
        Assert.All(biased, v => Assert.Equal(0.0, v));

        var layer = new ModeExpM09D5();
        var wrongLayer = Assert.Throws<ArgumentException>(() => moments.WriteTo(layer, unbiased: false));
        Assert.Contains("ModeExpM09D5 has 5 features; these statistics have 7", wrongLayer.Message);
        Assert.All(layer.RunningVariance, v => Assert.Equal(1.0, v));
        var noStatistics = new FeatureMoments<double>(5);
        noStatistics.Add(new double[10]);
        var none = Assert.Throws<InvalidOperationException>(() => noStatistics.WriteTo(new ModeNoneD5(), unbiased: true));
        Assert.Contains("ModeNoneD5 keeps no running statistics", none.Message);
        Assert.Contains("RunningStats", none.Message);
        var fewForLayer = new FeatureMoments<double>(5);
        fewForLayer.Add(new double[5]);
        Assert.Throws<InvalidOperationException>(() => fewForLayer.WriteTo(layer, unbiased: true));
        Assert.All(layer.RunningMean, v => Assert.Equal(0.0, v));

        Assert.Throws<ArgumentOutOfRangeException>(() => new FeatureMoments<double>(0));
        var lengths = Assert.Throws<ArgumentException>(() => new FeatureMoments<double>(3, new double[7], new double[6]));
        Assert.Contains("got lengths 7, 0, 6", lengths.Message);
        var negativeCount = Assert.Throws<ArgumentException>(() => new FeatureMoments<double>(-1, new double[7], new double[7]));
        Assert.Contains("got -1", negativeCount.Message);
        var m2 = new double[7];
        m2[2] = -1;
        var negativeM2 = Assert.Throws<ArgumentException>(() => new FeatureMoments<double>(3, new double[7], m2));
        Assert.Contains("m2[2]", negativeM2.Message);
    }

    private static double[] Variance(FeatureMoments<double> moments, bool unbiased)
    {
        var variance = new double[moments.Features];
        moments.GetVariance(variance, unbiased);
        return variance;
    }

    private static void AssertRelative(double[] expected, double[] actual, double tolerance, string what)
    {
        double error = MaxRelativeError(expected, actual);
        Assert.True(error <= tolerance, $"{what}: relative error {error:E3} > {tolerance:E1}");
    }
}
