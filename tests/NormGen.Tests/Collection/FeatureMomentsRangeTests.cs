using System;
using System.Linq;
using System.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace NormGen.Tests.Collection;

/// <summary>
/// FeatureMoments at the edges: NaN and infinity are rejected without a trace, statistics beyond float's range are
/// kept exactly in double and overflow or underflow only when read, double's own overflow is rejected, constant
/// features stay exactly 0.
/// </summary>
public class FeatureMomentsRangeTests(ITestOutputHelper output)
{
    public static TheoryData<int, int> Layouts() => new()
    {
        { 16, 1 },  // column chunks
        { 5, 1 },   // super-rows: narrow rows grouped to a multiple of the vector width
        { 3, 3 },   // super-rows, spatial columns folded
        { 2, 37 },  // run chunks with a masked tail
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Non_finite_values_are_rejected_naming_the_feature_and_change_nothing(int features, int spatial)
    {
        foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            AssertRejected<float>(features, spatial, bad);
            AssertRejected<double>(features, spatial, bad);
        }
    }

    [Fact]
    public void Plus_and_minus_infinity_in_one_feature_are_rejected_at_the_first_one()
    {
        var moments = new FeatureMoments<float>(2);
        float[] x = { 1, 2, 3, float.PositiveInfinity, 5, float.NegativeInfinity };
        var error = Assert.Throws<ArgumentException>(() => moments.Add(x));
        Assert.Contains("feature 1", error.Message);
        Assert.Contains($"x[3] = {float.PositiveInfinity}", error.Message);
        Assert.Equal(0, moments.Count);
    }

    [Fact]
    public void Double_M2_beyond_double_range_is_rejected_in_add_and_merge_and_changes_nothing()
    {
        var moments = new FeatureMoments<double>(2);
        moments.Add(new[] { 1.0, 2, 3, 4 });
        Snapshot<double> before = Snapshot<double>.Of(moments);

        // Finite values whose squared deviations (1e400) overflow double.
        var overflow = Assert.Throws<ArgumentException>(() => moments.Add(new[] { 0.0, 1e200, 0, -1e200 }));
        Assert.Contains("feature 1", overflow.Message);
        Assert.Contains("double's range", overflow.Message);
        before.AssertUnchanged(moments);

        // Each M2 is finite, their merge is not.
        var large = new FeatureMoments<double>(2, new[] { 0.0, 0 }, new[] { 1.7e308, 1.0 });
        Snapshot<double> largeBefore = Snapshot<double>.Of(large);
        var merge = Assert.Throws<ArgumentException>(() => large.Merge(large));
        Assert.Contains("feature 0", merge.Message);
        largeBefore.AssertUnchanged(large);
    }

