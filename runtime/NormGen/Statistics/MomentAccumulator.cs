using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NormGen.Statistics;

/// <summary>
/// Per-feature sample count, mean and M2 (sum of squared deviations from the mean), kept in double: the totals
/// behind <see cref="FeatureMoments{T}"/>, and the piece a layer needs to turn chunk statistics into exact batch or
/// collection statistics.
/// </summary>
/// <remarks>
/// <para>
/// The mean is held as <see cref="Pivot"/> + <see cref="MeanOffset"/>. The pivot is a data value (the first chunk's
/// pivot), so the offset is of the order of the spread, not of the mean, and keeps its low digits even when the mean
/// is 1e6 times the spread. Everything is double: merging 2^26 float chunks loses nothing a float result could show,
/// and float chunk statistics (a mean offset of the order of the spread, an M2 up to float's range) convert exactly.
/// </para>
/// <para>
/// How a layer uses it: reduce a cache-sized chunk of rows (say 64) two passes about the chunk's first row
/// (<c>chunkMean = mean(x - pivot)</c> in <c>T</c>, <c>chunkM2 = sum((x - pivot - chunkMean)^2)</c>; for float,
/// sum squares over at most 16 rows in float and accumulate those block sums in double, or quantized data drifts by
/// 1e-6; see <see cref="ColumnMoments"/>, whose loops a generated kernel can specialize), then call <see cref="MergeChunk{T}(long, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{double})"/>
/// with the chunk's pivot row, mean and M2. Chunks may have different pivots and sizes; the merge
/// (Chan, Golub and LeVeque, "Algorithms for computing the sample variance", 1983) re-expresses each chunk's mean
/// relative to <see cref="Pivot"/> in double, where the difference of two float pivots is exact. Check
/// <see cref="FirstNonFinite"/> before publishing the result: NaN or infinity in any chunk stays visible there.
/// </para>
/// <para>Not thread-safe. All arrays are allocated by the constructor; no method allocates.</para>
/// </remarks>
internal sealed class MomentAccumulator
{
    private readonly double[] _pivot;
    private readonly double[] _meanOffset;
    private readonly double[] _m2;

    /// <summary>Creates an empty accumulator (Count 0) for <paramref name="features"/> features.</summary>
    /// <param name="features">Number of features; at least 1 (not checked: callers validate).</param>
    public MomentAccumulator(int features)
    {
        _pivot = new double[features];
        _meanOffset = new double[features];
        _m2 = new double[features];
    }

    /// <summary>Number of features.</summary>
    public int Features => _pivot.Length;

    /// <summary>Samples merged so far; every feature has this many.</summary>
    public long Count { get; private set; }

    /// <summary>Per feature, the value the mean is kept relative to (a data value, or what <see cref="Set{T}"/> was given).</summary>
    public ReadOnlySpan<double> Pivot => _pivot;

    /// <summary>Per feature, the mean minus <see cref="Pivot"/>.</summary>
    public ReadOnlySpan<double> MeanOffset => _meanOffset;

    /// <summary>Per feature, the sum of squared deviations from the mean (Count times the biased variance).</summary>
    public ReadOnlySpan<double> M2 => _m2;

    /// <summary>Removes every sample: Count and all per-feature values become 0.</summary>
    public void Clear()
    {
        Count = 0;
        Array.Clear(_pivot);
        Array.Clear(_meanOffset);
        Array.Clear(_m2);
    }

    /// <summary>
    /// Sets Count to 0 without clearing the per-feature values (O(1)): the next merge overwrites them. For scratch
    /// accumulators that are refilled; use <see cref="Clear"/> where the values are read while empty.
    /// </summary>
    public void Restart() => Count = 0;

