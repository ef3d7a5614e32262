using System;
using System.Buffers;
using System.Numerics;

namespace NormGen.Generated;

/// <summary>Forward: the statistics of each group of a batch, their checks, and the normalization.</summary>
public abstract partial class BatchNormCore<T>
{
    /// <param name="x">This call's samples; with a worker group, this worker's shard (it may be empty).</param>
    /// <param name="y">The output, as long as x.</param>
    /// <param name="batch">Samples in x.</param>
    /// <param name="group">The worker group to synchronize with (one group of the whole batch, no ghost batches), or null.</param>
    private void TrainingForward(ReadOnlySpan<T> x, Span<T> y, int batch, IWorkerGroup? group)
    {
        int groups = group is null ? GroupsOf(batch) : 1;

        // Collection allows batches of one sample: only the merged statistics need two values. With a worker group
        // the count that matters is the whole batch's, checked after the gather so every worker decides alike.
        if (group is null && (!IsCollecting || VirtualBatchSize > 0))
        {
            ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch / groups, SpatialLength, KeepsRunningStatistics);
        }

        BlockPlan plan = PlanOf(batch, groups);
        EnsureGroupCapacity(groups);
        EnsureScratch(plan);
        var statistics = new GroupStatistics(_groupPivot, _groupMean, _groupM2, groups, FeatureCount);
        if (batch > 0)
        {
            TakePivots(x, plan, statistics.Pivot);
            RunBlocks(Phase.Statistics, plan, x, default, default);
            MergeBlocks(plan, _blockSums, statistics);
        }

        // Values per feature in one group: this batch's, or with a worker group the whole batch's, whose statistics
        // replace this worker's (identical on every worker).
        long count = (long)plan.RowsPerGroup * SpatialLength;
        if (group is not null)
        {
            count = SynchronizeStatistics(group, statistics, count, batch);
        }
        else
        {
            ThrowIfNotFinite(statistics);
        }

        // Every check has passed: from here the call changes state. Renorm's r and d come from the running statistics
        // before this batch updates them.
        if (Renorm)
        {
            ComputeRenormCorrection(statistics, count);
        }

        if (IsCollecting)
        {
            CollectBatch(statistics, count);
        }
        else if (KeepsRunningStatistics)
        {
            UpdateRunningStatistics(statistics, count);
        }

        int length = groups * FeatureCount;
        statistics.Pivot.CopyTo(_pivot);
        FeatureMath.FinishStatistics<T>(
            statistics.Mean, statistics.M2, count, Epsilon, _centeredMean.AsSpan(0, length), _inverseStd.AsSpan(0, length));
        GroupScaleShift(groups, _centeredMean, _inverseStd, _groupScale, _groupShift);
        if (batch > 0)
        {
            RunBlocks(Phase.Normalize, plan, x, default, y);
        }

