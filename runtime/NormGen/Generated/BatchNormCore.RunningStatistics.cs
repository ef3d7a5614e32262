using System;

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
        T take = RunningStats == RunningStatsMode.Exponential
            ? T.CreateTruncating(1 - Momentum)
            : T.CreateTruncating(1.0 / _batchesTracked);
        T keep = RunningStats == RunningStatsMode.Exponential ? T.CreateTruncating(Momentum) : T.One - take;
        double varianceFactor = (UnbiasedRunningVariance ? 1.0 / (count - 1) : 1.0 / count) / statistics.Groups;
        for (int f = 0; f < FeatureCount; f++)
        {
            double mean = 0, variance = 0;
            for (int i = f; i < statistics.Mean.Length; i += FeatureCount)
            {
                mean += double.CreateTruncating(statistics.Pivot[i]) + statistics.Mean[i];
                variance += statistics.M2[i];
            }

            RunningMean[f] = keep * RunningMean[f] + take * T.CreateTruncating(mean / statistics.Groups);
            RunningVariance[f] = keep * RunningVariance[f] + take * T.CreateTruncating(variance * varianceFactor);
        }
    }
}
