using System;
using System.ComponentModel;
using System.Numerics;

namespace NormGen.Generated;

/// <summary>
/// A batch-norm layer over row-major (batch, Features, Spatial) input, minus its kernels: the state, the running
/// statistics, exact collection, batch renormalization, ghost batches, folding, and the order of the steps of Forward
/// and Backward. The generated <c>file</c>-local class that derives from it supplies the four O(batch * Features *
/// Spatial) kernels, specialized for the layer's shape; everything here is O(Features) per call, group or chunk of rows.
/// </summary>
/// <remarks>
/// <para>Infrastructure for generated code, not for direct use: it may change in any release.</para>
/// <para>
/// A training batch is normalized as one group of samples, or with VirtualBatchSize as consecutive groups of that many
/// (ghost batch norm). Each group's statistics are kept relative to a pivot, its first sample: mean = pivot + mean
/// offset, so values with a large mean and a small spread do not cancel. The kernels reduce fixed chunks of rows in the
/// element type (two passes over a chunk that stays in cache); the chunks are merged in double, in order
/// (Chan-Golub-LeVeque), and the result is checked to be finite before anything changes.
/// </para>
/// <para>
/// Memory per feature, for a float layer (double: twice): Gamma, Beta, their gradients and the running statistics
/// (24 bytes), what Backward keeps (pivot, mean, 1/std: 12 bytes; 8 more with Renorm), the training calls' scratch
/// per group (pivot, scale, shift, two dx coefficients, mean and M2 in double: 36 bytes, 52 for the first group) and
/// per block of about 64 Ki elements (two sums in double, two chunk values: 24 bytes); so about 112 bytes for a batch of
/// one block, 1.9 GB at the largest shape of 2^24 features. Ghost batches and larger batches multiply the per-group
/// and per-block parts. Collection adds 20 bytes from its first BeginCollect. Inference rents a scale and a shift from
/// the shared array pool per call.
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

    // What Backward needs from the last training Forward (never a copy of the batch): per group and feature, the pivot,
    // the mean relative to it, and 1/std; with Renorm, r and d per feature. Written only once a training Forward has
    // passed every check. Sized for the groups of the largest batch seen.
    private T[] _pivot;
    private T[] _centeredMean;
    private T[] _inverseStd;
    private readonly T[] _renormScale;
    private readonly T[] _renormShift;
    private int _forwardBatch;

    // With a worker group: the group the last training Forward synchronized with (Backward goes back through the same
    // one), and the values per feature of the whole batch. _forwardBatch may then be 0 (an empty shard).
    private IWorkerGroup? _forwardGroup;
    private long _forwardCount;

    // The training calls' scratch: per group and feature the pivot, and the statistics in double (at least two groups'
    // worth, reused by Backward for a group's sums and the parameter gradients). More per block: see Blocks.
    private T[] _groupPivot;
    private double[] _groupMean;
    private double[] _groupM2;

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
    /// <param name="renorm">Whether training uses batch renormalization.</param>
    /// <param name="renormMaxScale">r_max of batch renormalization.</param>
    /// <param name="renormMaxShift">d_max of batch renormalization.</param>
    /// <param name="virtualBatchSize">Samples per ghost batch, or 0 for none.</param>
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
        Activation activation,
        bool renorm,
        double renormMaxScale,
        double renormMaxShift,
        int virtualBatchSize)
        : base(name, ShapeText(features, spatial), features * spatial, features, affine, hasShift: true)
    {
        FeatureCount = features;
        SpatialLength = spatial;
        Momentum = momentum;
        Epsilon = epsilon;
        UnbiasedRunningVariance = unbiasedRunningVariance;
        RunningStats = runningStats;
        Activation = activation;
        Renorm = renorm;
        RenormMaxScale = renormMaxScale;
        RenormMaxShift = renormMaxShift;
        VirtualBatchSize = virtualBatchSize;
        _rowsPerChunk = Math.Max(1, rowsPerChunk);
        _epsilon = T.CreateTruncating(epsilon);

        bool keepsRunning = runningStats != RunningStatsMode.None;
        RunningMean = keepsRunning ? new T[features] : [];
        RunningVariance = keepsRunning ? Filled(features, T.One) : [];
        _pivot = new T[features];
        _centeredMean = new T[features];
        _inverseStd = new T[features];
        _renormScale = renorm ? new T[features] : [];
        _renormShift = renorm ? new T[features] : [];
        _groupPivot = new T[features];
        _groupMean = new double[2 * features];
        _groupM2 = new double[2 * features];
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

    /// <summary>Whether training uses batch renormalization.</summary>
    public bool Renorm { get; }

    /// <summary>r_max: r is clipped to [1/RenormMaxScale, RenormMaxScale].</summary>
    public double RenormMaxScale { get; }

    /// <summary>d_max: d is clipped to [-RenormMaxShift, RenormMaxShift].</summary>
    public double RenormMaxShift { get; }

    /// <summary>Samples per ghost batch in training, or 0 when the whole batch is one group.</summary>
    public int VirtualBatchSize { get; }

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
        // Inference ignores the worker group: it uses the running statistics (or this batch's alone).
        IWorkerGroup? group = Training ? WorkerGroup : null;
        int batch = group is null ? CheckForward(x, y) : CheckSynchronizedForward(x, y);
        if (!Training)
        {
            InferenceForward(x, y, batch);
            return;
        }

        EnterTrainingCall("training Forward");
        try
        {
            TrainingForward(x, y, batch, group);
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    /// <summary>
    /// Back-propagates dy through the last training Forward on the same x: dx, GammaGrad and BetaGrad by the closed form
    /// dx = Gamma * invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat)) per group (times r with Renorm). dx may be dy
    /// itself.
    /// </summary>
    public sealed override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx)
    {
        EnterTrainingCall("Backward");
        try
        {
            int batch = _forwardGroup is null ? CheckBackward(x, dy, dx, _forwardBatch) : CheckSynchronizedBackward(x, dy, dx);
            BackwardGroups(x, dy, dx, batch, _forwardGroup);
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    /// <summary>
    /// The number of groups a batch is normalized in: 1, or batch / VirtualBatchSize.
    /// </summary>
    /// <exception cref="ArgumentException">The batch is not a multiple of VirtualBatchSize.</exception>
    private int GroupsOf(int batch)
    {
        if (VirtualBatchSize == 0)
        {
            return 1;
        }

        if (batch % VirtualBatchSize != 0)
        {
            throw new ArgumentException(
                $"{Name}: with VirtualBatchSize = {VirtualBatchSize}, a training batch must be a multiple of {VirtualBatchSize} samples; got x of shape {Shape} with batch = {batch}.",
                "x");
        }

        return batch / VirtualBatchSize;
    }

    /// <summary>Rows [start, start + rows) of a (batch, SampleLength) span.</summary>
    private ReadOnlySpan<T> Rows(ReadOnlySpan<T> values, int start, int rows) => values.Slice(start * SampleLength, rows * SampleLength);

    /// <summary>Group g's per-feature values in an array holding every group's, group after group.</summary>
    private Span<TValue> OfGroup<TValue>(Span<TValue> values, int g) => values.Slice(g * FeatureCount, FeatureCount);

    /// <summary>
    /// Per feature, the mean of x - pivot over the samples of x (one chunk) into <paramref name="mean"/>, and the sum of
    /// squared deviations from that mean into <paramref name="m2"/>. Called once per chunk of the batch. Every kernel's
    /// <c>streaming</c> says how the whole call moves its data (<see cref="LayerCore{T}.Streams"/>); batch norm's
    /// generated kernels treat <see cref="StreamMode.NonTemporal"/> as <see cref="StreamMode.Streaming"/>.
    /// </summary>
    protected abstract void ChunkMoments(ReadOnlySpan<T> x, ReadOnlySpan<T> pivot, Span<T> mean, Span<T> m2, StreamMode streaming);

    /// <summary>
    /// <c>y = (x - center) * scale + shift</c> per feature, through the fused activation. y may be x itself.
    /// </summary>
    protected abstract void Normalize(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> center, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, StreamMode streaming);

    /// <summary>
    /// <see cref="Normalize"/>, then the fence that non-temporal stores need (<see cref="NonTemporal.FenceAfter"/>):
    /// spatial batch norm's generated kernels take the mode to the runtime's run kernels. 1d batch norm's generated
    /// kernels store the ordinary way in every mode: a whole-row kernel with non-temporal stores (rows start 32-byte
    /// aligned only by chance, so it ran the rows as one run with doubled coefficient arrays) measured no faster for
    /// inference at (65536, 128) and (16384, 256) and 20% slower for training Forward at (65536, 128), alternating builds.
    /// </summary>
    private void NormalizeStreamed(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> center, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, StreamMode streaming)
    {
        Normalize(x, y, center, scale, shift, streaming);
        NonTemporal.FenceAfter(streaming);
    }

    /// <summary>
    /// Per feature, <c>sum(dy')</c> into <paramref name="sumDy"/> and <c>sum(dy' * (x - pivot))</c> into
    /// <paramref name="sumDyCentered"/>, over the samples of x (one chunk), where dy' is dy, or under a fused ReLU dy where
    /// <c>(x - pivot) * scale + shift &gt; 0</c> and 0 elsewhere.
    /// </summary>
    protected abstract void BackwardSums(
        ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> pivot, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, Span<T> sumDy, Span<T> sumDyCentered, StreamMode streaming);

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
        ReadOnlySpan<T> bias,
        StreamMode streaming);

    /// <summary>Every group's statistics: per group and feature the pivot, and the mean relative to it and M2 in double.</summary>
    private readonly ref struct GroupStatistics
    {
        public GroupStatistics(Span<T> pivot, Span<double> mean, Span<double> m2, int groups, int features)
        {
            Groups = groups;
            Pivot = pivot.Slice(0, groups * features);
            Mean = mean.Slice(0, groups * features);
            M2 = m2.Slice(0, groups * features);
        }

        public int Groups { get; }

        public Span<T> Pivot { get; }

        public Span<double> Mean { get; }

        public Span<double> M2 { get; }
    }
}
