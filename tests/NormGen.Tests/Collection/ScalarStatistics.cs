using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace NormGen.Tests.Collection;

/// <summary>Scalar double-precision reference statistics and small conversions for the collection tests.</summary>
internal static class ScalarStatistics
{
    /// <summary>Per-feature mean and variance of x with shape (batch, features, spatial): plain two-pass double sums.</summary>
    public static (double[] Mean, double[] Variance) Of(double[] x, int features, int spatial, bool unbiased)
    {
        int rows = x.Length / (features * spatial);
        long count = (long)rows * spatial;
        var mean = new double[features];
        var variance = new double[features];
        for (int f = 0; f < features; f++)
        {
            double sum = 0;
            foreach (double value in Values(x, features, spatial, f))
            {
                sum += value;
            }

            mean[f] = sum / count;
            double squares = 0;
            foreach (double value in Values(x, features, spatial, f))
            {
                squares += (value - mean[f]) * (value - mean[f]);
            }

            variance[f] = squares / (unbiased ? count - 1 : count);
        }

        return (mean, variance);
    }

    /// <summary>Every value of feature f in x of shape (batch, features, spatial).</summary>
    public static IEnumerable<double> Values(double[] x, int features, int spatial, int f)
    {
        int sampleLength = features * spatial;
        for (int r = 0; r < x.Length / sampleLength; r++)
        {
            for (int s = 0; s < spatial; s++)
            {
                yield return x[r * sampleLength + f * spatial + s];
            }
        }
    }

    public static double[] Concat(IEnumerable<double[]> batches) => batches.SelectMany(b => b).ToArray();

    public static T[] To<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Array.ConvertAll(values, v => T.CreateTruncating(v));

    public static double[] ToDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = double.CreateTruncating(values[i]);
        }

        return result;
    }

    /// <summary>
    /// Batches of the given sizes with shape (size, features, spatial); batch k is shifted by k * drift so batch
    /// means differ and the between-batch term of the merge matters. Values are rounded to float when asked, so a
    /// float layer and the double reference see the same numbers.
    /// </summary>
    public static List<double[]> Batches(int seed, int[] sizes, int features, int spatial = 1, double drift = 0.25, bool roundToFloat = false)
    {
        var random = new Random(seed);
        var batches = new List<double[]>();
        for (int k = 0; k < sizes.Length; k++)
        {
            double[] x = TestData.FeatureData(random, sizes[k], features, spatial);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] += 10 + k * drift;
            }

            batches.Add(roundToFloat ? TestData.RoundToFloat(x) : x);
        }

        return batches;
    }

    /// <summary>Largest |actual - expected| / |expected| over the elements.</summary>
    public static double MaxRelativeError(double[] expected, double[] actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / Math.Abs(expected[i]));
        }

        return worst;
    }
}
