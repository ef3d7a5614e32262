using System;
using System.Numerics;
using NormGen.Statistics;
using Xunit;

namespace NormGen.Tests.Collection;

/// <summary>
/// The internal pieces a layer would reuse, used the way MomentAccumulator's documentation describes: chunks of any
/// size reduced by ColumnMoments about their own first row, merged in double, equal the exact statistics.
/// </summary>
public class MomentAccumulatorTests
{
    private const int Features = 13;
    private static readonly int[] ChunkRows = { 1, 64, 7, 300, 2, 33, 593 };

    [Fact]
    public void Chunks_merged_in_double_equal_the_exact_statistics()
    {
        AssertChunksExact<float>(1e-6);
        AssertChunksExact<double>(1e-12);
    }

    [Fact]
    public void Merging_two_accumulators_equals_one_and_non_finite_chunks_show()
    {
        double[] x = Data(1000, 2);
        var whole = Reduce<double>(x, 0, 1000);
        var first = Reduce<double>(x, 0, 400);
        first.Merge(Reduce<double>(x, 400, 1000));
        Assert.Equal(whole.Count, first.Count);
        for (int f = 0; f < Features; f++)
        {
            Assert.Equal(whole.M2[f], first.M2[f], 1e-12 * whole.M2[f]);
            Assert.Equal(whole.Pivot[f] + whole.MeanOffset[f], first.Pivot[f] + first.MeanOffset[f], 1e-12 * Math.Abs(whole.Pivot[f]));
        }

        Assert.Equal(-1, whole.FirstNonFinite());
        x[(500 * Features) + 4] = double.NaN;
        Assert.Equal(4, Reduce<double>(x, 0, 1000).FirstNonFinite());
    }

    private static void AssertChunksExact<T>(double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] x = Data(1000, 1);
        T[] values = Array.ConvertAll(x, T.CreateTruncating);
        MomentAccumulator accumulator = Reduce<T>(x, 0, 1000);
        Assert.Equal(1000, accumulator.Count);
        for (int f = 0; f < Features; f++)
        {
            (double mean, double m2) = ExactReference.Of<T>(values, Features, 1, f);
            double actualMean = accumulator.Pivot[f] + accumulator.MeanOffset[f];
            Assert.True(Math.Abs(actualMean - mean) <= tolerance * Math.Abs(mean), $"{typeof(T).Name} feature {f}: mean {actualMean:R}, exact {mean:R}");
            Assert.True(Math.Abs(accumulator.M2[f] - m2) <= tolerance * m2, $"{typeof(T).Name} feature {f}: M2 {accumulator.M2[f]:R}, exact {m2:R}");
        }
    }

    /// <summary>Rows [from, to) of x (rounded to T) in chunks of the sizes in <see cref="ChunkRows"/>, cycled.</summary>
    private static MomentAccumulator Reduce<T>(double[] x, int from, int to)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] values = Array.ConvertAll(x, T.CreateTruncating);
        var accumulator = new MomentAccumulator(Features);
        var mean = new T[Features];
        var m2 = new double[Features];
        for (int start = from, k = 0; start < to; k++)
        {
            int rows = Math.Min(ChunkRows[k % ChunkRows.Length], to - start);
            Span<T> chunk = values.AsSpan(start * Features, rows * Features);
            ColumnMoments.Compute(ref chunk[0], Features, rows, Features, ref chunk[0], ref mean[0], ref m2[0]);
            accumulator.MergeChunk<T>(rows, chunk.Slice(0, Features), mean, m2);
            start += rows;
        }

        return accumulator;
    }

    /// <summary>Feature f has mean +-10^f and spread 10^(f - 6): magnitudes 1 to 1e12, each mean 1e6 times its spread.</summary>
    private static double[] Data(int rows, int seed)
    {
        double[] x = TestData.Normal(new Random(seed), rows * Features);
        for (int i = 0; i < x.Length; i++)
        {
            int f = i % Features;
            x[i] = ((f % 2 == 0 ? 1 : -1) * Math.Pow(10, f)) + (Math.Pow(10, f - 6) * x[i]);
        }

        return x;
    }
}
