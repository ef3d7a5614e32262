using System;
using System.Linq;
using NormGen.Generated;
using Xunit;

namespace NormGen.Tests.Runtime;

/// <summary>The runtime's shared kernels against plain loops, over lengths that cover every vector tail.</summary>
public class PrimitiveTests
{
    [Fact]
    public void Merging_chunks_in_double_equals_one_pass()
    {
        var random = new Random(1);
        foreach (int features in new[] { 1, 3, 8, 17, 40 })
        {
            double[] a = TestData.Normal(random, features * 13, 5, 2); // 13 samples
            double[] b = TestData.Normal(random, features * 29, 4, 3); // 29 samples
            (double[] meanA, double[] m2A) = OnePass(a, features);
            (double[] meanB, double[] m2B) = OnePass(b, features);
            (double[] mean, double[] m2) = OnePass([.. a, .. b], features);

            // Doubles, and floats widened on the way in (the vector path for float, the scalar tail for the rest).
            var accumulatedMean = new double[features];
            var accumulatedM2 = new double[features];
            Moments.Start<double>(accumulatedMean, accumulatedM2, meanA, m2A);
            Moments.Merge<double>(accumulatedMean, accumulatedM2, 13, meanB, m2B, 29);
            TestData.AssertClose(mean, accumulatedMean, 1e-14, "mean");
            TestData.AssertClose(m2, accumulatedM2, 1e-12, "M2");

            Moments.Start<float>(accumulatedMean, accumulatedM2, TestData.ToFloat(meanA), TestData.ToFloat(m2A));
            Moments.Merge<float>(accumulatedMean, accumulatedM2, 13, TestData.ToFloat(meanB), TestData.ToFloat(m2B), 29);
            TestData.AssertClose(mean, accumulatedMean, 1e-6, "mean (float chunks)");
            TestData.AssertClose(m2, accumulatedM2, 1e-5, "M2 (float chunks)");
        }
    }

    [Fact]
    public void Merging_with_another_pivot_re_expresses_the_mean_exactly()
    {
        // Batch A about pivot 10, batch B about pivot 12: B's mean relative to A's pivot is 2 + its offset.
        double[] meanA = { 0.5 }, m2A = { 4 };
        Moments.MergeShifted<double>(meanA, m2A, 10, new double[] { 10 }, new double[] { -0.5 }, new double[] { 6 }, 30, new double[] { 12 });
        double expectedMean = (10 * 0.5 + 30 * 1.5) / 40;
        Assert.Equal(expectedMean, meanA[0], 1e-15);
        Assert.Equal(4 + 6 + 1.0 * 1.0 * 10 * 30 / 40, m2A[0], 1e-13);
    }

    [Fact]
    public void Adding_chunks_in_double_sums_every_feature()
    {
        foreach (int features in new[] { 1, 7, 8, 33 })
        {
            var sums = new double[features];
            float[] chunk = Enumerable.Range(0, features).Select(i => i + 0.5f).ToArray();
            Moments.Add<float>(sums, chunk);
            Moments.Add<float>(sums, chunk);
            Assert.Equal(chunk.Select(v => 2.0 * v), sums);
        }
    }

    [Fact]
    public void Finishing_statistics_rounds_the_variance_once_then_takes_the_element_types_root()
    {
        // inverseStd = 1 / sqrt((T)(m2 / count + eps)): the variance rounds once from double, the root and the division
        // are T's (correctly rounded in every SIMD width), as PyTorch computes invstd. Both lengths past and inside a
        // vector's worth of features go through the same rule.
        var random = new Random(3);
        for (int features = 1; features <= 40; features++)
        {
            double[] offset = TestData.Normal(random, features);
            double[] m2 = Array.ConvertAll(TestData.Normal(random, features), Math.Abs);
            var mean = new float[features];
            var inverseStd = new float[features];
            FeatureMath.FinishStatistics<float>(offset, m2, 4, 1e-5, mean, inverseStd);
            var meanDouble = new double[features];
            var inverseStdDouble = new double[features];
            FeatureMath.FinishStatistics<double>(offset, m2, 4, 1e-5, meanDouble, inverseStdDouble);
            for (int f = 0; f < features; f++)
            {
                Assert.Equal((float)offset[f], mean[f]);
                Assert.Equal(1f / MathF.Sqrt((float)(m2[f] / 4 + 1e-5)), inverseStd[f]);
                Assert.Equal(offset[f], meanDouble[f]);
                Assert.Equal(1 / Math.Sqrt(m2[f] / 4 + 1e-5), inverseStdDouble[f]);
            }
        }
    }

    [Fact]
    public void Shape_guard_messages_name_layer_shape_and_lengths()
    {
        var notMultiple = Assert.Throws<ArgumentException>(() => ShapeGuard.BatchSize("MyNorm", "(batch, 4)", 4, 10));
        Assert.Equal("MyNorm: x must have shape (batch, 4), a positive multiple of 4 elements; got x.Length = 10. (Parameter 'x')", notMultiple.Message);
        var mismatch = Assert.Throws<ArgumentException>(() => ShapeGuard.SameLength("MyNorm", "(batch, 4)", "dy", 8, 12));
        Assert.Equal("MyNorm: dy must have the shape of x, (batch, 4) = 8 elements; got dy.Length = 12. (Parameter 'dy')", mismatch.Message);
        Assert.Equal(3, ShapeGuard.BatchSize("MyNorm", "(batch, 4)", 4, 12));
    }

    private static (double[] Mean, double[] M2) OnePass(double[] rows, int features)
    {
        int count = rows.Length / features;
        var mean = new double[features];
        var m2 = new double[features];
        for (int i = 0; i < rows.Length; i++)
        {
            mean[i % features] += rows[i] / count;
        }

        for (int i = 0; i < rows.Length; i++)
        {
            double d = rows[i] - mean[i % features];
            m2[i % features] += d * d;
        }

        return (mean, m2);
    }

    [Fact]
    public void The_finite_check_finds_one_bad_value_at_any_position()
    {
        // Lengths around the four-vector body, its one-vector loop and the scalar tail; every position of each.
        foreach (int length in new[] { 0, 1, 3, 4, 5, 8, 15, 16, 17, 19, 31, 32, 33, 47, 128, 131 })
        {
            var values = new double[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = 1e300 * (i % 3 - 1);
            }

            Assert.True(FeatureVectors.AllFinite(values), $"length {length}, all finite");
            foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            {
                for (int position = 0; position < length; position++)
                {
                    double kept = values[position];
                    values[position] = bad;
                    Assert.False(FeatureVectors.AllFinite(values), $"length {length}, {bad} at {position}");
                    values[position] = kept;
                }
            }
        }
    }
}
