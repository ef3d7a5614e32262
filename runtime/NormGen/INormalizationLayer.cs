using System;

namespace NormGen;

/// <summary>
/// A generated normalization layer over element type <typeparamref name="T"/> (float or double).
/// Every span is row-major with <see cref="SampleLength"/> elements per sample; the batch size is
/// <c>x.Length / SampleLength</c>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public interface INormalizationLayer<T>
    where T : unmanaged
{
    /// <summary>The layer's name (its type name), used in error messages.</summary>
    string Name { get; }

    /// <summary>Elements per sample: Features * Spatial (or Channels * Spatial).</summary>
    int SampleLength { get; }

    /// <summary>True: Forward uses batch statistics (and updates running statistics where kept). False: inference.</summary>
    bool Training { get; set; }

    /// <summary>
    /// The most threads one Forward or Backward may use: 1 (the default, right for a service that runs many requests at
    /// once) keeps every call on its own thread; 0 or less means <see cref="Environment.ProcessorCount"/>. Large inputs are
    /// split into fixed blocks of rows; results are bit-identical whatever the value, and nothing is allocated per call.
    /// </summary>
    int MaxDegreeOfParallelism { get; set; }

    /// <summary>Learnable scale, one per feature or channel; empty when the layer is not affine.</summary>
    T[] Gamma { get; }

    /// <summary>Learnable shift, one per feature or channel; empty when the layer is not affine or has no shift (RMS norm).</summary>
    T[] Beta { get; }

    /// <summary>Gradient of the loss with respect to <see cref="Gamma"/>, written by <see cref="Backward"/>.</summary>
    T[] GammaGrad { get; }

    /// <summary>Gradient of the loss with respect to <see cref="Beta"/>, written by <see cref="Backward"/>.</summary>
    T[] BetaGrad { get; }

    /// <summary>Normalizes <paramref name="x"/> into <paramref name="y"/> (same length).</summary>
    /// <exception cref="ArgumentException">x is not a positive multiple of <see cref="SampleLength"/>, or y differs in length.</exception>
    void Forward(ReadOnlySpan<T> x, Span<T> y);

    /// <summary>
    /// Back-propagates <paramref name="dy"/> through the last Forward on the same <paramref name="x"/>:
    /// writes <paramref name="dx"/> and overwrites <see cref="GammaGrad"/> and <see cref="BetaGrad"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match.</exception>
    /// <exception cref="InvalidOperationException">No matching Forward preceded this call.</exception>
    void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx);
}

/// <summary>A generated batch-norm layer: a normalization layer with running statistics.</summary>
/// <typeparam name="T">float or double.</typeparam>
public interface IBatchNormLayer<T> : INormalizationLayer<T>
    where T : unmanaged
{
    /// <summary>Number of features (channels).</summary>
    int FeatureCount { get; }

    /// <summary>Running mean per feature, used at inference. Initialized to 0.</summary>
    T[] RunningMean { get; }

    /// <summary>Running variance per feature, used at inference. Initialized to 1.</summary>
    T[] RunningVariance { get; }

    /// <summary>
    /// Number of training batches whose statistics entered the running statistics (PyTorch <c>num_batches_tracked</c>).
    /// Settable, so a layer ported from another framework continues where it stopped: a Cumulative layer weighs its
    /// running statistics as that many batches.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value; nothing changes.</exception>
    long BatchesTracked { get; set; }

    /// <summary>Sets RunningMean to 0, RunningVariance to 1 and BatchesTracked to 0, and cancels any collection.</summary>
    void ResetRunningStatistics();

    /// <summary>True between <see cref="BeginCollect"/> and <see cref="EndCollect"/>.</summary>
    bool IsCollecting { get; }

    /// <summary>
    /// Starts exact collection: training Forward calls merge every batch's per-feature (count, mean, M2) until
    /// <see cref="EndCollect"/>, which writes the statistics of all collected samples as if they were one batch.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer keeps no running statistics (RunningStats = None).</exception>
    void BeginCollect();

    /// <summary>
    /// The workers of a data-parallel training step to synchronize with (PyTorch SyncBatchNorm), or null (the default):
    /// each batch is then normalized on its own. With a group, each worker passes its shard of the batch (any size,
    /// including empty) and training Forward and Backward compute what one layer computes on the concatenated shards,
    /// in rank order: y and dx for this worker's rows, and on every worker the same running statistics,
    /// BatchesTracked, collected statistics, GammaGrad and BetaGrad (the whole batch's sums: do not all-reduce them
    /// again). Every worker must make the same training calls in the same order (they are collective). Inference
    /// ignores the group.
    /// </summary>
    /// <remarks>
    /// Forward then also throws <see cref="InvalidOperationException"/> on a layer with ghost batches
    /// (VirtualBatchSize), and what the group's <see cref="IWorkerGroup.AllGather"/> throws (e.g.
    /// <see cref="TimeoutException"/> when a worker did not arrive, such as one that threw on a wrong span before the
    /// gather). Errors that depend on the whole batch (too few values, NaN or infinity) are raised alike on every worker.
    /// </remarks>
    IWorkerGroup? WorkerGroup { get; set; }

    /// <summary>Writes the collected statistics into RunningMean and RunningVariance and ends collection.</summary>
    /// <exception cref="InvalidOperationException">No collection is running, or too few samples were collected; nothing changes.</exception>
    void EndCollect();
}
