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
/// Statistics are kept relative to a pivot, the batch's first sample: mean = pivot + centered mean, so values with a large
/// mean and a small spread do not cancel. Chunks of samples are reduced by a kernel (two passes
/// over a chunk that stays in cache) and merged with the Chan-Golub-LeVeque formula.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract partial class BatchNormCore<T> : LayerCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _epsilon;

    // Samples per statistics chunk: the chunks the kernels reduce and Forward merges, in order.
    private readonly int _rowsPerChunk;

    // Per-feature state of the last training Forward, kept for Backward (never a copy of the batch).
    private readonly T[] _pivot;
    private readonly T[] _centeredMean;
    private readonly T[] _inverseStd;
    private readonly T[] _scale;
    private readonly T[] _shift;
    private int _forwardBatch;

    // Scratch: the batch's M2 and one chunk's moments in Forward; the sums and dx coefficients in Backward.
    private readonly T[] _batchM2;
    private readonly T[] _chunkMean;
    private readonly T[] _chunkM2;
    private readonly T[] _xCoefficient;
    private readonly T[] _bias;

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
        _scale = new T[features];
        _shift = new T[features];
        _batchM2 = new T[features];
        _chunkMean = new T[features];
        _chunkM2 = new T[features];
        _xCoefficient = new T[features];
        _bias = new T[features];
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
    /// Training: batch statistics (running statistics updated, or the batch collected). Inference: running statistics,
    /// or batch statistics when RunningStats = None. y may be x itself.
    /// </summary>
    public sealed override void Forward(ReadOnlySpan<T> x, Span<T> y)
    {
        int batch = CheckForward(x, y);
        if (!Training && KeepsRunningStatistics)
        {
            FeatureMath.InferenceScaleShift<T>(Gamma, Beta, RunningVariance, _epsilon, _scale, _shift);
            Normalize(x, y, RunningMean, _scale, _shift);
            _forwardBatch = 0;
            return;
        }

        // Collection allows batches of one sample: only the merged statistics need two values.
        if (!IsCollecting)
        {
            ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch, SpatialLength, KeepsRunningStatistics);
        }

        ComputeBatchStatistics(x, batch);
        if (IsCollecting)
        {
            CollectBatch(batch);
        }
        else if (KeepsRunningStatistics)
        {
            UpdateRunningStatistics(batch);
        }

        FeatureMath.TrainingScaleShift<T>(Gamma, Beta, _inverseStd, _centeredMean, _scale, _shift);
        Normalize(x, y, _pivot, _scale, _shift);
        _forwardBatch = batch;
    }

    /// <summary>
    /// Back-propagates dy through the last training Forward on the same x: dx, GammaGrad and BetaGrad by the closed form
    /// dx = Gamma * invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat)). dx may be dy itself.
    /// </summary>
    public sealed override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx)
    {
        int batch = CheckBackward(x, dy, dx, _forwardBatch);

        // The sums reuse the chunk scratch; _scale is Gamma * invstd, the coefficient of dy.
        Span<T> sumDy = _chunkMean;
        Span<T> sumDyCentered = _chunkM2;
        BackwardSums(x, dy, _pivot, _scale, _shift, sumDy, sumDyCentered);
        FeatureMath.BackwardCoefficients<T>(
            sumDy, sumDyCentered, T.CreateTruncating((double)batch * SpatialLength), _inverseStd, _centeredMean, _scale,
            GammaGrad, BetaGrad, _xCoefficient, _bias);
        BackwardInput(x, dy, dx, _pivot, _scale, _shift, _scale, _xCoefficient, _bias);
    }

    /// <summary>Batch mean (as _pivot + _centeredMean), M2 (_batchM2) and inverse standard deviation (_inverseStd) per feature.</summary>
    private void ComputeBatchStatistics(ReadOnlySpan<T> x, int batch)
    {
        // The pivot is the first sample: its value of every feature (at the first position of each channel's run).
        for (int f = 0; f < FeatureCount; f++)
        {
            _pivot[f] = x[f * SpatialLength];
        }

        for (int start = 0; start < batch; start += _rowsPerChunk)
        {
            int rows = Math.Min(_rowsPerChunk, batch - start);
            ChunkMoments(x.Slice(start * SampleLength, rows * SampleLength), _pivot, _chunkMean, _chunkM2);
            if (start == 0)
            {
                _chunkMean.CopyTo(_centeredMean, 0);
                _chunkM2.CopyTo(_batchM2, 0);
            }
            else
            {
                double total = start + rows;
                Moments.MergeUnchecked<T>(
                    _centeredMean, _batchM2, _chunkMean, _chunkM2, T.CreateTruncating(rows / total), T.CreateTruncating(start / total * rows * SpatialLength));
            }
        }

        FeatureMath.InverseStd<T>(_batchM2, T.CreateTruncating(1.0 / ((double)batch * SpatialLength)), _epsilon, _inverseStd);
    }

    /// <summary>
    /// Per feature, the mean of x - pivot over the samples of x (one chunk) into
    /// <paramref name="mean"/>, and the sum of squared deviations from that mean into <paramref name="m2"/>.
    /// </summary>
    protected abstract void ChunkMoments(ReadOnlySpan<T> x, ReadOnlySpan<T> pivot, Span<T> mean, Span<T> m2);

    /// <summary>
    /// <c>y = (x - center) * scale + shift</c> per feature, through the fused activation. y may be x itself.
    /// </summary>
    protected abstract void Normalize(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> center, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift);

    /// <summary>
    /// Per feature, <c>sum(dy')</c> into <paramref name="sumDy"/> and <c>sum(dy' * (x - pivot))</c> into
    /// <paramref name="sumDyCentered"/>, where dy' is dy, or under a fused ReLU dy where
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
}
