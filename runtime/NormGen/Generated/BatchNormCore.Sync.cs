using System;
using System.Text;

namespace NormGen.Generated;

/// <summary>
/// Synchronized batch norm (PyTorch SyncBatchNorm): with a <see cref="WorkerGroup"/>, training Forward all-gathers
/// every worker's per-feature statistics of its shard and merges them in rank order, and Backward all-gathers the
/// per-feature backward sums and adds them in rank order, so every worker computes what one layer computes on the
/// concatenation of the shards (rank 0's rows first): y and dx for its own rows, and identical running statistics,
/// BatchesTracked, collection, GammaGrad and BetaGrad.
/// </summary>
/// <remarks>
/// <para>
/// Forward sends 1 + 3 * Features doubles per worker: the shard's values per feature (the same for every feature),
/// then per feature the pivot (the shard's first sample, exact in double), the mean relative to it and M2. The merge
/// (<see cref="Moments.MergeShifted{T}"/>) starts from the first worker with values and takes the others in rank
/// order, skipping empty shards; its pivot is the whole batch's first sample, as a single layer's would be. Backward
/// sends 2 * Features doubles: sum(dy) and sum(dy * (x - pivot)) per feature. Every worker runs the same arithmetic on
/// the same gathered values, so the results agree to the bit across workers, and differ from a single layer on the
/// concatenated batch only by the order of the merges (rounding).
/// </para>
/// <para>
/// Errors: what a worker can tell from its own arguments (a span of the wrong length, ghost batches) throws on that
/// worker before the gather; the other workers then wait in the gather and throw <see cref="TimeoutException"/> when
/// the group's timeout expires (a collective needs every worker). What needs the whole batch (fewer than two values per
/// feature in all, non-finite statistics) is checked after the gather, so every worker throws the same
/// <see cref="ArgumentException"/> and nothing changes on any of them.
/// </para>
/// </remarks>
public abstract partial class BatchNormCore<T>
{
    // The gather buffers: this worker's values and every worker's, grown when the group or the phase needs more.
    private double[] _syncValues = [];
    private double[] _syncGathered = [];

    /// <summary>
    /// The workers to synchronize training statistics with, or null (the default) to normalize each batch on its own.
    /// Read at the start of each training Forward; Backward goes back through the group of the Forward it follows.
    /// Inference ignores it.
    /// </summary>
    public IWorkerGroup? WorkerGroup { get; set; }

    /// <summary>Forward's checks with a worker group: an empty shard (x and y empty) is a batch of 0; ghost batches are refused.</summary>
    private int CheckSynchronizedForward(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        if (VirtualBatchSize > 0)
        {
            throw new InvalidOperationException(
                $"{Name}: a WorkerGroup cannot be used with ghost batches (VirtualBatchSize = {VirtualBatchSize}): ghost batch norm normalizes each group of {VirtualBatchSize} samples with its own statistics, so there is nothing to synchronize across workers. Set WorkerGroup = null, or declare the layer without VirtualBatchSize.");
        }

        if (x.IsEmpty)
        {
            ShapeGuard.SameLength(Name, Shape, "y", 0, y.Length);
            return 0;
        }

        return CheckForward(x, y);
    }

    /// <summary>Backward's checks after a synchronized Forward, which may have seen an empty shard.</summary>
    private int CheckSynchronizedBackward(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> dx)
    {
        if (x.IsEmpty)
        {
            ShapeGuard.SameLength(Name, Shape, "dy", 0, dy.Length);
            ShapeGuard.SameLength(Name, Shape, "dx", 0, dx.Length);
            if (_forwardBatch != 0)
            {
                ShapeGuard.BackwardMatchesForward(Name, _forwardBatch, 0);
            }

            return 0;
        }

        if (_forwardBatch == 0)
        {
            throw new InvalidOperationException(
                $"{Name}: Backward got a batch of {x.Length / SampleLength}, but the last training Forward saw an empty shard (batch = 0); call Forward on the same x first.");
        }

        return CheckBackward(x, dy, dx, _forwardBatch);
    }

    /// <summary>
    /// Replaces this worker's statistics (one group) by the whole batch's: gathers every worker's (count, pivot, mean
    /// offset, M2) and merges them in rank order. Then checks, identically on every worker, that the whole batch has
    /// enough values and finite statistics.
    /// </summary>
    /// <param name="group">The workers.</param>
    /// <param name="statistics">This worker's statistics on entry (ignored when <paramref name="batch"/> is 0); the whole batch's on return.</param>
    /// <param name="count">Values per feature in this worker's shard.</param>
    /// <param name="batch">Samples in this worker's shard.</param>
    /// <returns>Values per feature in the whole batch.</returns>
    private long SynchronizeStatistics(IWorkerGroup group, GroupStatistics statistics, long count, int batch)
    {
        int features = FeatureCount;
        int stride = 1 + (3 * features);
        int workers = group.Size;
        EnsureSyncCapacity(stride, workers);
        Span<double> values = _syncValues.AsSpan(0, stride);
        values[0] = count;
        Span<double> pivot = values.Slice(1, features);
        if (batch > 0)
        {
            for (int f = 0; f < features; f++)
            {
                pivot[f] = double.CreateTruncating(statistics.Pivot[f]);
            }

            statistics.Mean.CopyTo(values.Slice(1 + features, features));
            statistics.M2.CopyTo(values.Slice(1 + (2 * features), features));
        }
        else
        {
            values.Slice(1).Clear();
        }

        Span<double> gathered = _syncGathered.AsSpan(0, workers * stride);
        group.AllGather(values, gathered);

        // The merge, in rank order, from the first worker with values; its pivot stays the merged statistics' pivot.
        long total = 0;
        ReadOnlySpan<double> mergedPivot = default;
        for (int r = 0; r < workers; r++)
        {
            ReadOnlySpan<double> worker = gathered.Slice(r * stride, stride);
            long workerCount = (long)worker[0];
            if (workerCount == 0)
            {
                continue;
            }

            ReadOnlySpan<double> workerPivot = worker.Slice(1, features);
            ReadOnlySpan<double> workerMean = worker.Slice(1 + features, features);
            ReadOnlySpan<double> workerM2 = worker.Slice(1 + (2 * features), features);
            if (total == 0)
            {
                mergedPivot = workerPivot;
                workerMean.CopyTo(statistics.Mean);
                workerM2.CopyTo(statistics.M2);
            }
            else
            {
                Moments.MergeShifted<double>(statistics.Mean, statistics.M2, total, mergedPivot, workerMean, workerM2, workerCount, workerPivot);
            }

            total += workerCount;
        }

        // The pivot came from the element type, so converting it back is exact.
        for (int f = 0; f < features && total > 0; f++)
        {
            statistics.Pivot[f] = T.CreateTruncating(mergedPivot[f]);
        }

        ThrowIfTooFewValues(group, gathered, stride, total);
        ThrowIfNotFinite(group, gathered, stride, statistics);
        return total;
    }