    [Fact]
    public void Constructors_reject_non_finite_statistics()
    {
        float[] good = { 1, 2 };
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            float[] broken = { 1, bad };
            Assert.Contains("mean[1]", Assert.Throws<ArgumentException>(() => new FeatureMoments<float>(3, broken, good)).Message);
            Assert.Contains("pivot[1]", Assert.Throws<ArgumentException>(() => new FeatureMoments<float>(3, broken, good, good)).Message);
            Assert.Contains("meanOffset[1]", Assert.Throws<ArgumentException>(() => new FeatureMoments<float>(3, good, broken, good)).Message);
            Assert.Contains("m2[1]", Assert.Throws<ArgumentException>(() => new FeatureMoments<float>(3, good, good, broken)).Message);

            // With no samples the values are ignored, as documented.
            Assert.Equal(0, new FeatureMoments<float>(0, broken, broken).Count);
        }
    }

    /// <summary>Float variance 1e36 (representable) over 4096 samples: M2, about 4e39, is not, and reads as infinity.</summary>
    [Fact]
    public void Float_M2_beyond_float_range_is_kept_in_double_and_the_variance_stays_exact()
    {
        float[] x = Values(4096, mean: 1e20, spread: 1e18);
        var moments = new FeatureMoments<float>(1);
        moments.Add(x);
        (double mean, double m2) = ExactReference.Of<float>(x, 1, 1, 0);
        Assert.True(float.IsPositiveInfinity(moments.M2[0]));
        AssertRelative(m2 / 4096, Variance(moments), 1e-6);
        AssertRelative(mean, moments.Mean[0], 1e-6);

        // Sent on through MeanOffset and Pivot, merged in halves: still exact.
        var halves = new FeatureMoments<float>(1);
        halves.Add(x.AsSpan(0, 2048));
        var other = new FeatureMoments<float>(1);
        other.Add(x.AsSpan(2048));
        halves.Merge(other);
        AssertRelative(m2 / 4096, Variance(halves), 1e-6);
    }

    [Fact]
    public void Float_variance_beyond_float_range_overflows_only_when_read()
    {
        float[] x = Values(100, mean: 1e25, spread: 1e21);
        var moments = new FeatureMoments<float>(1);
        moments.Add(x); // no exception: the statistics are finite in double
        (double mean, double m2) = ExactReference.Of<float>(x, 1, 1, 0);
        Assert.True(m2 / 100 > float.MaxValue);
        Assert.True(double.IsPositiveInfinity(Variance(moments)));
        AssertRelative(mean, moments.Mean[0], 1e-6);
    }

    [Theory]
    [InlineData(1e-13, 1e-17)] // variance 1e-34: normal, but squares of small deviations would go subnormal
    [InlineData(1e-16, 3e-21)] // variance about 9e-42: subnormal, exact to the last subnormal bit
    public void Float_tiny_variances_are_recomputed_in_double(double mean, double spread)
    {
        float[] x = Values(300, mean, spread);
        var moments = new FeatureMoments<float>(1);
        moments.Add(x, spatial: 3);
        (_, double m2) = ExactReference.Of<float>(x, 1, 3, 0);
        double exact = m2 / 300;
        double actual = Variance(moments);
        Assert.True(Math.Abs(actual - exact) <= (1e-6 * exact) + float.Epsilon, $"variance {actual:R}, exact {exact:R}");
        Assert.True(exact > 0);
    }

    /// <summary>
    /// Mean 1, spread 1e-6: float data 8 to 16 ulps wide, whose squared deviations have structured low bits. Float sums
    /// of 64 such squares were biased (every rounding one way): 5e-7 typical, 1.6e-6 worst. The 16-row float blocks
    /// widened to double keep every feature within the documented worst case, 5e-7.
    /// </summary>
    [Fact]
    public void Quantized_float_data_does_not_bias_the_sums()
    {
        const int Features = 1024, Rows = 256;
        double[] z = TestData.Normal(new Random(17), Rows * Features);
        float[] x = Array.ConvertAll(z, v => (float)(1 + (1e-6 * v)));
        var moments = new FeatureMoments<float>(Features);
        moments.Add(x);
        var variance = new float[Features];
        moments.GetVariance(variance, unbiased: false);
        double worst = 0;
        for (int f = 0; f < Features; f++)
        {
            (_, double m2) = ExactReference.Of<float>(x, Features, 1, f);
            worst = Math.Max(worst, Math.Abs(variance[f] - (m2 / Rows)) / (m2 / Rows));
        }

        output.WriteLine($"{Features} features of {Rows} rows: worst relative error of the variance {worst:E2}");
        Assert.True(worst <= 5e-7, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void Constant_features_have_exactly_zero_variance()
    {
        var moments = new FeatureMoments<float>(3);
        float[] x = Enumerable.Range(0, 300).Select(i => i % 3 == 0 ? 3.25f : i % 3 == 1 ? 0f : -1e30f).ToArray();
        moments.Add(x);
        moments.Add(x);
        var variance = new float[3];
        moments.GetVariance(variance, unbiased: true);
        Assert.Equal(new[] { 0f, 0f, 0f }, variance);
        Assert.Equal(new[] { 3.25f, 0f, -1e30f }, moments.Mean.ToArray());
    }

    [Fact]
    public void Element_types_other_than_float_and_double_are_refused()
    {
        var error = Assert.Throws<NotSupportedException>(() => new FeatureMoments<Half>(3));
        Assert.Contains("T must be float or double", error.Message);
    }

    private static void AssertRejected<T>(int features, int spatial, double bad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int sampleLength = features * spatial;
        var random = new Random(features * 100 + spatial);
        var moments = new FeatureMoments<T>(features);
        moments.Add(Array.ConvertAll(TestData.FeatureData(random, 9, features, spatial), T.CreateTruncating), spatial);
        Snapshot<T> before = Snapshot<T>.Of(moments);
        var empty = new FeatureMoments<T>(features);

        // The bad value sits in the last feature of row 70 of 100, at its last position.
        T[] x = Array.ConvertAll(TestData.FeatureData(random, 100, features, spatial), T.CreateTruncating);
        int index = (70 * sampleLength) + sampleLength - 1;
        x[index] = T.CreateTruncating(bad);
        foreach (FeatureMoments<T> target in new[] { moments, empty })
        {
            var error = Assert.Throws<ArgumentException>(() => target.Add(x, spatial));
            Assert.Equal("x", error.ParamName);
            Assert.Contains($"feature {features - 1}", error.Message);
            Assert.Contains($"x[{index}] = {x[index]}", error.Message);
            Assert.Contains("row 70", error.Message);
        }

        before.AssertUnchanged(moments);
        Assert.Equal(0, empty.Count);
        Assert.All(empty.Mean.ToArray(), v => Assert.Equal(T.Zero, v));
    }

    /// <summary>Uniform values mean +- spread * sqrt(3), rounded to float, from a fixed seed.</summary>
    private static float[] Values(int count, double mean, double spread)
    {
        var random = new Random(13);
        return Enumerable.Range(0, count).Select(_ => (float)(mean + (spread * Math.Sqrt(3) * ((2 * random.NextDouble()) - 1)))).ToArray();
    }

    private static double Variance(FeatureMoments<float> moments)
    {
        var variance = new float[moments.Features];
        moments.GetVariance(variance, unbiased: false);
        return variance[0];
    }

    private static void AssertRelative(double expected, double actual, double tolerance)
    {
        double error = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(error <= tolerance, $"{actual:R} against {expected:R}: relative error {error:E2}");
    }

    /// <summary>Everything an instance shows, to compare before and after a rejected call.</summary>
    private sealed record Snapshot<T>(long Count, T[] Pivot, T[] MeanOffset, T[] M2, T[] Mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Snapshot<T> Of(FeatureMoments<T> moments) =>
            new(moments.Count, moments.Pivot.ToArray(), moments.MeanOffset.ToArray(), moments.M2.ToArray(), moments.Mean.ToArray());

        public void AssertUnchanged(FeatureMoments<T> moments)
        {
            Assert.Equal(Count, moments.Count);
            Assert.Equal(Pivot, moments.Pivot.ToArray());
            Assert.Equal(MeanOffset, moments.MeanOffset.ToArray());
            Assert.Equal(M2, moments.M2.ToArray());
            Assert.Equal(Mean, moments.Mean.ToArray());
        }
    }
}
