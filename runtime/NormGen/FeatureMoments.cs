using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NormGen.Generated;

namespace NormGen;

/// <summary>
/// Exact per-feature statistics of any number of samples: the sample count, the mean and M2 (the sum of squared
/// deviations from the mean) of every feature. Batches are added with <see cref="Add"/>, and statistics gathered
/// elsewhere (other threads, processes or machines) are combined with <see cref="Merge"/>; the result equals the
/// statistics of all samples taken as one batch, with every sample weighted equally. <see cref="WriteTo"/> then
/// makes them a batch-norm layer's running statistics.
/// </summary>
/// <remarks>
/// <para>
/// Batches are reduced in two passes about a pivot (a sample value) and merged with the Chan-Golub-LeVeque formula
/// , so nothing cancels the way <c>E[x^2] - E[x]^2</c> does. The mean is held as
/// <see cref="Pivot"/> + <see cref="MeanOffset"/>: for float data whose mean is large next to its spread (say a mean
/// of 1e4 and a standard deviation of 1e-2), the offset keeps digits that a mean rounded to float would lose. To move
/// statistics between machines without that rounding, send Count, Pivot, MeanOffset and M2 and rebuild them with
/// <see cref="FeatureMoments(long, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T})"/>.
/// </para>
/// <para>Not thread-safe: give every thread its own instance and merge them at the end.</para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class FeatureMoments<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _pivot;
    private readonly T[] _meanOffset;
    private readonly T[] _m2;

    // Pivot + MeanOffset, refreshed when Mean is read after a change.
    private readonly T[] _mean;
    private bool _meanCurrent = true;

    // Scratch for one batch or one merge partner, so Add and Merge allocate nothing.
    private readonly T[] _batchPivot;
    private readonly T[] _batchOffset;
    private readonly T[] _batchM2;

    /// <summary>Creates empty statistics (Count 0) for <paramref name="features"/> features.</summary>
    /// <param name="features">Number of features (channels); at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> is less than 1.</exception>
    public FeatureMoments(int features)
    {
        if (features < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(features), features, $"FeatureMoments: features must be at least 1; got {features}.");
        }

        Features = features;
        _pivot = new T[features];
        _meanOffset = new T[features];
        _m2 = new T[features];
        _mean = new T[features];
        _batchPivot = new T[features];
        _batchOffset = new T[features];
        _batchM2 = new T[features];
    }

    /// <summary>
    /// Creates statistics from a count, per-feature means and M2 computed elsewhere, for example read back from
    /// another machine's <see cref="Count"/>, <see cref="Mean"/> and <see cref="M2"/>. The number of features is
    /// the length of <paramref name="mean"/>.
    /// </summary>
    /// <param name="count">Samples behind the statistics; 0 gives empty statistics (then mean and M2 are ignored).</param>
    /// <param name="mean">Mean per feature.</param>
    /// <param name="m2">Sum of squared deviations from the mean per feature: the biased variance times <paramref name="count"/>.</param>
    /// <exception cref="ArgumentException">The spans are empty or differ in length, <paramref name="count"/> is negative, or an M2 is negative.</exception>
    public FeatureMoments(long count, ReadOnlySpan<T> mean, ReadOnlySpan<T> m2)
        : this(count, mean, ReadOnlySpan<T>.Empty, m2)
    {
    }

    /// <summary>
    /// Creates statistics from their exact representation, <see cref="Count"/>, <see cref="Pivot"/>,
    /// <see cref="MeanOffset"/> and <see cref="M2"/> of another instance, so no digit of the mean is lost in transit.
    /// </summary>
    /// <param name="count">Samples behind the statistics; 0 gives empty statistics (then the spans' values are ignored).</param>
    /// <param name="pivot">Pivot per feature.</param>
    /// <param name="meanOffset">Mean minus pivot per feature; empty means all zero (the pivot is the mean).</param>
    /// <param name="m2">Sum of squared deviations from the mean per feature.</param>
    /// <exception cref="ArgumentException">The spans are empty or differ in length, <paramref name="count"/> is negative, or an M2 is negative.</exception>
    public FeatureMoments(long count, ReadOnlySpan<T> pivot, ReadOnlySpan<T> meanOffset, ReadOnlySpan<T> m2)
        : this(FeaturesOf(count, pivot, meanOffset, m2))
    {
        if (count == 0)
        {
            return;
        }

        for (int f = 0; f < m2.Length; f++)
        {
            if (m2[f] < T.Zero)
            {
                throw new ArgumentException($"FeatureMoments: M2 is a sum of squares and cannot be negative; got m2[{f}] = {m2[f]}.", nameof(m2));
            }
        }

        Count = count;
        pivot.CopyTo(_pivot);
        meanOffset.CopyTo(_meanOffset);
        m2.CopyTo(_m2);
        _meanCurrent = false;
    }

    /// <summary>Number of features (channels): the length of <see cref="Mean"/>, <see cref="M2"/> and every per-feature span.</summary>
    public int Features { get; }

    /// <summary>Samples added so far (rows times spatial positions: each sample contributes one value to every feature).</summary>
    public long Count { get; private set; }

    /// <summary>Mean per feature (0 while <see cref="Count"/> is 0): <see cref="Pivot"/> + <see cref="MeanOffset"/>, rounded to <typeparamref name="T"/>.</summary>
    public ReadOnlySpan<T> Mean
    {
        get
        {
            if (!_meanCurrent)
            {
                for (int f = 0; f < Features; f++)
                {
                    _mean[f] = _pivot[f] + _meanOffset[f];
                }

                _meanCurrent = true;
            }

            return _mean;
        }
    }

    /// <summary>Per feature, the sum of squared deviations from the mean: Count times the biased variance.</summary>
    public ReadOnlySpan<T> M2 => _m2;

    /// <summary>
    /// Per feature, the value the mean is kept relative to (the first added sample's value). Together with
    /// <see cref="MeanOffset"/> it is the exact mean; see the remarks on <see cref="FeatureMoments{T}"/>.
    /// </summary>
    public ReadOnlySpan<T> Pivot => _pivot;

    /// <summary>Per feature, the mean minus <see cref="Pivot"/>.</summary>
    public ReadOnlySpan<T> MeanOffset => _meanOffset;

    /// <summary>
    /// Adds a batch of samples. <paramref name="x"/> is row-major with shape (batch, Features, spatial), the layout of
    /// a batch-norm layer's input with <c>Spatial = spatial</c>: every feature gets batch * spatial values.
    /// An empty <paramref name="x"/> adds nothing; a batch of one sample is fine.
    /// </summary>
    /// <param name="x">The samples.</param>
    /// <param name="spatial">Values per feature per sample (height * width for images); at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="spatial"/> is less than 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not a multiple of Features * spatial elements; nothing changes.</exception>
    public void Add(ReadOnlySpan<T> x, int spatial = 1)
    {
        if (spatial < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(spatial), spatial, $"FeatureMoments.Add: spatial must be at least 1; got {spatial}.");
        }

        long sampleLength = (long)Features * spatial;
        if (x.Length % sampleLength != 0)
        {
            throw new ArgumentException(
                $"FeatureMoments.Add: x must have shape (batch, {Features}{(spatial > 1 ? $", {spatial}" : "")}), a multiple of {sampleLength} elements; got x.Length = {x.Length}.",
                nameof(x));
        }

        int rows = (int)(x.Length / sampleLength);
        if (rows == 0)
        {
            return;
        }

        BatchMoments(x, rows, spatial);
        MergeScratch((long)rows * spatial);
    }

    /// <summary>
    /// Merges <paramref name="other"/> into this instance: afterwards it describes the samples of both, as if they
    /// had been added to one instance. <paramref name="other"/> is not changed (it may be this instance: every
    /// sample then counts twice).
    /// </summary>
    /// <param name="other">Statistics of the same features.</param>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="other"/> has a different number of features; nothing changes.</exception>
    public void Merge(FeatureMoments<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Features != Features)
        {
            throw new ArgumentException(
                $"FeatureMoments.Merge: expected statistics of {Features} features; got {other.Features}.", nameof(other));
        }

        if (other.Count == 0)
        {
            return;
        }

        other._pivot.CopyTo(_batchPivot, 0);
        other._meanOffset.CopyTo(_batchOffset, 0);
        other._m2.CopyTo(_batchM2, 0);
        MergeScratch(other.Count);
    }

    /// <summary>
    /// Writes the variance per feature: <c>M2 / (Count - 1)</c> when <paramref name="unbiased"/> (what PyTorch keeps
    /// in running_var), else <c>M2 / Count</c> (what Keras keeps in moving_variance).
    /// </summary>
    /// <param name="destination">Receives one variance per feature.</param>
    /// <param name="unbiased">True for Bessel's correction, N/(N-1).</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold <see cref="Features"/> values.</exception>
    /// <exception cref="InvalidOperationException">Count is below 2 (unbiased) or below 1 (biased).</exception>
    public void GetVariance(Span<T> destination, bool unbiased)
    {
        if (destination.Length != Features)
        {
            throw new ArgumentException(
                $"FeatureMoments.GetVariance: destination must hold one value per feature, {Features}; got destination.Length = {destination.Length}.",
                nameof(destination));
        }

        ThrowIfTooFew("GetVariance", unbiased);
        WriteVariance(destination, unbiased);
    }

    /// <summary>
    /// Makes these statistics the layer's running statistics: RunningMean = <see cref="Mean"/>, RunningVariance =
    /// the variance (see <see cref="GetVariance"/>). Gamma, Beta, the gradients, any collection in progress and
    /// <see cref="IBatchNormLayer{T}.BatchesTracked"/> are left alone (the interface has no setter for it, and the
    /// count of batches is not known here; a Cumulative layer that keeps training afterwards weighs these statistics
    /// as that many batches).
    /// </summary>
    /// <param name="layer">A batch-norm layer with <see cref="Features"/> features that keeps running statistics.</param>
    /// <param name="unbiased">
    /// True to write the unbiased variance, as the generated layers do by default (<c>UnbiasedRunningVariance = true</c>,
    /// PyTorch's convention); false for the biased one (<c>UnbiasedRunningVariance = false</c>, Keras's convention).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentException">The layer has a different number of features; nothing changes.</exception>
    /// <exception cref="InvalidOperationException">The layer keeps no running statistics (RunningStats = None), or Count is too small; nothing changes.</exception>
    public void WriteTo(IBatchNormLayer<T> layer, bool unbiased)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.FeatureCount != Features)
        {
            throw new ArgumentException(
                $"FeatureMoments.WriteTo: {layer.Name} has {layer.FeatureCount} features; these statistics have {Features}.", nameof(layer));
        }

        if (layer.RunningMean.Length != Features || layer.RunningVariance.Length != Features)
        {
            throw new InvalidOperationException(
                $"FeatureMoments.WriteTo: {layer.Name} keeps no running statistics (RunningMean.Length = {layer.RunningMean.Length}, RunningVariance.Length = {layer.RunningVariance.Length}; expected {Features}); declare it with a RunningStats mode other than None.");
        }

        ThrowIfTooFew("WriteTo", unbiased);
        Mean.CopyTo(layer.RunningMean);
        WriteVariance(layer.RunningVariance, unbiased);
    }

    /// <summary>Removes every sample: Count, Mean, M2, Pivot and MeanOffset become 0.</summary>
    public void Clear()
    {
        Count = 0;
        Array.Clear(_pivot);
        Array.Clear(_meanOffset);
        Array.Clear(_m2);
        _meanCurrent = false;
    }

    private static int FeaturesOf(long count, ReadOnlySpan<T> pivot, ReadOnlySpan<T> meanOffset, ReadOnlySpan<T> m2)
    {
        if (pivot.IsEmpty || m2.Length != pivot.Length || (!meanOffset.IsEmpty && meanOffset.Length != pivot.Length))
        {
            throw new ArgumentException(
                $"FeatureMoments: mean (or pivot), mean offset and M2 need one value per feature, at least 1; got lengths {pivot.Length}, {meanOffset.Length}, {m2.Length}.");
        }

        if (count < 0)
        {
            throw new ArgumentException($"FeatureMoments: count cannot be negative; got {count}.", nameof(count));
        }

        return pivot.Length;
    }

    private void ThrowIfTooFew(string method, bool unbiased)
    {
        long minimum = unbiased ? 2 : 1;
        if (Count < minimum)
        {
            throw new InvalidOperationException(
                $"FeatureMoments.{method}: the {(unbiased ? "unbiased" : "biased")} variance needs at least {minimum} samples; got Count = {Count}.");
        }
    }

    private void WriteVariance(Span<T> destination, bool unbiased)
    {
        T factor = T.One / T.CreateTruncating(unbiased ? Count - 1 : Count);
        for (int f = 0; f < Features; f++)
        {
            destination[f] = _m2[f] * factor;
        }
    }

    /// <summary>Merges the scratch statistics (pivot, offset, M2 of <paramref name="count"/> samples) into this instance.</summary>
    private void MergeScratch(long count)
    {
        if (Count == 0)
        {
            _batchPivot.CopyTo(_pivot, 0);
            _batchOffset.CopyTo(_meanOffset, 0);
            _batchM2.CopyTo(_m2, 0);
        }
        else
        {
            // Re-express the incoming mean relative to our pivot; pivots of similar data are close, so the
            // difference is exact or nearly so and the offsets keep their low digits.
            for (int f = 0; f < Features; f++)
            {
                _batchOffset[f] = (_batchPivot[f] - _pivot[f]) + _batchOffset[f];
            }

            MergeInto(Count, count);
        }

        Count += count;
        _meanCurrent = false;
    }

    /// <summary>Chan-Golub-LeVeque: merges the scratch moments of <paramref name="countB"/> samples into ours.</summary>
    private void MergeInto(long countA, long countB)
    {
        double total = (double)countA + countB;
        T weightB = T.CreateTruncating(countB / total);
        T cross = T.CreateTruncating(countA / total * countB);
        for (int f = 0; f < Features; f++)
        {
            T delta = _batchOffset[f] - _meanOffset[f];
            _meanOffset[f] += delta * weightB;
            _m2[f] += _batchM2[f] + delta * delta * cross;
        }
    }

    /// <summary>Two-pass statistics of one batch about its first sample, into the scratch arrays.</summary>
    private void BatchMoments(ReadOnlySpan<T> x, int rows, int spatial)
    {
        ref T start = ref MemoryMarshal.GetReference(x);
        T inverseCount = T.One / T.CreateTruncating((long)rows * spatial);
        Array.Clear(_batchOffset);
        Array.Clear(_batchM2);
        if (spatial == 1)
        {
            x.Slice(0, Features).CopyTo(_batchPivot);
            for (int r = 0; r < rows; r++)
            {
                AddDifferences(ref Unsafe.Add(ref start, (nint)r * Features), _batchPivot, _batchOffset);
            }

            Scale(_batchOffset, inverseCount);
            for (int r = 0; r < rows; r++)
            {
                AddSquaredDeviations(ref Unsafe.Add(ref start, (nint)r * Features), _batchPivot, _batchOffset, _batchM2);
            }

            return;
        }

        // (batch, Features, spatial): each feature's values in a sample are one contiguous run of length spatial.
        for (int f = 0; f < Features; f++)
        {
            _batchPivot[f] = Unsafe.Add(ref start, (nint)f * spatial);
        }

        for (int r = 0; r < rows; r++)
        {
            for (int f = 0; f < Features; f++)
            {
                ref T run = ref Unsafe.Add(ref start, ((nint)r * Features + f) * spatial);
                _batchOffset[f] += SegmentKernels.SumOfDifferences(ref run, spatial, _batchPivot[f]);
            }
        }

        Scale(_batchOffset, inverseCount);
        for (int r = 0; r < rows; r++)
        {
            for (int f = 0; f < Features; f++)
            {
                ref T run = ref Unsafe.Add(ref start, ((nint)r * Features + f) * spatial);
                _batchM2[f] += SegmentKernels.SumOfSquaredDeviations(ref run, spatial, _batchPivot[f], _batchOffset[f]);
            }
        }
    }

    /// <summary><c>sums[f] += row[f] - pivot[f]</c> across one row of Features values.</summary>
    private static void AddDifferences(ref T row, T[] pivot, T[] sums)
    {
        ref T p = ref MemoryMarshal.GetArrayDataReference(pivot);
        ref T s = ref MemoryMarshal.GetArrayDataReference(sums);
        int f = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; f <= pivot.Length - Vector<T>.Count; f += Vector<T>.Count)
            {
                var sum = Vector.LoadUnsafe(ref s, (nuint)f) + (Vector.LoadUnsafe(ref row, (nuint)f) - Vector.LoadUnsafe(ref p, (nuint)f));
                sum.StoreUnsafe(ref s, (nuint)f);
            }
        }

        for (; f < pivot.Length; f++)
        {
            Unsafe.Add(ref s, f) += Unsafe.Add(ref row, f) - Unsafe.Add(ref p, f);
        }
    }

    /// <summary><c>squares[f] += (row[f] - pivot[f] - offset[f])^2</c> across one row of Features values.</summary>
    private static void AddSquaredDeviations(ref T row, T[] pivot, T[] offset, T[] squares)
    {
        ref T p = ref MemoryMarshal.GetArrayDataReference(pivot);
        ref T o = ref MemoryMarshal.GetArrayDataReference(offset);
        ref T s = ref MemoryMarshal.GetArrayDataReference(squares);
        int f = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; f <= pivot.Length - Vector<T>.Count; f += Vector<T>.Count)
            {
                var deviation = Vector.LoadUnsafe(ref row, (nuint)f) - Vector.LoadUnsafe(ref p, (nuint)f) - Vector.LoadUnsafe(ref o, (nuint)f);
                (Vector.LoadUnsafe(ref s, (nuint)f) + deviation * deviation).StoreUnsafe(ref s, (nuint)f);
            }
        }

        for (; f < pivot.Length; f++)
        {
            T deviation = Unsafe.Add(ref row, f) - Unsafe.Add(ref p, f) - Unsafe.Add(ref o, f);
            Unsafe.Add(ref s, f) += deviation * deviation;
        }
    }

    private static void Scale(T[] values, T factor)
    {
        for (int f = 0; f < values.Length; f++)
        {
            values[f] *= factor;
        }
    }
}
