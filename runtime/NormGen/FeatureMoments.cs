using System;
using System.Numerics;
using NormGen.Statistics;

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
/// <b>How it stays exact.</b> <see cref="Add"/> reduces cache-sized chunks of a batch (64 rows or more, or a
/// few samples' spatial runs) in <typeparamref name="T"/>, two passes about the chunk's first values, so nothing cancels
/// the way <c>E[x^2] - E[x]^2</c> does. Float sums run over at most 16 rows before they are widened to double, so
/// float rounding cannot pile up however large the batch (64-row float sums of quantized data were seen 1.6e-6 off).
/// Chunk statistics are merged with the Chan-Golub-LeVeque formula in double, and the totals (mean offset and M2) are
/// kept in double: a float batch of 2^26 rows, or a mean 1e6 times the spread, stays within a few 1e-7 of the exact
/// statistics of the same values. <see cref="Pivot"/>, <see cref="MeanOffset"/>, <see cref="M2"/> and
/// <see cref="Mean"/> are those totals rounded to <typeparamref name="T"/> when read; <see cref="GetVariance"/>
/// divides in double before rounding.
/// </para>
/// <para>
/// The mean is held as <see cref="Pivot"/> + <see cref="MeanOffset"/>, where the pivot is a data value (the first
/// added sample's): for float data whose mean is large next to its spread (say a mean of 1e4 and a standard deviation
/// of 1e-2), the offset keeps digits that a mean rounded to float would lose. To move statistics between machines
/// without that rounding, send Count, Pivot, MeanOffset and M2 and rebuild them with
/// <see cref="FeatureMoments(long, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T})"/>.
/// </para>
/// <para>
/// <b>Non-finite data and range.</b> Statistics are always finite numbers: <see cref="Add"/> rejects a batch holding
/// NaN or infinity (<see cref="ArgumentException"/> naming the first such feature and value, nothing changed), and
/// the constructors reject non-finite inputs. For float, the double totals hold every variance a float batch can
/// have: a feature whose squared deviations leave float's range (a chunk M2 above 3.4e38, or a variance below 2^-100)
/// is recomputed in double for that batch (slower, exact), and reading <see cref="M2"/> or the variance overflows to
/// infinity, or rounds to a subnormal or 0, only when the true value does. For double, squared deviations must stay
/// in double's range: an M2 beyond about 1.8e308 (deviations around 1e154 and larger) is rejected like non-finite
/// data, and variances below about 1e-290 lose precision gradually as their squares become subnormal.
/// </para>
/// <para>
/// Not thread-safe: give every thread its own instance and merge them at the end. An instance holds about 80 to 100
/// bytes per feature for float (the double totals, a double scratch batch, chunk scratch and float copies for reading).
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class FeatureMoments<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // The statistics, in double (see the remarks), and one batch's statistics before it is merged. Into empty
    // statistics a batch is not merged but swapped in.
    private MomentAccumulator _total;
    private MomentAccumulator _batch;
    private readonly BatchReducer<T> _reducer;

    // The totals rounded to T, refreshed when read after a change.
    private readonly T[] _pivot;
    private readonly T[] _meanOffset;
    private readonly T[] _m2;
    private readonly T[] _mean;
    private bool _readCurrent = true;

    /// <summary>Creates empty statistics (Count 0) for <paramref name="features"/> features.</summary>
    /// <param name="features">Number of features (channels); at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> is less than 1.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public FeatureMoments(int features)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            // No typeof(T).Name in the message: the runtime stays free of reflection (NoReflectionTests).
            throw new NotSupportedException("FeatureMoments: T must be float or double.");
        }

        if (features < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(features), features, $"FeatureMoments: features must be at least 1; got {features}.");
        }

        Features = features;
        _total = new MomentAccumulator(features);
        _batch = new MomentAccumulator(features);
        _reducer = new BatchReducer<T>(features);
        _pivot = new T[features];
        _meanOffset = new T[features];
        _m2 = new T[features];
        _mean = new T[features];
    }

    /// <summary>
    /// Creates statistics from a count, per-feature means and M2 computed elsewhere, for example read back from
    /// another machine's <see cref="Count"/>, <see cref="Mean"/> and <see cref="M2"/>. The number of features is
    /// the length of <paramref name="mean"/>.
    /// </summary>
    /// <param name="count">Samples behind the statistics; 0 gives empty statistics (then mean and M2 are ignored).</param>
    /// <param name="mean">Mean per feature.</param>
    /// <param name="m2">Sum of squared deviations from the mean per feature: the biased variance times <paramref name="count"/>.</param>
    /// <exception cref="ArgumentException">
    /// The spans are empty or differ in length, <paramref name="count"/> is negative, or (with a positive count) a mean
    /// or M2 is NaN or infinite, or an M2 is negative.
    /// </exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public FeatureMoments(long count, ReadOnlySpan<T> mean, ReadOnlySpan<T> m2)
        : this(count, mean, ReadOnlySpan<T>.Empty, m2, nameof(mean))
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
    /// <exception cref="ArgumentException">
    /// The spans are empty or differ in length, <paramref name="count"/> is negative, or (with a positive count) a
    /// value is NaN or infinite, or an M2 is negative.
    /// </exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public FeatureMoments(long count, ReadOnlySpan<T> pivot, ReadOnlySpan<T> meanOffset, ReadOnlySpan<T> m2)
        : this(count, pivot, meanOffset, m2, nameof(pivot))
    {
    }

    private FeatureMoments(long count, ReadOnlySpan<T> pivot, ReadOnlySpan<T> meanOffset, ReadOnlySpan<T> m2, string pivotName)
        : this(FeaturesOf(count, pivot, meanOffset, m2))
    {
        if (count == 0)
        {
            return;
        }

        ThrowIfNotFinite(pivot, pivotName);
        ThrowIfNotFinite(meanOffset, nameof(meanOffset));
        ThrowIfNotFinite(m2, nameof(m2));
        for (int f = 0; f < m2.Length; f++)
        {
            if (m2[f] < T.Zero)
            {
                throw new ArgumentException($"FeatureMoments: M2 is a sum of squares and cannot be negative; got m2[{f}] = {m2[f]}.", nameof(m2));
            }
        }

        _total.Set(count, pivot, meanOffset, m2);
        _readCurrent = false;
    }

    /// <summary>Number of features (channels): the length of <see cref="Mean"/>, <see cref="M2"/> and every per-feature span.</summary>
    public int Features { get; }

    /// <summary>Samples added so far (rows times spatial positions: each sample contributes one value to every feature).</summary>
    public long Count => _total.Count;

    /// <summary>
    /// Mean per feature (0 while <see cref="Count"/> is 0): <see cref="Pivot"/> + <see cref="MeanOffset"/>, summed in
    /// double from the totals and rounded once to <typeparamref name="T"/>.
    /// </summary>
    public ReadOnlySpan<T> Mean
    {
        get
        {
            RefreshRead();
            return _mean;
        }
    }

    /// <summary>
    /// Per feature, the sum of squared deviations from the mean (Count times the biased variance), kept in double and
    /// rounded to <typeparamref name="T"/>: for float, infinity when it exceeds float's range even if the variance does
    /// not (<see cref="GetVariance"/> divides in double first).
    /// </summary>
    public ReadOnlySpan<T> M2
    {
        get
        {
            RefreshRead();
            return _m2;
        }
    }

    /// <summary>
    /// Per feature, the value the mean is kept relative to (the first added sample's value, or the pivot the
    /// statistics were created or first merged from). Together with <see cref="MeanOffset"/> it is the exact mean;
    /// see the remarks on <see cref="FeatureMoments{T}"/>.
    /// </summary>
    public ReadOnlySpan<T> Pivot
    {
        get
        {
            RefreshRead();
            return _pivot;
        }
    }

    /// <summary>Per feature, the mean minus <see cref="Pivot"/>, kept in double and rounded to <typeparamref name="T"/>.</summary>
    public ReadOnlySpan<T> MeanOffset
    {
        get
        {
            RefreshRead();
            return _meanOffset;
        }
    }

    /// <summary>
    /// Adds a batch of samples. <paramref name="x"/> is row-major with shape (batch, Features, spatial), the layout of
    /// a batch-norm layer's input with <c>Spatial = spatial</c>: every feature gets batch * spatial values.
    /// An empty <paramref name="x"/> adds nothing; a batch of one sample is fine. Any batch size is exact (see the
    /// remarks); the work is one pass over memory, the second pass of each chunk hitting the cache.
    /// </summary>
    /// <param name="x">The samples.</param>
    /// <param name="spatial">Values per feature per sample (height * width for images); at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="spatial"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="x"/> is not a multiple of Features * spatial elements, or a feature's statistics are not finite
    /// (x holds NaN or infinity; for double, also an M2 beyond double's range): the message names the first such
    /// feature and value. Nothing changes.
    /// </exception>
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

        int bad = _reducer.Reduce(x, rows, spatial, _batch);
        if (bad >= 0)
        {
            throw NotFinite(x, rows, spatial, bad);
        }

        if (_total.Count == 0)
        {
            (_total, _batch) = (_batch, _total);
            _readCurrent = false;
            return;
        }

        // Only double data can push a merged M2 beyond double's range: float M2 per sample stays below 1e78.
        bad = typeof(T) == typeof(double) ? _total.FirstNonFiniteAfterMerge(_batch) : -1;
        if (bad >= 0)
        {
            throw new ArgumentException(
                $"FeatureMoments.Add: with this batch the M2 of feature {bad} would exceed double's range (about 1.8e308); nothing changed.", nameof(x));
        }

        _total.Merge(_batch);
        _readCurrent = false;
    }

    /// <summary>
    /// Merges <paramref name="other"/> into this instance: afterwards it describes the samples of both, as if they
    /// had been added to one instance. <paramref name="other"/> is not changed (it may be this instance: every
    /// sample then counts twice). The merge is done in double (see the remarks).
    /// </summary>
    /// <param name="other">Statistics of the same features.</param>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="other"/> has a different number of features, or the merged M2 of a feature would exceed
    /// double's range (only possible for double data); nothing changes.
    /// </exception>
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

        int bad = typeof(T) == typeof(double) ? _total.FirstNonFiniteAfterMerge(other._total) : -1;
        if (bad >= 0)
        {
            throw new ArgumentException(
                $"FeatureMoments.Merge: the merged M2 of feature {bad} would exceed double's range (about 1.8e308); nothing changed.", nameof(other));
        }

        _total.Merge(other._total);
        _readCurrent = false;
    }

    /// <summary>
    /// Writes the variance per feature: <c>M2 / (Count - 1)</c> when <paramref name="unbiased"/> (what PyTorch keeps
    /// in running_var), else <c>M2 / Count</c> (what Keras keeps in moving_variance). Divided in double and rounded
    /// once to <typeparamref name="T"/>: for float, infinity or 0 only when the true variance is beyond float's range.
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
    /// <see cref="IBatchNormLayer{T}.BatchesTracked"/> are left alone: these statistics count samples, not batches. A
    /// Cumulative layer that keeps training afterwards weighs its running statistics as BatchesTracked batches, so set
    /// it to what the statistics stand for.
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
        _total.Clear();
        _readCurrent = false;
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

    private static void ThrowIfNotFinite(ReadOnlySpan<T> values, string name)
    {
        for (int f = 0; f < values.Length; f++)
        {
            if (!T.IsFinite(values[f]))
            {
                throw new ArgumentException($"FeatureMoments: statistics must be finite numbers; got {name}[{f}] = {values[f]}.", name);
            }
        }
    }

    /// <summary>The rejection of a batch whose feature <paramref name="feature"/> has statistics that are not finite.</summary>
    private ArgumentException NotFinite(ReadOnlySpan<T> x, int rows, int spatial, int feature)
    {
        int index = WideMoments.FirstNonFiniteIndex(x, rows, Features, spatial, feature);
        if (index < 0)
        {
            return new ArgumentException(
                $"FeatureMoments.Add: the statistics of feature {feature} are not finite: its M2 exceeds double's range (about 1.8e308; deviations around 1e154 or larger); nothing changed.",
                nameof(x));
        }

        int sampleLength = Features * spatial;
        string position = spatial > 1 ? $", position {index % spatial}" : "";
        return new ArgumentException(
            $"FeatureMoments.Add: the statistics of feature {feature} are not finite: x[{index}] = {x[index]} (row {index / sampleLength}, feature {feature}{position}); x must hold finite values. Nothing changed.",
            nameof(x));
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
        double divisor = unbiased ? Count - 1 : Count;
        ReadOnlySpan<double> m2 = _total.M2;
        for (int f = 0; f < Features; f++)
        {
            destination[f] = T.CreateTruncating(m2[f] / divisor);
        }
    }

    /// <summary>Rounds the double totals to T for the read-only spans, once per change.</summary>
    private void RefreshRead()
    {
        if (_readCurrent)
        {
            return;
        }

        ReadOnlySpan<double> pivot = _total.Pivot, offset = _total.MeanOffset, m2 = _total.M2;
        for (int f = 0; f < Features; f++)
        {
            _pivot[f] = T.CreateTruncating(pivot[f]);
            _meanOffset[f] = T.CreateTruncating(offset[f]);
            _m2[f] = T.CreateTruncating(m2[f]);
            _mean[f] = T.CreateTruncating(pivot[f] + offset[f]);
        }

        _readCurrent = true;
    }
}
