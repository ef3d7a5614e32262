using System;
using System.Numerics;

namespace NormGen.Generated;

/// <summary>The running statistics: their update after each training batch, the batch count, and reset.</summary>
public abstract partial class BatchNormCore<T>
{
    private long _batchesTracked;

    /// <summary>Training batches whose statistics entered the running statistics (PyTorch num_batches_tracked).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value; nothing changes.</exception>
    public long BatchesTracked
    {
        get => _batchesTracked;
        set
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(value), value, $"{Name}: BatchesTracked counts training batches and cannot be negative; got {value}.");
            }

            _batchesTracked = value;
        }
    }

    /// <summary>Sets RunningMean to 0, RunningVariance to 1 and BatchesTracked to 0, and cancels any collection.</summary>
    /// <exception cref="InvalidOperationException">A training call is running on this layer on another thread; nothing changes.</exception>
    public void ResetRunningStatistics()
    {
        EnterTrainingCall(nameof(ResetRunningStatistics));
        try
        {
            Array.Clear(RunningMean);
            Array.Fill(RunningVariance, T.One);
            _batchesTracked = 0;
            CancelCollection();
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    /// <summary>
    /// Exponential: running = Momentum * running + (1 - Momentum) * batch. Cumulative: the equal-weight average of every
    /// batch since the last reset. The batch statistics are the mean over the groups (one, or the ghost batches) of each
    /// group's mean and variance, the variance unbiased or biased per UnbiasedRunningVariance, as Keras does.
    /// </summary>
    /// <param name="statistics">Each group's statistics.</param>
    /// <param name="count">Values per feature in one group.</param>
    private void UpdateRunningStatistics(GroupStatistics statistics, long count)
    {
        _batchesTracked++;
        double take = RunningStats == RunningStatsMode.Exponential ? 1 - Momentum : 1.0 / _batchesTracked;
        double keep = RunningStats == RunningStatsMode.Exponential ? Momentum : 1 - take;
        double inverseGroups = 1.0 / statistics.Groups;
        double varianceFactor = (UnbiasedRunningVariance ? 1.0 / (count - 1) : 1.0 / count) * inverseGroups;

        // In double, rounded once: running = keep * running + take * (the groups' mean of mean, and of variance).
        int f = 0;
        var takeVector = new Vector<double>(take);
        var keepVector = new Vector<double>(keep);
        var inverseGroupsVector = new Vector<double>(inverseGroups);
        var varianceFactorVector = new Vector<double>(varianceFactor);
        for (int vectorLength = FeatureVectors.VectorLength(FeatureCount); f < vectorLength; f += FeatureVectors.Step)
        {
            Vector<double> meanLow = default, meanHigh = default, m2Low = default, m2High = default;
            for (int i = f; i < statistics.Mean.Length; i += FeatureCount)
            {
                FeatureVectors.Load<T>(statistics.Pivot, i, out var pivotLow, out var pivotHigh);
                FeatureVectors.Load<double>(statistics.Mean, i, out var offsetLow, out var offsetHigh);
                FeatureVectors.Load<double>(statistics.M2, i, out var groupM2Low, out var groupM2High);
                meanLow += pivotLow + offsetLow;
                meanHigh += pivotHigh + offsetHigh;
                m2Low += groupM2Low;
                m2High += groupM2High;
            }

            FeatureVectors.Load<T>(RunningMean, f, out var runningMeanLow, out var runningMeanHigh);
            FeatureVectors.Store<T>(
                RunningMean,
                f,
                keepVector * runningMeanLow + takeVector * (meanLow * inverseGroupsVector),
                keepVector * runningMeanHigh + takeVector * (meanHigh * inverseGroupsVector));
            FeatureVectors.Load<T>(RunningVariance, f, out var runningVarianceLow, out var runningVarianceHigh);
            FeatureVectors.Store<T>(
                RunningVariance,
                f,
                keepVector * runningVarianceLow + takeVector * (m2Low * varianceFactorVector),
                keepVector * runningVarianceHigh + takeVector * (m2High * varianceFactorVector));
        }

        for (; f < FeatureCount; f++)
        {
            double mean = 0, m2 = 0;
            for (int i = f; i < statistics.Mean.Length; i += FeatureCount)
            {
                mean += double.CreateTruncating(statistics.Pivot[i]) + statistics.Mean[i];
                m2 += statistics.M2[i];
            }

            RunningMean[f] = T.CreateTruncating(keep * double.CreateTruncating(RunningMean[f]) + take * (mean * inverseGroups));
            RunningVariance[f] = T.CreateTruncating(keep * double.CreateTruncating(RunningVariance[f]) + take * (m2 * varianceFactor));
        }
    }
}
