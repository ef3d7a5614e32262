using System;

namespace NormGen.Generated;

/// <summary>
/// Exact collection (BeginCollect .. EndCollect): every training batch's per-feature count, mean and M2 are merged with
/// the Chan-Golub-LeVeque formula, in double and relative to the first batch's pivot so nothing cancels, and EndCollect
/// writes the statistics of all collected samples as if they had been one batch.
/// </summary>
public abstract partial class BatchNormCore<T>
{
    // Allocated by the first BeginCollect: layers that never collect do not carry them.
    private T[] _collectPivot = [];
    private double[] _collectMean = [];
    private double[] _collectM2 = [];
    private long _collectCount;
    private long _collectBatches = -1; // -1: not collecting

    /// <summary>True between BeginCollect and EndCollect.</summary>
    public bool IsCollecting => _collectBatches >= 0;

    /// <summary>
    /// Starts exact collection: the following training Forward calls merge every batch's per-feature count, mean and M2
    /// instead of updating the running statistics. Calling it again restarts the collection.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// RunningStats = None (there are no running statistics to collect into), or a training call is running on this layer
    /// on another thread.
    /// </exception>
    public void BeginCollect()
    {
        ThrowIfNoRunningStatistics();
        EnterTrainingCall(nameof(BeginCollect));
        try
        {
            if (_collectPivot.Length == 0)
            {
                _collectPivot = new T[FeatureCount];
                _collectMean = new double[FeatureCount];
                _collectM2 = new double[FeatureCount];
            }

            _collectCount = 0;
            _collectBatches = 0;
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    /// <summary>
    /// Ends collection: RunningMean and RunningVariance become the mean and variance (unbiased or biased, per
    /// UnbiasedRunningVariance) of every collected sample, and BatchesTracked the number of collected batches.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// RunningStats = None, BeginCollect was not called, too few samples were collected, or a training call is running
    /// on this layer on another thread; nothing changes.
    /// </exception>
    public void EndCollect()
    {
        ThrowIfNoRunningStatistics();
        EnterTrainingCall(nameof(EndCollect));
        try
        {
            if (_collectBatches < 0)
            {
                throw new InvalidOperationException($"{Name}: EndCollect without BeginCollect.");
            }

            long minimum = UnbiasedRunningVariance ? 2 : 1;
            if (_collectCount < minimum)
            {
                throw new InvalidOperationException(
                    $"{Name}: EndCollect needs at least {minimum} collected values per feature for the {(UnbiasedRunningVariance ? "unbiased" : "biased")} variance; got {_collectCount}. Run training Forward calls between BeginCollect and EndCollect.");
            }

            double varianceFactor = UnbiasedRunningVariance ? 1.0 / (_collectCount - 1) : 1.0 / _collectCount;
            for (int f = 0; f < FeatureCount; f++)
            {
                RunningMean[f] = T.CreateTruncating(double.CreateTruncating(_collectPivot[f]) + _collectMean[f]);
                RunningVariance[f] = T.CreateTruncating(_collectM2[f] * varianceFactor);
            }

            BatchesTracked = _collectBatches;
            _collectBatches = -1;
        }
        finally
        {
            ExitTrainingCall();
        }
    }

    private void CancelCollection() => _collectBatches = -1;

    private void ThrowIfNoRunningStatistics()
    {
        if (!KeepsRunningStatistics)
        {
            throw new InvalidOperationException(
                $"{Name}: the layer keeps no running statistics (RunningStats = None), so there is nothing to collect into; declare it with RunningStats = RunningStatsMode.Exponential or Cumulative.");
        }
    }

    /// <summary>Merges the statistics just computed, group by group (each group's values count once), into the collection.</summary>
    /// <param name="statistics">Each group's statistics.</param>
    /// <param name="count">Values per feature in one group.</param>
    private void CollectBatch(GroupStatistics statistics, long count)
    {
        for (int g = 0; g < statistics.Groups; g++)
        {
            ReadOnlySpan<T> pivot = OfGroup(statistics.Pivot, g);
            ReadOnlySpan<double> mean = OfGroup(statistics.Mean, g);
            ReadOnlySpan<double> m2 = OfGroup(statistics.M2, g);
            if (_collectCount == 0)
            {
                pivot.CopyTo(_collectPivot);
                mean.CopyTo(_collectMean);
                m2.CopyTo(_collectM2);
            }
            else
            {
                Moments.MergeShifted<T>(_collectMean, _collectM2, _collectCount, _collectPivot, mean, m2, count, pivot);
            }

            _collectCount += count;
        }

        _collectBatches++;
    }
}
