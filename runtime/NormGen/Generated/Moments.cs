using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NormGen.Generated;

/// <summary>
/// Per-feature statistics accumulated in double: (count, mean relative to a pivot, M2) merged with the
/// Chan-Golub-LeVeque formula, and plain sums. The kernels reduce cache-sized chunks in the layer's element type; the
/// chunks are merged here in double, in order, so a batch of 2^26 rows loses no more than one chunk does, and the result
/// does not depend on how the rows were split among threads (the chunks and their order are fixed).
/// </summary>
internal static class Moments
{
    /// <summary>
    /// The first chunk of a batch: the accumulators become its mean (relative to the pivot) and M2.
    /// </summary>
    public static void Start<T>(Span<double> mean, Span<double> m2, ReadOnlySpan<T> chunkMean, ReadOnlySpan<T> chunkM2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        FeatureVectors.Widen(chunkMean.Slice(0, mean.Length), mean);
        FeatureVectors.Widen(chunkM2.Slice(0, m2.Length), m2);
    }

    /// <summary>
    /// Merges a chunk of <paramref name="chunkCount"/> values per feature (mean relative to the same pivot, and M2) into
    /// accumulators of <paramref name="count"/> values: <c>delta = chunkMean - mean; mean += delta * nB / n;
    /// m2 += chunkM2 + delta^2 * nA * nB / n</c>.
    /// </summary>
    public static void Merge<T>(Span<double> mean, Span<double> m2, long count, ReadOnlySpan<T> chunkMean, ReadOnlySpan<T> chunkM2, long chunkCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = (double)count + chunkCount;
        double weight = chunkCount / total;
        double cross = count / total * chunkCount;
        int f = 0;
        if (typeof(T) == typeof(float) && Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<float> meanB = MemoryMarshal.Cast<T, float>(chunkMean);
            ReadOnlySpan<float> m2B = MemoryMarshal.Cast<T, float>(chunkM2);
            var weightVector = new Vector<double>(weight);
            var crossVector = new Vector<double>(cross);
            for (; f <= mean.Length - Vector<float>.Count; f += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(meanB.Slice(f)), out Vector<double> meanLow, out Vector<double> meanHigh);
                Vector.Widen(new Vector<float>(m2B.Slice(f)), out Vector<double> m2Low, out Vector<double> m2High);
                MergeVector(mean.Slice(f), m2.Slice(f), meanLow, m2Low, weightVector, crossVector);
                MergeVector(mean.Slice(f + Vector<double>.Count), m2.Slice(f + Vector<double>.Count), meanHigh, m2High, weightVector, crossVector);
            }
        }
        else if (typeof(T) == typeof(double) && Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<double> meanB = MemoryMarshal.Cast<T, double>(chunkMean);
            ReadOnlySpan<double> m2B = MemoryMarshal.Cast<T, double>(chunkM2);
            var weightVector = new Vector<double>(weight);
            var crossVector = new Vector<double>(cross);
            for (; f <= mean.Length - Vector<double>.Count; f += Vector<double>.Count)
            {
                MergeVector(mean.Slice(f), m2.Slice(f), new Vector<double>(meanB.Slice(f)), new Vector<double>(m2B.Slice(f)), weightVector, crossVector);
            }
        }

        for (; f < mean.Length; f++)
        {
            double delta = double.CreateTruncating(chunkMean[f]) - mean[f];
            mean[f] += delta * weight;
            m2[f] += double.CreateTruncating(chunkM2[f]) + delta * delta * cross;
        }
    }

    /// <summary>
    /// Merges moments already in double (another batch, another worker) into the accumulators; see
    /// <see cref="Merge{T}(Span{double}, Span{double}, long, ReadOnlySpan{T}, ReadOnlySpan{T}, long)"/>.
    /// Both means must be relative to the same pivot.
    /// </summary>
    public static void Merge(Span<double> mean, Span<double> m2, long count, ReadOnlySpan<double> otherMean, ReadOnlySpan<double> otherM2, long otherCount) =>
        Merge<double>(mean, m2, count, otherMean, otherM2, otherCount);

    /// <summary>
    /// Merges moments in double whose mean is relative to <paramref name="otherPivot"/> into accumulators relative to
    /// <paramref name="pivot"/>: the pivots' difference is exact in double, so nothing is lost re-expressing it.
    /// </summary>
    public static void MergeShifted<T>(
        Span<double> mean, Span<double> m2, long count, ReadOnlySpan<T> pivot, ReadOnlySpan<double> otherMean, ReadOnlySpan<double> otherM2, long otherCount, ReadOnlySpan<T> otherPivot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = (double)count + otherCount;
        double weight = otherCount / total;
        double cross = count / total * otherCount;
        for (int f = 0; f < mean.Length; f++)
        {
            double delta = (double.CreateTruncating(otherPivot[f]) - double.CreateTruncating(pivot[f])) + otherMean[f] - mean[f];
            mean[f] += delta * weight;
            m2[f] += otherM2[f] + delta * delta * cross;
        }
    }

    /// <summary><c>sums += chunk</c>, per feature, in double.</summary>
    public static void Add<T>(Span<double> sums, ReadOnlySpan<T> chunk)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f = 0;
        if (typeof(T) == typeof(float) && Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<float> values = MemoryMarshal.Cast<T, float>(chunk);
            for (; f <= sums.Length - Vector<float>.Count; f += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(values.Slice(f)), out Vector<double> low, out Vector<double> high);
                (new Vector<double>(sums.Slice(f)) + low).CopyTo(sums.Slice(f));
                (new Vector<double>(sums.Slice(f + Vector<double>.Count)) + high).CopyTo(sums.Slice(f + Vector<double>.Count));
            }
        }

        for (; f < sums.Length; f++)
        {
            sums[f] += double.CreateTruncating(chunk[f]);
        }
    }

    private static void MergeVector(Span<double> mean, Span<double> m2, Vector<double> meanB, Vector<double> m2B, Vector<double> weight, Vector<double> cross)
    {
        var meanA = new Vector<double>(mean);
        Vector<double> delta = meanB - meanA;
        (meanA + delta * weight).CopyTo(mean);
        (new Vector<double>(m2) + m2B + delta * delta * cross).CopyTo(m2);
    }
}
