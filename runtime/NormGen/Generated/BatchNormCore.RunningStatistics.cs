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
    /// batch since the last reset. The variance is the unbiased or the biased batch variance, per UnbiasedRunningVariance.
    /// </summary>
    private void UpdateRunningStatistics(int batch, in Scratch s)
    {
        long count = (long)batch * SpatialLength;
        _batchesTracked++;
        T take = RunningStats == RunningStatsMode.Exponential
            ? T.CreateTruncating(1 - Momentum)
            : T.CreateTruncating(1.0 / _batchesTracked);
        T keep = RunningStats == RunningStatsMode.Exponential ? T.CreateTruncating(Momentum) : T.One - take;
        double varianceFactor = UnbiasedRunningVariance ? 1.0 / (count - 1) : 1.0 / count;
        FeatureMath.UpdateRunning<T>(RunningMean, RunningVariance, s.Pivot, s.Mean, s.M2, keep, take, varianceFactor);
    }
}
