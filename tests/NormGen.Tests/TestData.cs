using System;
using Xunit;

namespace NormGen.Tests;

/// <summary>Seeded random data and tolerance checks shared by the numerics tests.</summary>
internal static class TestData
{
    /// <summary>Normal samples; feature f of each sample gets its own mean and scale so statistics differ per feature.</summary>
    public static double[] Normal(Random random, int count, double mean = 0, double std = 1)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1 - random.NextDouble();
            double u2 = random.NextDouble();
            values[i] = mean + std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        return values;
    }

    /// <summary>x of shape (batch, features, spatial) with per-feature means in [-3, 3] and stds in [0.5, 2.5].</summary>
    public static double[] FeatureData(Random random, int batch, int features, int spatial = 1)
    {
        var means = new double[features];
        var stds = new double[features];
        for (int f = 0; f < features; f++)
        {
            means[f] = random.NextDouble() * 6 - 3;
            stds[f] = 0.5 + random.NextDouble() * 2;
        }

        double[] x = Normal(random, batch * features * spatial);
        for (int i = 0; i < x.Length; i++)
        {
            int f = i / spatial % features;
            x[i] = means[f] + stds[f] * x[i];
        }

        return x;
    }

    /// <summary>Rounds every value to float, so float and double layers see the same inputs.</summary>
    public static double[] RoundToFloat(double[] values) => Array.ConvertAll(values, v => (double)(float)v);

    public static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    public static double MaxAbs(double[] values)
    {
        double max = 0;
        foreach (double v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    /// <summary>
    /// Asserts |actual - expected| &lt;= tolerance * scale for every element, where scale defaults to the largest
    /// |expected| (at least 1e-300): a relative error measured against the array's magnitude.
    /// </summary>
    public static void AssertClose(double[] expected, double[] actual, double tolerance, string what, double? scale = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        double reference = Math.Max(scale ?? MaxAbs(expected), 1e-300);
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / reference;
            if (!(error <= worst))
            {
                worst = error;
                worstIndex = i;
            }
        }

        Assert.True(
            worst <= tolerance,
            $"{what}: relative error {worst:E3} at [{worstIndex}] exceeds {tolerance:E1} (expected {(worstIndex >= 0 ? expected[worstIndex] : 0):R}, actual {(worstIndex >= 0 ? actual[worstIndex] : 0):R}, scale {reference:E3}).");
    }
}
