using System;
using System.Buffers;

namespace NormGen.Generated;

/// <summary>Forward: the statistics of each group of a batch, their checks, and the normalization.</summary>
public abstract partial class BatchNormCore<T>
{
    private void TrainingForward(ReadOnlySpan<T> x, Span<T> y, int batch)
    {
        int groups = GroupsOf(batch);

        // Collection allows batches of one sample: only the merged statistics need two values.
        if (!IsCollecting || VirtualBatchSize > 0)
        {
            ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch / groups, SpatialLength, KeepsRunningStatistics);
        }

        EnsureGroupCapacity(groups);
        var statistics = new GroupStatistics(_groupPivot, _groupMean, _groupM2, groups, FeatureCount);
        var work = new Work(_work, FeatureCount);
        ComputeGroupStatistics(x, batch, statistics, work);
        ThrowIfNotFinite(statistics);

        // Every check has passed: from here the call changes state. Renorm's r and d come from the running statistics
        // before this batch updates them.
        if (Renorm)
        {
            ComputeRenormCorrection(statistics, (double)batch * SpatialLength);
        }

        if (IsCollecting)
        {
            CollectBatch(statistics, (long)(batch / groups) * SpatialLength);
        }
        else if (KeepsRunningStatistics)
        {
            UpdateRunningStatistics(statistics, (long)(batch / groups) * SpatialLength);
        }

