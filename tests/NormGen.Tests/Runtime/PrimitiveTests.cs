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
