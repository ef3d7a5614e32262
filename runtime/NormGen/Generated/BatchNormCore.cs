using System;
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

    // The training calls' scratch, and a pool of scratch for inference calls, which may run on several threads at once.
    private readonly Scratch _scratch;
    private readonly ScratchPool<Scratch> _inferenceScratch;

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
        _scratch = new Scratch(features, statistics: true);
        _inferenceScratch = new ScratchPool<Scratch>(() => new Scratch(features, statistics: !keepsRunning));
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
            Scratch s = _scratch;
            FeatureMath.TrainingScaleShift<T>(Gamma, Beta, _inverseStd, _centeredMean, s.Scale, s.Shift);

            // Per-chunk sums of dy and dy * (x - pivot), added up in double.
            Array.Clear(s.Mean);
            Array.Clear(s.M2);
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

        Scratch s = _scratch;
        ComputeBatchStatistics(x, batch, s);

        // Every check has passed: from here the call changes state.
        if (IsCollecting)
        {
            CollectBatch(batch, s);
        }
        else if (KeepsRunningStatistics)
        {
            UpdateRunningStatistics(batch, s);
        }

        s.Pivot.CopyTo(_pivot, 0);
        FeatureMath.FinishStatistics<T>(s.Mean, s.M2, (double)batch * SpatialLength, Epsilon, _centeredMean, _inverseStd);
        FeatureMath.TrainingScaleShift<T>(Gamma, Beta, _inverseStd, _centeredMean, s.Scale, s.Shift);
        Normalize(x, y, _pivot, s.Scale, s.Shift);
        _forwardBatch = batch;
    }

    /// <summary>Inference: nothing of the layer's changes but the Backward link, so concurrent calls are safe.</summary>
    private void InferenceForward(ReadOnlySpan<T> x, Span<T> y, int batch)
    {
        Scratch s = _inferenceScratch.Rent();
        try
        {
            if (KeepsRunningStatistics)
            {
                FeatureMath.InferenceScaleShift<T>(Gamma, Beta, RunningVariance, _epsilon, s.Scale, s.Shift);
                Normalize(x, y, RunningMean, s.Scale, s.Shift);
            }
            else
            {
                // RunningStats = None normalizes with the batch's own statistics at inference too.
                ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch, SpatialLength, keepsRunningStatistics: false);
                ComputeBatchStatistics(x, batch, s);
                FeatureMath.FinishStatistics<T>(s.Mean, s.M2, (double)batch * SpatialLength, Epsilon, s.ChunkA, s.ChunkB);
                FeatureMath.TrainingScaleShift<T>(Gamma, Beta, s.ChunkB, s.ChunkA, s.Scale, s.Shift);
                Normalize(x, y, s.Pivot, s.Scale, s.Shift);
            }
        }
        finally
        {
            _inferenceScratch.Return(s);
        }

        // Backward after an inference Forward would use another x's statistics: refuse it. The same value from every
        // thread, so concurrent inference calls agree.
        _forwardBatch = 0;
    }

    /// <summary>
    /// The batch's pivot (its first sample) and, relative to it, the mean and M2 of every feature, in double, into
    /// <paramref name="s"/>; throws before anything changes when a feature's statistics are not finite.
    /// </summary>
    private void ComputeBatchStatistics(ReadOnlySpan<T> x, int batch, Scratch s)
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

        ThrowIfNotFinite(s);
    }

    /// <summary>
    /// A NaN or an infinity anywhere in a feature's values makes its mean or M2 non-finite: reject the batch before it
    /// reaches the running statistics, which it would poison for good. Costs one pass over Features values.
    /// </summary>
    private void ThrowIfNotFinite(Scratch s)
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
    /// The per-feature arrays of one statistics pass or one Backward: the pivot, two arrays for a chunk's moments or
    /// sums (then the dx coefficients), the batch's statistics or sums in double, and the scale and shift. Inference with
    /// running statistics needs only the scale and the shift (statistics false: the rest is empty).
    /// </summary>
    private sealed class Scratch
    {
        public Scratch(int features, bool statistics)
        {
            int length = statistics ? features : 0;
            Pivot = new T[length];
            ChunkA = new T[length];
            ChunkB = new T[length];
            Scale = new T[features];
            Shift = new T[features];
            Mean = new double[length];
            M2 = new double[length];
        }

        public T[] Pivot { get; }

        public T[] ChunkA { get; }

        public T[] ChunkB { get; }

        public T[] Scale { get; }

        public T[] Shift { get; }

        public double[] Mean { get; }

        public double[] M2 { get; }
    }
}