        int length = groups * FeatureCount;
        statistics.Pivot.CopyTo(_pivot);
        FeatureMath.FinishStatistics<T>(
            statistics.Mean, statistics.M2, (double)(batch / groups) * SpatialLength, Epsilon, _centeredMean.AsSpan(0, length), _inverseStd.AsSpan(0, length));
        NormalizeGroups(x, y, batch, groups, _pivot, _centeredMean, _inverseStd, work);
        _forwardBatch = batch;
    }

    /// <summary>
    /// Inference: nothing of the layer's changes but the Backward link, so concurrent calls are safe. Its scratch comes
    /// from the shared array pool, which keeps arrays per thread and per core: no allocation in steady state.
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
                Normalize(x, y, RunningMean, scale, shift);
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

        // Backward after an inference Forward would use another x's statistics: refuse it. The same value from every
        // thread, so concurrent inference calls agree.
        _forwardBatch = 0;
    }

    /// <summary>RunningStats = None: inference normalizes with the batch's own statistics, as training does, keeping nothing.</summary>
    private void BatchStatisticsInference(ReadOnlySpan<T> x, Span<T> y, int batch)
    {
        int groups = GroupsOf(batch);
        ShapeGuard.MoreThanOneValuePerFeature(Name, Shape, batch / groups, SpatialLength, keepsRunningStatistics: false);
        int length = groups * FeatureCount;
        T[] values = ArrayPool<T>.Shared.Rent(3 * length + Work.ValuesPerFeature * FeatureCount);
        double[] doubles = ArrayPool<double>.Shared.Rent(2 * length);
        try
        {
            var statistics = new GroupStatistics(values.AsSpan(0, length), doubles.AsSpan(0, length), doubles.AsSpan(length, length), groups, FeatureCount);
            Span<T> centeredMean = values.AsSpan(length, length);
            Span<T> inverseStd = values.AsSpan(2 * length, length);
            var work = new Work(values.AsSpan(3 * length, Work.ValuesPerFeature * FeatureCount), FeatureCount);
            ComputeGroupStatistics(x, batch, statistics, work);
            FeatureMath.FinishStatistics<T>(statistics.Mean, statistics.M2, (double)(batch / groups) * SpatialLength, Epsilon, centeredMean, inverseStd);
            NormalizeGroups(x, y, batch, groups, statistics.Pivot, centeredMean, inverseStd, work);
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

    /// <summary>
    /// Each group's pivot (its first sample) and, relative to it, the mean and M2 of every feature, in double: the kernel
    /// reduces chunks of rows, merged in order.
    /// </summary>
    private void ComputeGroupStatistics(ReadOnlySpan<T> x, int batch, GroupStatistics statistics, Work work)
    {
        int rowsPerGroup = batch / statistics.Groups;
        for (int g = 0; g < statistics.Groups; g++)
        {
            int first = g * rowsPerGroup;
            Span<T> pivot = OfGroup(statistics.Pivot, g);
            Span<double> mean = OfGroup(statistics.Mean, g);
            Span<double> m2 = OfGroup(statistics.M2, g);

            // The pivot is the group's first sample: its value of every feature (at the first position of each channel's run).
            ReadOnlySpan<T> firstSample = Rows(x, first, 1);
            for (int f = 0; f < FeatureCount; f++)
            {
                pivot[f] = firstSample[f * SpatialLength];
            }

            for (int start = 0; start < rowsPerGroup; start += _rowsPerChunk)
            {
                int rows = Math.Min(_rowsPerChunk, rowsPerGroup - start);
                ChunkMoments(Rows(x, first + start, rows), pivot, work.ChunkA, work.ChunkB);
                if (start == 0)
                {
                    Moments.Start<T>(mean, m2, work.ChunkA, work.ChunkB);
                }
                else
                {
                    Moments.Merge<T>(mean, m2, (long)start * SpatialLength, work.ChunkA, work.ChunkB, (long)rows * SpatialLength);
                }
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

    /// <summary>y for each group: <c>(x - pivot) * scale + shift</c> with the group's scale and shift (and r, d with Renorm).</summary>
    private void NormalizeGroups(
        ReadOnlySpan<T> x, Span<T> y, int batch, int groups, ReadOnlySpan<T> pivot, ReadOnlySpan<T> centeredMean, ReadOnlySpan<T> inverseStd, Work work)
    {
        int rowsPerGroup = batch / groups;
        for (int g = 0; g < groups; g++)
        {
            int offset = g * FeatureCount;
            FeatureMath.TrainingScaleShift<T>(
                Gamma, Beta, inverseStd.Slice(offset, FeatureCount), centeredMean.Slice(offset, FeatureCount), _renormScale, _renormShift, work.Scale, work.Shift);
            Normalize(Rows(x, g * rowsPerGroup, rowsPerGroup), y.Slice(g * rowsPerGroup * SampleLength, rowsPerGroup * SampleLength), pivot.Slice(offset, FeatureCount), work.Scale, work.Shift);
        }
    }

    /// <summary>
    /// Batch renormalization's correction, from the running statistics before this batch updates them:
    /// <c>r = clip(sigma_B / sigma, 1/r_max, r_max)</c>, <c>d = clip((mean_B - RunningMean) / sigma, -d_max, d_max)</c>,
    /// with <c>sigma_B = sqrt(var_B + eps)</c> (biased batch variance) and <c>sigma = sqrt(RunningVariance + eps)</c>.
    /// </summary>
    /// <param name="statistics">The batch's statistics (Renorm normalizes the batch as one group).</param>
    /// <param name="count">Values per feature in the batch.</param>
    private void ComputeRenormCorrection(GroupStatistics statistics, double count)
    {
        for (int f = 0; f < FeatureCount; f++)
        {
            double batchMean = double.CreateTruncating(statistics.Pivot[f]) + statistics.Mean[f];
            double batchSigma = Math.Sqrt(statistics.M2[f] / count + Epsilon);
            double sigma = Math.Sqrt(double.CreateTruncating(RunningVariance[f]) + Epsilon);
            double r = Math.Clamp(batchSigma / sigma, 1 / RenormMaxScale, RenormMaxScale);
            double d = Math.Clamp((batchMean - double.CreateTruncating(RunningMean[f])) / sigma, -RenormMaxShift, RenormMaxShift);
            _renormScale[f] = T.CreateTruncating(r);
            _renormShift[f] = T.CreateTruncating(d);
        }
    }
}
