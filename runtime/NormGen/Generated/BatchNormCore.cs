using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics;

namespace NormGen.Generated;

/// <summary>
/// A batch-norm layer over row-major (batch, Features, Spatial) input, minus its kernels: the state, the running
/// statistics, exact collection, folding, and the order of the steps of Forward and Backward. The generated
/// <c>file</c>-local class that derives from it supplies the four O(batch * Features * Spatial) kernels, specialized for
/// the layer's shape; everything here is O(Features) per call or per chunk of rows.
/// </summary>
/// <remarks>
/// <para>Infrastructure for generated code, not for direct use: it may change in any release.</para>
/// <para>
/// Statistics are kept relative to a pivot, the batch's first sample: mean = pivot + mean offset, so values with a large
/// mean and a small spread do not cancel. The kernels reduce fixed chunks of rows in the element type (two passes over a
/// chunk that stays in cache); the chunks are merged in double, in order (Chan-Golub-LeVeque), and the result is checked
/// to be finite before anything changes.
/// </para>
/// <para>
/// Memory per feature, for a float layer (double: twice): Gamma, Beta, their gradients and the running statistics
/// (24 bytes), what Backward keeps (pivot, mean, 1/std: 12 bytes), the training calls' scratch (5 floats and 2 doubles:
/// 36 bytes), so 72 bytes, about 1.2 GB at the largest shape of 2^24 features. Collection adds 20 bytes from its first
/// BeginCollect; inference adds a scale and a shift (8 bytes) per thread that runs it at once, from its first call.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract partial class BatchNormCore<T> : LayerCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _epsilon;

    // Samples per statistics chunk: the chunks the kernels reduce and the statistics merge, in order.
    private readonly int _rowsPerChunk;

    // What Backward needs from the last training Forward (never a copy of the batch): per feature, the pivot, the batch
    // mean relative to it, and 1/std. Written only once a training Forward has passed every check.
    private readonly T[] _pivot;
    private readonly T[] _centeredMean;
    private readonly T[] _inverseStd;
    private int _forwardBatch;

    // The training calls' scratch (see Scratch); inference calls, which may run on several threads at once, rent theirs.
    private readonly T[] _scratchValues;
    private readonly double[] _scratchDoubles;

    /// <summary>Creates the layer: Gamma = 1, Beta = 0, RunningMean = 0, RunningVariance = 1, Training = true.</summary>
    /// <param name="name">The layer's type name, for messages.</param>
    /// <param name="features">Features (channels) per sample.</param>
    /// <param name="spatial">Positions per feature (H*W); 1 for (batch, Features) input.</param>
    /// <param name="rowsPerChunk">Samples per statistics chunk, chosen by the generator so a chunk stays in cache.</param>
    /// <param name="momentum">Weight of the old running value (Exponential mode).</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="unbiasedRunningVariance">Whether running variances get the N/(N-1) factor.</param>
    /// <param name="runningStats">How running statistics are kept.</param>
    /// <param name="affine">Whether the layer has Gamma and Beta.</param>
    /// <param name="activation">The activation fused after the normalization.</param>
    protected BatchNormCore(
        string name,
        int features,
        int spatial,
        int rowsPerChunk,
        double momentum,
        double epsilon,
        bool unbiasedRunningVariance,
        RunningStatsMode runningStats,
        bool affine,
        Activation activation)
        : base(name, ShapeText(features, spatial), features * spatial, features, affine, hasShift: true)
    {
        FeatureCount = features;
        SpatialLength = spatial;
        Momentum = momentum;
        Epsilon = epsilon;
        UnbiasedRunningVariance = unbiasedRunningVariance;
        RunningStats = runningStats;
        Activation = activation;
        _rowsPerChunk = Math.Max(1, rowsPerChunk);
        _epsilon = T.CreateTruncating(epsilon);

        bool keepsRunning = runningStats != RunningStatsMode.None;
        RunningMean = keepsRunning ? new T[features] : [];
        RunningVariance = keepsRunning ? Filled(features, T.One) : [];
        _pivot = new T[features];
        _centeredMean = new T[features];
        _inverseStd = new T[features];
        _scratchValues = new T[Scratch.ValuesPerFeature * features];
        _scratchDoubles = new double[Scratch.DoublesPerFeature * features];
    }

    /// <summary>Features (channels) per sample.</summary>
    public int FeatureCount { get; }

    /// <summary>Positions per feature; 1 for (batch, Features) input.</summary>
    public int SpatialLength { get; }

    /// <summary>Weight of the old running value: running = Momentum * running + (1 - Momentum) * batch.</summary>
    public double Momentum { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <summary>Whether the running variance takes the batch variance times N/(N-1).</summary>
    public bool UnbiasedRunningVariance { get; }

    /// <summary>How the running statistics are kept.</summary>
    public RunningStatsMode RunningStats { get; }

    /// <summary>The activation fused after the normalization.</summary>
    public Activation Activation { get; }

    /// <summary>Running mean per feature, used at inference; empty when RunningStats = None.</summary>
    public T[] RunningMean { get; }

    /// <summary>Running variance per feature, used at inference; empty when RunningStats = None.</summary>
    public T[] RunningVariance { get; }

    private bool KeepsRunningStatistics => RunningStats != RunningStatsMode.None;

    private static string ShapeText(int features, int spatial) =>
        spatial == 1 ? $"(batch, {features})" : $"(batch, {features}, {spatial})";

    /// <summary>
    /// Training: batch statistics (running statistics updated, or the batch collected), kept for Backward. Inference:
    /// running statistics, or batch statistics when RunningStats = None; no state changes, so inference may run on
    /// several threads at once. y may be x itself.
    /// </summary>
    public sealed override void Forward(ReadOnlySpan<T> x, Span<T> y)
    {
        int batch = CheckForward(x, y);
        if (!Training)
        {
            InferenceForward(x, y, batch);
            return;
        }

        EnterTrainingCall("training Forward");
        try
        {
            TrainingForward(x, y, batch);
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    /// <summary>
    /// Back-propagates dy through the last training Forward on the same x: dx, GammaGrad and BetaGrad by the closed form
    /// dx = Gamma * invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat)). dx may be dy itself.
    /// </summary>
    public sealed override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx)
    {
        EnterTrainingCall("Backward");
        try
        {
            int batch = CheckBackward(x, dy, dx, _forwardBatch);
            var s = new Scratch(_scratchValues, _scratchDoubles, FeatureCount);
            FeatureMath.TrainingScaleShift<T>(Gamma, Beta, _inverseStd, _centeredMean, s.Scale, s.Shift);

            // Per-chunk sums of dy and dy * (x - pivot), added up in double.
            s.Mean.Clear();
            s.M2.Clear();
            for (int start = 0; start < batch; start += _rowsPerChunk)
            {
                int rows = Math.Min(_rowsPerChunk, batch - start);
                BackwardSums(Rows(x, start, rows), Rows(dy, start, rows), _pivot, s.Scale, s.Shift, s.ChunkA, s.ChunkB);
                Moments.Add<T>(s.Mean, s.ChunkA);
                Moments.Add<T>(s.M2, s.ChunkB);
            }

            // The dy coefficient is Forward's scale, Gamma * invstd.
            FeatureMath.BackwardCoefficients<T>(
                s.Mean, s.M2, (double)batch * SpatialLength, _inverseStd, _centeredMean, s.Scale, GammaGrad, BetaGrad, s.ChunkA, s.ChunkB);
            BackwardInput(x, dy, dx, _pivot, s.Scale, s.Shift, s.Scale, s.ChunkA, s.ChunkB);
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    private void TrainingForward(ReadOnlySpan<T> x, Span<T> y, int batch)
    {
        // Collection allows batches of one sample: only the merged statistics need two values.
        if (!IsCollecting)
        {
            ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch, SpatialLength, KeepsRunningStatistics);
        }

        var s = new Scratch(_scratchValues, _scratchDoubles, FeatureCount);
        ComputeBatchStatistics(x, batch, in s);
        ThrowIfNotFinite(in s);

        // Every check has passed: from here the call changes state.
        if (IsCollecting)
        {
            CollectBatch(batch, in s);
        }
        else if (KeepsRunningStatistics)
        {
            UpdateRunningStatistics(batch, in s);
        }

        s.Pivot.CopyTo(_pivot);
        FeatureMath.FinishStatistics<T>(s.Mean, s.M2, (double)batch * SpatialLength, Epsilon, _centeredMean, _inverseStd);
        FeatureMath.TrainingScaleShift<T>(Gamma, Beta, _inverseStd, _centeredMean, s.Scale, s.Shift);
        Normalize(x, y, _pivot, s.Scale, s.Shift);
        _forwardBatch = batch;
    }

    /// <summary>
    /// Inference: nothing of the layer's changes but the Backward link, so concurrent calls are safe. Its scratch comes
    /// from the shared array pool, which keeps arrays per thread and per core: no allocation in steady state.
    /// </summary>
    private void InferenceForward(ReadOnlySpan<T> x, Span<T> y, int batch)
    {
        int features = FeatureCount;
        if (KeepsRunningStatistics)
        {
            T[] scaleShift = ArrayPool<T>.Shared.Rent(2 * features);
            try
            {
                Span<T> scale = scaleShift.AsSpan(0, features);
                Span<T> shift = scaleShift.AsSpan(features, features);
                FeatureMath.InferenceScaleShift<T>(Gamma, Beta, RunningVariance, _epsilon, scale, shift);
                Normalize(x, y, RunningMean, scale, shift);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scaleShift);
            }
        }
        else
        {
            // RunningStats = None normalizes with the batch's own statistics at inference too.
            ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch, SpatialLength, keepsRunningStatistics: false);
            T[] values = ArrayPool<T>.Shared.Rent(Scratch.ValuesPerFeature * features);
            double[] doubles = ArrayPool<double>.Shared.Rent(Scratch.DoublesPerFeature * features);
            try
            {
                var s = new Scratch(values, doubles, features);
                ComputeBatchStatistics(x, batch, in s);
                FeatureMath.FinishStatistics<T>(s.Mean, s.M2, (double)batch * SpatialLength, Epsilon, s.ChunkA, s.ChunkB);
                FeatureMath.TrainingScaleShift<T>(Gamma, Beta, s.ChunkB, s.ChunkA, s.Scale, s.Shift);
                Normalize(x, y, s.Pivot, s.Scale, s.Shift);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(values);
                ArrayPool<double>.Shared.Return(doubles);
            }
        }

        // Backward after an inference Forward would use another x's statistics: refuse it. The same value from every
        // thread, so concurrent inference calls agree.
        _forwardBatch = 0;
    }

    /// <summary>
    /// The batch's pivot (its first sample) and, relative to it, the mean and M2 of every feature, in double, into
    /// <paramref name="s"/>.
    /// </summary>
    private void ComputeBatchStatistics(ReadOnlySpan<T> x, int batch, in Scratch s)
    {
        // The pivot is the first sample: its value of every feature (at the first position of each channel's run).
        for (int f = 0; f < FeatureCount; f++)
        {
            s.Pivot[f] = x[f * SpatialLength];
        }

        for (int start = 0; start < batch; start += _rowsPerChunk)
        {
            int rows = Math.Min(_rowsPerChunk, batch - start);
            ChunkMoments(Rows(x, start, rows), s.Pivot, s.ChunkA, s.ChunkB);
            if (start == 0)
            {
                Moments.Start<T>(s.Mean, s.M2, s.ChunkA, s.ChunkB);
            }
            else
            {
                Moments.Merge<T>(s.Mean, s.M2, (long)start * SpatialLength, s.ChunkA, s.ChunkB, (long)rows * SpatialLength);
            }
        }
    }

    /// <summary>
    /// A NaN or an infinity anywhere in a feature's values makes its mean or M2 non-finite: reject a training batch before
    /// it reaches the running statistics, which it would poison for good. Costs one pass over Features values. Inference
    /// is not checked: it propagates NaN, as every framework does.
    /// </summary>
    private void ThrowIfNotFinite(in Scratch s)
    {
        for (int f = 0; f < FeatureCount; f++)
        {
            if (!double.IsFinite(s.Mean[f]) || !double.IsFinite(s.M2[f]))
            {
                throw new ArgumentException(
                    $"{Name}: the training batch's statistics are not finite for feature {f} (mean {double.CreateTruncating(s.Pivot[f]) + s.Mean[f]}, M2 {s.M2[f]}): x holds NaN or infinity there, or values whose squares overflow. Nothing was changed; check the layer's input.",
                    "x");
            }
        }
    }

    /// <summary>Rows [start, start + rows) of a (batch, SampleLength) span.</summary>
    private ReadOnlySpan<T> Rows(ReadOnlySpan<T> values, int start, int rows) => values.Slice(start * SampleLength, rows * SampleLength);

    /// <summary>
    /// Per feature, the mean of x - pivot over the samples of x (one chunk) into <paramref name="mean"/>, and the sum of
    /// squared deviations from that mean into <paramref name="m2"/>. Called once per chunk of the batch.
    /// </summary>
    protected abstract void ChunkMoments(ReadOnlySpan<T> x, ReadOnlySpan<T> pivot, Span<T> mean, Span<T> m2);

    /// <summary>
    /// <c>y = (x - center) * scale + shift</c> per feature, through the fused activation. y may be x itself.
    /// </summary>
    protected abstract void Normalize(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> center, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift);

    /// <summary>
    /// Per feature, <c>sum(dy')</c> into <paramref name="sumDy"/> and <c>sum(dy' * (x - pivot))</c> into
    /// <paramref name="sumDyCentered"/>, over the samples of x (one chunk), where dy' is dy, or under a fused ReLU dy where
    /// <c>(x - pivot) * scale + shift &gt; 0</c> and 0 elsewhere.
    /// </summary>
    protected abstract void BackwardSums(
        ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> pivot, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, Span<T> sumDy, Span<T> sumDyCentered);

    /// <summary>
    /// <c>dx = dyCoefficient * dy' + xCoefficient * (x - pivot) + bias</c> per feature, dy' masked as in
    /// <see cref="BackwardSums"/>. dx may be dy itself.
    /// </summary>
    protected abstract void BackwardInput(
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> dy,
        Span<T> dx,
        ReadOnlySpan<T> pivot,
        ReadOnlySpan<T> scale,
        ReadOnlySpan<T> shift,
        ReadOnlySpan<T> dyCoefficient,
        ReadOnlySpan<T> xCoefficient,
        ReadOnlySpan<T> bias);

    /// <summary>
    /// The per-feature spans of one statistics pass or one Backward, over one array of the element type and one of
    /// doubles: the pivot, two spans for a chunk's moments or sums (then the dx coefficients), the scale and shift, and
    /// the batch's statistics or sums in double.
    /// </summary>
    private readonly ref struct Scratch
    {
        public const int ValuesPerFeature = 5;

        public const int DoublesPerFeature = 2;

        public Scratch(Span<T> values, Span<double> doubles, int features)
        {
            Pivot = values.Slice(0, features);
            ChunkA = values.Slice(features, features);
            ChunkB = values.Slice(2 * features, features);
            Scale = values.Slice(3 * features, features);
            Shift = values.Slice(4 * features, features);
            Mean = doubles.Slice(0, features);
            M2 = doubles.Slice(features, features);
        }

        public Span<T> Pivot { get; }

        public Span<T> ChunkA { get; }

        public Span<T> ChunkB { get; }

        public Span<T> Scale { get; }

        public Span<T> Shift { get; }

        public Span<double> Mean { get; }

        public Span<double> M2 { get; }
    }
}
