using System;
using NormGen.Generated;
using Xunit;

namespace NormGen.Tests.Runtime;

/// <summary>The runtime's shared kernels against plain loops, over lengths that cover every vector tail.</summary>
public class PrimitiveTests
{
    [Fact]
    public void Merging_moments_equals_one_pass()
    {
        var random = new Random(1);
        double[] a = TestData.Normal(random, 3 * 13, 5, 2); // 13 samples of 3 features
        double[] b = TestData.Normal(random, 3 * 29, 4, 3); // 29 samples
        (double[] meanA, double[] m2A) = OnePass(a, 3);
        (double[] meanB, double[] m2B) = OnePass(b, 3);
        (double[] mean, double[] m2) = OnePass([.. a, .. b], 3);

        Moments.Merge<double>(13, meanA, m2A, 29, meanB, m2B);

        TestData.AssertClose(mean, meanA, 1e-14, "mean");
        TestData.AssertClose(m2, m2A, 1e-13, "M2");
    }

    [Fact]
    public void Merging_into_nothing_copies_and_bad_arguments_throw()
    {
        double[] mean = { 9, 9 }, m2 = { 9, 9 };
        Moments.Merge<double>(0, mean, m2, 4, new double[] { 1, 2 }, new double[] { 3, 4 });
        Assert.Equal(new double[] { 1, 2 }, mean);
        Assert.Equal(new double[] { 3, 4 }, m2);
        var error = Assert.Throws<ArgumentException>(() => Moments.Merge<double>(1, mean, m2, 1, new double[3], new double[2]));
        Assert.Contains("meanB 3", error.Message);
        Assert.Throws<ArgumentException>(() => Moments.Merge<double>(-1, mean, m2, 1, new double[2], new double[2]));
    }

    [Fact]
    public void Segment_kernels_match_plain_loops()
    {
        var random = new Random(2);
        for (int length = 1; length <= 70; length++)
        {
            double[] x = TestData.Normal(random, length, 3, 2);
            double[] dy = TestData.Normal(random, length);
            double pivot = x[0], mean = 0.25, scale = 1.5, shift = -0.1, a = 0.7, k = -0.3, c = 0.05;
            double sum = 0, squares = 0;
            foreach (double v in x)
            {
                sum += v - pivot;
                squares += (v - pivot - mean) * (v - pivot - mean);
            }

            Assert.Equal(sum, SegmentKernels.SumOfDifferences(ref x[0], length, pivot), 1e-12);
            Assert.Equal(squares, SegmentKernels.SumOfSquaredDeviations(ref x[0], length, pivot, mean), 1e-11);

            foreach (bool relu in new[] { false, true })
            {
                var y = new double[length];
                var dx = new double[length];
                SegmentKernels.ScaleShift(ref x[0], ref y[0], length, pivot, scale, shift, relu);
                double sumDy = SegmentKernels.BackwardSums(ref x[0], ref dy[0], length, pivot, relu, scale, shift, out double sumDyCentered);
                SegmentKernels.BackwardInput(ref x[0], ref dy[0], ref dx[0], length, pivot, relu, scale, shift, a, k, c);
                double expectedSumDy = 0, expectedSumDyCentered = 0;
                for (int i = 0; i < length; i++)
                {
                    double z = (x[i] - pivot) * scale + shift;
                    Assert.Equal(relu ? Math.Max(0, z) : z, y[i], 1e-14);
                    double masked = !relu || z > 0 ? dy[i] : 0;
                    expectedSumDy += masked;
                    expectedSumDyCentered += masked * (x[i] - pivot);
                    Assert.Equal(a * masked + k * (x[i] - pivot) + c, dx[i], 1e-13);
                }

                Assert.Equal(expectedSumDy, sumDy, 1e-12);
                Assert.Equal(expectedSumDyCentered, sumDyCentered, 1e-11);
            }
        }
    }

    [Fact]
    public void Feature_math_matches_plain_loops()
    {
        var random = new Random(3);
        for (int features = 1; features <= 40; features++)
        {
            double[] m2 = Array.ConvertAll(TestData.Normal(random, features), Math.Abs);
            var inverseStd = new double[features];
            FeatureMath.InverseStd<double>(m2, 0.25, 1e-5, inverseStd);
            for (int f = 0; f < features; f++)
            {
                Assert.Equal(1 / Math.Sqrt(m2[f] * 0.25 + 1e-5), inverseStd[f], 1e-12);
            }

            float[] m2Float = TestData.ToFloat(m2);
            var inverseStdFloat = new float[features];
            FeatureMath.InverseStd<float>(m2Float, 0.25f, 1e-5f, inverseStdFloat);
            for (int f = 0; f < features; f++)
            {
                Assert.Equal(1 / Math.Sqrt(m2Float[f] * 0.25 + 1e-5), inverseStdFloat[f], 1e-5 * inverseStdFloat[f]);
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
}