        _forwardBatch = batch;
        _forwardGroup = group;
        _forwardCount = count;
    }

    /// <summary>
    /// Inference: nothing of the layer's changes but the Backward link, so concurrent calls are safe. Its scratch comes
    /// from the shared array pool, which keeps arrays per thread and per core: no allocation in steady state. With running
    /// statistics, a large batch is normalized on up to MaxDegreeOfParallelism threads; a layer without them (batch
    /// statistics at inference) runs on the calling thread.
    /// </summary>
    private void InferenceForward(ReadOnlySpan<T> x, Span<T> y, int batch)
    {
        if (KeepsRunningStatistics)
        {
            T[] scaleShift = ArrayPool<T>.Shared.Rent(2 * FeatureCount);
            try
            {
                Span<T> scale = scaleShift.AsSpan(0, FeatureCount);
                Span<T> shift = scaleShift.AsSpan(FeatureCount, FeatureCount);
                FeatureMath.InferenceScaleShift<T>(Gamma, Beta, RunningVariance, _epsilon, scale, shift);
                NormalizeRows(x, y, RunningMean, scale, shift);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scaleShift);
            }
        }
        else
        {
            BatchStatisticsInference(x, y, batch);
        }

        // Backward after an inference Forward would use another x's statistics: refuse it. The same values from every
        // thread, so concurrent inference calls agree.
        _forwardBatch = 0;
        _forwardGroup = null;
    }

    /// <summary>
    /// RunningStats = None: inference normalizes with the batch's own statistics, as training does (the same blocks,
    /// merged in the same order, so the same bits), keeping nothing.
    /// </summary>
    private void BatchStatisticsInference(ReadOnlySpan<T> x, Span<T> y, int batch)
    {
        int groups = GroupsOf(batch);
        ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch / groups, SpatialLength, keepsRunningStatistics: false);
        BlockPlan plan = PlanOf(batch, groups);
        int length = groups * FeatureCount;
        int blockLength = 2 * FeatureCount * plan.Blocks;
        T[] values = ArrayPool<T>.Shared.Rent(5 * length + 2 * FeatureCount);
        double[] doubles = ArrayPool<double>.Shared.Rent(2 * length + blockLength);
        try
        {
            var statistics = new GroupStatistics(values.AsSpan(0, length), doubles.AsSpan(0, length), doubles.AsSpan(length, length), groups, FeatureCount);
            Span<T> centeredMean = values.AsSpan(length, length);
            Span<T> inverseStd = values.AsSpan(2 * length, length);
            Span<T> scale = values.AsSpan(3 * length, length);
            Span<T> shift = values.AsSpan(4 * length, length);
            Span<T> chunk = values.AsSpan(5 * length, 2 * FeatureCount);
            Span<double> blockSums = doubles.AsSpan(2 * length, blockLength);
            TakePivots(x, plan, statistics.Pivot);
            for (int block = 0; block < plan.Blocks; block++)
            {
                (int start, int rows) = plan.RowsOf(block);
                BlockMoments(Rows(x, start, rows), rows, OfGroup(statistics.Pivot, plan.GroupOf(block)), blockSums.Slice(block * 2 * FeatureCount, 2 * FeatureCount), chunk, plan.Streaming);
            }

            MergeBlocks(plan, blockSums, statistics);
            FeatureMath.FinishStatistics<T>(statistics.Mean, statistics.M2, (double)plan.RowsPerGroup * SpatialLength, Epsilon, centeredMean, inverseStd);
            GroupScaleShift(groups, centeredMean, inverseStd, scale, shift);
            for (int g = 0; g < groups; g++)
            {
                int first = g * plan.RowsPerGroup;
                NormalizeStreamed(Rows(x, first, plan.RowsPerGroup), y.Slice(first * SampleLength, plan.RowsPerGroup * SampleLength), OfGroup(statistics.Pivot, g), OfGroup(scale, g), OfGroup(shift, g), plan.Streaming);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(values);
            ArrayPool<double>.Shared.Return(doubles);
        }
    }

    /// <summary>Grows the per-group arrays to hold <paramref name="groups"/> groups; a batch seen before reuses them.</summary>
    private void EnsureGroupCapacity(int groups)
    {
        int length = groups * FeatureCount;
        if (_pivot.Length < length)
        {
            _pivot = new T[length];
            _centeredMean = new T[length];
            _inverseStd = new T[length];
            _groupPivot = new T[length];
        }

        if (_groupMean.Length < length)
        {
            _groupMean = new double[length];
            _groupM2 = new double[length];
        }
    }

    /// <summary>Each group's pivot: its first sample's value of every feature (at the first position of each channel's run).</summary>
    private void TakePivots(ReadOnlySpan<T> x, BlockPlan plan, Span<T> pivots)
    {
        for (int g = 0; g < plan.Groups; g++)
        {
            ReadOnlySpan<T> firstSample = Rows(x, g * plan.RowsPerGroup, 1);
            Span<T> pivot = OfGroup(pivots, g);
            if (SpatialLength == 1)
            {
                firstSample.CopyTo(pivot);
                continue;
            }

            for (int f = 0; f < FeatureCount; f++)
            {
                pivot[f] = firstSample[f * SpatialLength];
            }
        }
    }

    /// <summary>Each group's statistics: its blocks' (mean relative to the group's pivot, M2), merged in block order.</summary>
    private void MergeBlocks(BlockPlan plan, ReadOnlySpan<double> blockSums, GroupStatistics statistics)
    {
        for (int block = 0; block < plan.Blocks; block++)
        {
            int g = plan.GroupOf(block);
            ReadOnlySpan<double> sums = blockSums.Slice(block * 2 * FeatureCount, 2 * FeatureCount);
            Span<double> mean = OfGroup(statistics.Mean, g);
            Span<double> m2 = OfGroup(statistics.M2, g);
            int before = plan.StartInGroup(block);
            if (before == 0)
            {
                sums.Slice(0, FeatureCount).CopyTo(mean);
                sums.Slice(FeatureCount, FeatureCount).CopyTo(m2);
            }
            else
            {
                int rows = plan.RowsOf(block).Rows;
                Moments.Merge(mean, m2, (long)before * SpatialLength, sums.Slice(0, FeatureCount), sums.Slice(FeatureCount, FeatureCount), (long)rows * SpatialLength);
            }
        }
    }

    /// <summary>
    /// A NaN or an infinity anywhere in a feature's values makes its mean or M2 non-finite: reject a training batch before
    /// it reaches the running statistics, which it would poison for good. Costs one pass over the groups' statistics.
    /// Inference is not checked: it propagates NaN, as every framework does.
    /// </summary>
    private void ThrowIfNotFinite(GroupStatistics statistics)
    {
        if (FeatureVectors.AllFinite(statistics.Mean) && FeatureVectors.AllFinite(statistics.M2))
        {
            return;
        }

        for (int i = 0; i < statistics.Mean.Length; i++)
        {
            if (!double.IsFinite(statistics.Mean[i]) || !double.IsFinite(statistics.M2[i]))
            {
                int f = i % FeatureCount;
                throw new ArgumentException(
                    $"{Name}: the training batch's statistics are not finite for feature {f} (mean {double.CreateTruncating(statistics.Pivot[i]) + statistics.Mean[i]}, M2 {statistics.M2[i]}): x holds NaN or infinity there, or values whose squares overflow. Nothing was changed; check the layer's input.",
                    "x");
            }
        }
    }

    /// <summary>Each group's scale and shift: <c>y = (x - pivot) * scale + shift</c> (with r and d under Renorm).</summary>
    private void GroupScaleShift(int groups, ReadOnlySpan<T> centeredMean, ReadOnlySpan<T> inverseStd, Span<T> scale, Span<T> shift)
    {
        for (int g = 0; g < groups; g++)
        {
            int offset = g * FeatureCount;
            FeatureMath.TrainingScaleShift<T>(
                Gamma, Beta, inverseStd.Slice(offset, FeatureCount), centeredMean.Slice(offset, FeatureCount), _renormScale, _renormShift,
                scale.Slice(offset, FeatureCount), shift.Slice(offset, FeatureCount));
        }
    }

    /// <summary>
    /// Batch renormalization's correction, from the running statistics before this batch updates them:
    /// <c>r = clip(sigma_B / sigma, 1/r_max, r_max)</c>, <c>d = clip((mean_B - RunningMean) / sigma, -d_max, d_max)</c>,
    /// with <c>sigma_B = sqrt(var_B + eps)</c> (biased batch variance) and <c>sigma = sqrt(RunningVariance + eps)</c>.
    /// <c>var_B + eps</c> and <c>mean_B - RunningMean</c> are formed in double (the difference may cancel) and rounded to
    /// T; the square roots, the division and the clips are T's, as for inverseStd.
    /// </summary>
    /// <param name="statistics">The batch's statistics (Renorm normalizes the batch as one group).</param>
    /// <param name="count">Values per feature in the batch.</param>
    private void ComputeRenormCorrection(GroupStatistics statistics, double count)
    {
        // _renormScale and _renormShift first hold var_B + eps and mean_B - RunningMean.
        Span<T> batchVariance = _renormScale;
        Span<T> meanShift = _renormShift;
        double inverseCount = 1 / count;
        int f = 0;
        var inverseCountVector = new Vector<double>(inverseCount);
        var epsilonVector = new Vector<double>(Epsilon);
        for (int vectorLength = FeatureVectors.VectorLength(FeatureCount); f < vectorLength; f += FeatureVectors.Step)
        {
            FeatureVectors.Load<T>(statistics.Pivot, f, out var pivotLow, out var pivotHigh);
            FeatureVectors.Load<double>(statistics.Mean, f, out var meanLow, out var meanHigh);
            FeatureVectors.Load<double>(statistics.M2, f, out var m2Low, out var m2High);
            FeatureVectors.Load<T>(RunningMean, f, out var runningMeanLow, out var runningMeanHigh);
            FeatureVectors.Store(batchVariance, f, m2Low * inverseCountVector + epsilonVector, m2High * inverseCountVector + epsilonVector);
            FeatureVectors.Store(meanShift, f, pivotLow + meanLow - runningMeanLow, pivotHigh + meanHigh - runningMeanHigh);
        }

        T epsilon = T.CreateTruncating(Epsilon);
        T maxScale = T.CreateTruncating(RenormMaxScale);
        T minScale = T.One / maxScale;
        T maxShift = T.CreateTruncating(RenormMaxShift);
        var epsilonVectorT = new Vector<T>(epsilon);
        var maxScaleVector = new Vector<T>(maxScale);
        var minScaleVector = new Vector<T>(minScale);
        var maxShiftVector = new Vector<T>(maxShift);
        for (int v = 0; v < f; v += Vector<T>.Count)
        {
            var inverseSigma = Vector<T>.One / Vector.SquareRoot(new Vector<T>(RunningVariance.AsSpan(v)) + epsilonVectorT);
            var r = Vector.SquareRoot(new Vector<T>(batchVariance.Slice(v))) * inverseSigma;
            Vector.Min(Vector.Max(r, minScaleVector), maxScaleVector).CopyTo(_renormScale.AsSpan(v));
            Vector.Min(Vector.Max(new Vector<T>(meanShift.Slice(v)) * inverseSigma, -maxShiftVector), maxShiftVector).CopyTo(_renormShift.AsSpan(v));
        }

        for (; f < FeatureCount; f++)
        {
            T inverseSigma = T.One / T.Sqrt(RunningVariance[f] + epsilon);
            T r = T.Sqrt(T.CreateTruncating(statistics.M2[f] * inverseCount + Epsilon)) * inverseSigma;
            T d = T.CreateTruncating(double.CreateTruncating(statistics.Pivot[f]) + statistics.Mean[f] - double.CreateTruncating(RunningMean[f])) * inverseSigma;
            _renormScale[f] = T.Clamp(r, minScale, maxScale);
            _renormShift[f] = T.Clamp(d, -maxShift, maxShift);
        }
    }
}