    /// <summary>Replaces the contents with <paramref name="count"/> samples described by pivot, mean offset and M2 per feature.</summary>
    /// <param name="count">Samples; at least 1.</param>
    /// <param name="pivot">Pivot per feature (<see cref="Features"/> values).</param>
    /// <param name="meanOffset">Mean minus pivot per feature; empty means all 0.</param>
    /// <param name="m2">M2 per feature.</param>
    public void Set<T>(long count, ReadOnlySpan<T> pivot, ReadOnlySpan<T> meanOffset, ReadOnlySpan<T> m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int f = 0; f < _pivot.Length; f++)
        {
            _pivot[f] = double.CreateTruncating(pivot[f]);
            _meanOffset[f] = meanOffset.IsEmpty ? 0 : double.CreateTruncating(meanOffset[f]);
            _m2[f] = double.CreateTruncating(m2[f]);
        }

        Count = count;
    }

    /// <summary>Overwrites one feature's values (a recomputed feature of the chunks merged so far); Count is unchanged.</summary>
    public void SetFeature(int feature, double pivot, double meanOffset, double m2)
    {
        _pivot[feature] = pivot;
        _meanOffset[feature] = meanOffset;
        _m2[feature] = m2;
    }

    /// <summary>
    /// Merges a chunk of <paramref name="count"/> samples per feature reduced about <paramref name="pivot"/>:
    /// <c>meanOffset = mean(x - pivot)</c> rounded to <typeparamref name="T"/>, and <c>m2 = sum((x - pivot - meanOffset)^2)</c>
    /// in double, taken about that rounded offset (what <see cref="ColumnMoments"/> and <see cref="RunMoments"/> give).
    /// </summary>
    /// <param name="count">Samples per feature in the chunk; at least 1.</param>
    /// <param name="pivot">The chunk's pivot per feature (at least <see cref="Features"/> values; extra ones are ignored).</param>
    /// <param name="meanOffset">The chunk's mean minus its pivot per feature.</param>
    /// <param name="m2">The chunk's M2 per feature. Summing squares in float over more than a few rows drifts (see
    /// <see cref="ColumnMoments"/>): widen short float block sums to double, as that kernel does.</param>
    public void MergeChunk<T>(long count, ReadOnlySpan<T> pivot, ReadOnlySpan<T> meanOffset, ReadOnlySpan<double> m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        MergeChunkCore<T, T>(count, pivot, meanOffset, m2);
    }

    /// <summary>
    /// <see cref="MergeChunk{T}(long, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{double})"/> for a chunk whose
    /// mean offset is in double too (several columns of one feature folded together).
    /// </summary>
    public void MergeFoldedChunk<T>(long count, ReadOnlySpan<T> pivot, ReadOnlySpan<double> meanOffset, ReadOnlySpan<double> m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        MergeChunkCore<T, double>(count, pivot, meanOffset, m2);
    }

    /// <summary>
    /// The first feature whose mean offset or M2 is NaN or infinite, or -1. Non-finite data anywhere in the merged
    /// chunks shows here: NaN and infinity propagate through every sum and merge.
    /// </summary>
    public int FirstNonFinite()
    {
        int f = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // value * 0 is 0 for finite values and NaN otherwise; NaN is the one value unequal to itself.
            ref double offset = ref MemoryMarshal.GetArrayDataReference(_meanOffset);
            ref double m2 = ref MemoryMarshal.GetArrayDataReference(_m2);
            for (; f <= _m2.Length - Vector<double>.Count; f += Vector<double>.Count)
            {
                var probe = (Vector.LoadUnsafe(ref offset, (nuint)f) * Vector<double>.Zero) + (Vector.LoadUnsafe(ref m2, (nuint)f) * Vector<double>.Zero);
                if (!Vector.EqualsAll(probe, probe))
                {
                    break;
                }
            }
        }

        for (; f < _m2.Length; f++)
        {
            if (!double.IsFinite(_meanOffset[f]) || !double.IsFinite(_m2[f]))
            {
                return f;
            }
        }

        return -1;
    }

    /// <summary>
    /// The first feature whose merged mean offset or M2 would not be finite if <paramref name="other"/> were merged
    /// (M2 beyond double's range, which only double data can reach), or -1. Nothing changes.
    /// </summary>
    public int FirstNonFiniteAfterMerge(MomentAccumulator other)
    {
        if (Count == 0 || other.Count == 0)
        {
            return Count == 0 ? other.FirstNonFinite() : -1;
        }

        (double weightB, double crossWeight) = Weights(Count, other.Count);
        for (int f = 0; f < _m2.Length; f++)
        {
            double delta = (other._pivot[f] - _pivot[f]) + other._meanOffset[f] - _meanOffset[f];
            if (!double.IsFinite(_meanOffset[f] + (delta * weightB)) || !double.IsFinite(_m2[f] + other._m2[f] + (delta * delta * crossWeight)))
            {
                return f;
            }
        }

        return -1;
    }

    /// <summary>
    /// Merges <paramref name="other"/> (which may be this instance) into this one: afterwards it describes the samples
    /// of both. Check <see cref="FirstNonFiniteAfterMerge"/> first where an overflow must leave things unchanged.
    /// </summary>
    public void Merge(MomentAccumulator other)
    {
        long countB = other.Count;
        if (countB == 0)
        {
            return;
        }

        if (Count == 0)
        {
            other._pivot.CopyTo(_pivot, 0);
            other._meanOffset.CopyTo(_meanOffset, 0);
            other._m2.CopyTo(_m2, 0);
            Count = countB;
            return;
        }

        (double weightB, double crossWeight) = Weights(Count, countB);
        int f = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var weights = (new Vector<double>(weightB), new Vector<double>(crossWeight));
            ref double pivot = ref MemoryMarshal.GetArrayDataReference(other._pivot);
            ref double offset = ref MemoryMarshal.GetArrayDataReference(other._meanOffset);
            ref double m2 = ref MemoryMarshal.GetArrayDataReference(other._m2);
            for (; f <= _m2.Length - Vector<double>.Count; f += Vector<double>.Count)
            {
                MergeLanes(f, Vector.LoadUnsafe(ref pivot, (nuint)f), Vector.LoadUnsafe(ref offset, (nuint)f), Vector.LoadUnsafe(ref m2, (nuint)f), weights);
            }
        }

        for (; f < _m2.Length; f++)
        {
            MergeOne(f, other._pivot[f], other._meanOffset[f], other._m2[f], weightB, crossWeight);
        }

        Count += countB;
    }

    /// <summary>Chan-Golub-LeVeque weights for merging B into A: nB / n and nA * nB / n.</summary>
    private static (double WeightB, double CrossWeight) Weights(long countA, long countB)
    {
        double total = (double)countA + countB;
        return (countB / total, countA / total * countB);
    }

    private void MergeChunkCore<T, TMean>(long count, ReadOnlySpan<T> pivot, ReadOnlySpan<TMean> meanOffset, ReadOnlySpan<double> m2)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMean : unmanaged, IFloatingPointIeee754<TMean>
    {
        int features = _m2.Length;
        pivot = pivot.Slice(0, features);
        meanOffset = meanOffset.Slice(0, features);
        m2 = m2.Slice(0, features);
        if (Count == 0)
        {
            // The first chunk: its values become ours (a zero weight would lose the pivot).
            for (int i = 0; i < features; i++)
            {
                _pivot[i] = double.CreateTruncating(pivot[i]);
                _meanOffset[i] = double.CreateTruncating(meanOffset[i]);
            }

            m2.CopyTo(_m2);
            Count = count;
            return;
        }

        (double weightB, double crossWeight) = Weights(Count, count);
        int f = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var weights = (new Vector<double>(weightB), new Vector<double>(crossWeight));
            ref double m2Start = ref MemoryMarshal.GetReference(m2);
            int half = Vector<double>.Count;
            if (typeof(T) == typeof(float))
            {
                // Eight float pivots (and means) widen to two double vectors.
                ref float pivotStart = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(pivot));
                for (; f <= features - (2 * half); f += 2 * half)
                {
                    Vector.Widen(Vector.LoadUnsafe(ref pivotStart, (nuint)f), out Vector<double> pivotLow, out Vector<double> pivotHigh);
                    (Vector<double> meanLow, Vector<double> meanHigh) = LoadMeans(meanOffset, f);
                    MergeLanes(f, pivotLow, meanLow, Vector.LoadUnsafe(ref m2Start, (nuint)f), weights);
                    MergeLanes(f + half, pivotHigh, meanHigh, Vector.LoadUnsafe(ref m2Start, (nuint)(f + half)), weights);
                }
            }
            else
            {
                ref double pivotStart = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(pivot));
                ref double meanStart = ref Unsafe.As<TMean, double>(ref MemoryMarshal.GetReference(meanOffset));
                for (; f <= features - half; f += half)
                {
                    MergeLanes(f, Vector.LoadUnsafe(ref pivotStart, (nuint)f), Vector.LoadUnsafe(ref meanStart, (nuint)f), Vector.LoadUnsafe(ref m2Start, (nuint)f), weights);
                }
            }
        }

        for (; f < features; f++)
        {
            MergeOne(f, double.CreateTruncating(pivot[f]), double.CreateTruncating(meanOffset[f]), m2[f], weightB, crossWeight);
        }

        Count += count;
    }

    /// <summary>Means at features [f, f + Vector&lt;float&gt;.Count) as two double vectors, from float or double storage.</summary>
    private static (Vector<double> Low, Vector<double> High) LoadMeans<TMean>(ReadOnlySpan<TMean> meanOffset, int f)
        where TMean : unmanaged, IFloatingPointIeee754<TMean>
    {
        if (typeof(TMean) == typeof(float))
        {
            Vector.Widen(Vector.LoadUnsafe(ref Unsafe.As<TMean, float>(ref MemoryMarshal.GetReference(meanOffset)), (nuint)f), out Vector<double> low, out Vector<double> high);
            return (low, high);
        }

        ref double start = ref Unsafe.As<TMean, double>(ref MemoryMarshal.GetReference(meanOffset));
        return (Vector.LoadUnsafe(ref start, (nuint)f), Vector.LoadUnsafe(ref start, (nuint)(f + Vector<double>.Count)));
    }

    /// <summary>
    /// The merge of B into A for features [f, f + Vector&lt;double&gt;.Count). B's mean is re-expressed relative to
    /// our pivot: for float chunks the pivot difference is exact in double; for double chunks both pivots are data
    /// values of one feature, so it is exact or off by an ulp of the spread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MergeLanes(int f, Vector<double> pivotB, Vector<double> offsetB, Vector<double> m2B, (Vector<double> WeightB, Vector<double> Cross) weights)
    {
        ref double pivot = ref MemoryMarshal.GetArrayDataReference(_pivot);
        ref double offset = ref MemoryMarshal.GetArrayDataReference(_meanOffset);
        ref double m2 = ref MemoryMarshal.GetArrayDataReference(_m2);
        var offsetA = Vector.LoadUnsafe(ref offset, (nuint)f);
        var delta = (pivotB - Vector.LoadUnsafe(ref pivot, (nuint)f)) + offsetB - offsetA;
        (offsetA + (delta * weights.WeightB)).StoreUnsafe(ref offset, (nuint)f);
        (Vector.LoadUnsafe(ref m2, (nuint)f) + m2B + (delta * delta * weights.Cross)).StoreUnsafe(ref m2, (nuint)f);
    }

    /// <summary><see cref="MergeLanes"/> for one feature.</summary>
    private void MergeOne(int f, double pivotB, double offsetB, double m2B, double weightB, double crossWeight)
    {
        double delta = (pivotB - _pivot[f]) + offsetB - _meanOffset[f];
        _meanOffset[f] += delta * weightB;
        _m2[f] += m2B + (delta * delta * crossWeight);
    }
}
