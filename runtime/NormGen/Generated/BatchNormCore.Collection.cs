using System;

namespace NormGen.Generated;

/// <summary>
/// Exact collection (BeginCollect .. EndCollect): every training batch's per-feature count, mean and M2 are merged with
/// the Chan-Golub-LeVeque formula, relative to the first batch's pivot so nothing cancels, and EndCollect writes the
/// statistics of all collected samples as if they had been one batch.
/// </summary>
public abstract partial class BatchNormCore<T>
{
    // Allocated by the first BeginCollect: layers that never collect do not carry them.
    private T[] _collectPivot = [];
    private T[] _collectMean = [];
    private T[] _collectM2 = [];
    private long _collectCount;
    private long _collectBatches = -1; // -1: not collecting

    /// <summary>True between BeginCollect and EndCollect.</summary>
    public bool IsCollecting => _collectBatches >= 0;

    /// <summary>
    /// Starts exact collection: the following training Forward calls merge every batch's per-feature count, mean and M2
    /// instead of updating the running statistics. Calling it again restarts the collection.
    /// </summary>
    /// <exception cref="InvalidOperationException">RunningStats = None: there are no running statistics to collect into.</exception>
    public void BeginCollect()
    {
        ThrowIfNoRunningStatistics();
        if (_collectPivot.Length == 0)
        {
            _collectPivot = new T[FeatureCount];
            _collectMean = new T[FeatureCount];
            _collectM2 = new T[FeatureCount];
        }

        _collectCount = 0;
        _collectBatches = 0;
    }

    /// <summary>
    /// Ends collection: RunningMean and RunningVariance become the mean and variance (unbiased or biased, per
    /// UnbiasedRunningVariance) of every collected sample, and BatchesTracked the number of collected batches.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// RunningStats = None, BeginCollect was not called, or too few samples were collected; nothing changes.
    /// </exception>
    public void EndCollect()
    {
        ThrowIfNoRunningStatistics();
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

        T varianceFactor = T.CreateTruncating(UnbiasedRunningVariance ? 1.0 / (_collectCount - 1) : 1.0 / _collectCount);
        for (int f = 0; f < FeatureCount; f++)
        {
            RunningMean[f] = _collectPivot[f] + _collectMean[f];
            RunningVariance[f] = _collectM2[f] * varianceFactor;
        }

        BatchesTracked = _collectBatches;
        _collectBatches = -1;
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

    /// <summary>Merges the batch statistics of the last training Forward into the collection.</summary>
    private void CollectBatch(int batch)
    {
        long count = (long)batch * SpatialLength;
        if (_collectCount == 0)
        {
            _pivot.CopyTo(_collectPivot, 0);
            _centeredMean.CopyTo(_collectMean, 0);
            _batchM2.CopyTo(_collectM2, 0);
        }
        else
        {
            // The batch mean relative to the collection pivot: both differences are small and exact or nearly so.
            for (int f = 0; f < FeatureCount; f++)
            {
                _chunkMean[f] = (_pivot[f] - _collectPivot[f]) + _centeredMean[f];
            }

            double total = (double)_collectCount + count;
            Moments.MergeUnchecked<T>(
                _collectMean, _collectM2, _chunkMean, _batchM2, T.CreateTruncating(count / total), T.CreateTruncating(_collectCount / total * count));
        }

        _collectCount += count;
        _collectBatches++;
    }
}