    /// <summary>Replaces this worker's backward sums by the whole batch's: every worker's, added in rank order.</summary>
    private void SynchronizeBackwardSums(IWorkerGroup group, Span<double> sumDy, Span<double> sumDyCentered)
    {
        int features = FeatureCount;
        int stride = 2 * features;
        int workers = group.Size;
        EnsureSyncCapacity(stride, workers);
        Span<double> values = _syncValues.AsSpan(0, stride);
        sumDy.CopyTo(values);
        sumDyCentered.CopyTo(values.Slice(features));
        Span<double> gathered = _syncGathered.AsSpan(0, workers * stride);
        group.AllGather(values, gathered);
        sumDy.Clear();
        sumDyCentered.Clear();
        for (int r = 0; r < workers; r++)
        {
            FeatureVectors.Add(sumDy, gathered.Slice(r * stride, features));
            FeatureVectors.Add(sumDyCentered, gathered.Slice((r * stride) + features, features));
        }
    }

    private void EnsureSyncCapacity(int stride, int workers)
    {
        if (_syncValues.Length < stride)
        {
            _syncValues = new double[stride];
        }

        if (_syncGathered.Length < (long)workers * stride)
        {
            _syncGathered = new double[workers * stride];
        }
    }

    /// <summary>
    /// The whole batch needs two values per feature (one when collecting, as a single layer's collection allows a batch
    /// of one sample); the same verdict on every worker.
    /// </summary>
    private void ThrowIfTooFewValues(IWorkerGroup group, ReadOnlySpan<double> gathered, int stride, long total)
    {
        long minimum = IsCollecting ? 1 : 2;
        if (total >= minimum)
        {
            return;
        }

        var perWorker = new StringBuilder();
        for (int r = 0; r < group.Size; r++)
        {
            perWorker.Append(r == 0 ? "" : ", ").Append((long)gathered[r * stride]);
        }

        string remedy = KeepsRunningStatistics
            ? "Give the workers at least " + minimum + " in all, or set Training = false to normalize with the running statistics."
            : "Give the workers at least " + minimum + " in all.";
        throw new ArgumentException(
            $"{Name}: training Forward with a WorkerGroup of {group.Size} needs {(minimum == 1 ? "at least one value" : "more than one value")} per feature over the whole batch; the workers hold [{perWorker}] values per feature (rank order), {total} in all. Nothing was changed on any worker. {remedy}",
            "x");
    }

    /// <summary>
    /// The whole batch's statistics must be finite (see <see cref="ThrowIfNotFinite(GroupStatistics)"/>); the message names
    /// the workers whose shards are not, and is the same on every worker.
    /// </summary>
    private void ThrowIfNotFinite(IWorkerGroup group, ReadOnlySpan<double> gathered, int stride, GroupStatistics statistics)
    {
        int features = FeatureCount;
        for (int f = 0; f < features; f++)
        {
            if (double.IsFinite(statistics.Mean[f]) && double.IsFinite(statistics.M2[f]))
            {
                continue;
            }

            var ranks = new StringBuilder();
            for (int r = 0; r < group.Size; r++)
            {
                ReadOnlySpan<double> worker = gathered.Slice(r * stride, stride);
                bool finite = double.IsFinite(worker[1 + f]) && double.IsFinite(worker[1 + features + f]) && double.IsFinite(worker[1 + (2 * features) + f]);
                if (!finite)
                {
                    ranks.Append(ranks.Length == 0 ? "" : ", ").Append(r);
                }
            }

            string where = ranks.Length > 0
                ? $"the shard of rank(s) {ranks} holds NaN or infinity there, or values whose squares overflow"
                : "the shards' values are finite, but their merged statistics overflow";
            throw new ArgumentException(
                $"{Name}: the statistics of the WorkerGroup's whole training batch ({group.Size} workers) are not finite for feature {f} (mean {double.CreateTruncating(statistics.Pivot[f]) + statistics.Mean[f]}, M2 {statistics.M2[f]}): {where}. Nothing was changed on any worker; check the layer's input.",
                "x");
        }
    }
}
