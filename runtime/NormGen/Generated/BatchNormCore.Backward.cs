using System;

namespace NormGen.Generated;

/// <summary>Backward: per block the sums over its rows, per group the closed-form coefficients, then dx per block.</summary>
public abstract partial class BatchNormCore<T>
{
    /// <param name="x">The x of the last training Forward (with a worker group, this worker's shard; it may be empty).</param>
    /// <param name="dy">The gradient of the loss with respect to y.</param>
    /// <param name="dx">Receives the gradient with respect to x.</param>
    /// <param name="batch">Samples in x.</param>
    /// <param name="group">The worker group the Forward synchronized with, or null.</param>
    private void BackwardGroups(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, int batch, IWorkerGroup? group)
    {
        int groups = group is null ? GroupsOf(batch) : 1;
        BlockPlan plan = PlanOf(batch, groups);
        double count = group is null ? (double)plan.RowsPerGroup * SpatialLength : _forwardCount;
        EnsureScratch(plan);
        GroupScaleShift(groups, _centeredMean, _inverseStd, _groupScale, _groupShift);
        if (batch > 0)
        {
            RunBlocks(Phase.BackwardSums, plan, x, dy, default);
        }

        // The statistics scratch is free after Forward: its first two groups' worth hold one group's sums and the
        // parameter gradients of all of them, in double.
        Span<double> sumDy = _groupMean.AsSpan(0, FeatureCount);
        Span<double> sumDyCentered = _groupM2.AsSpan(0, FeatureCount);
        Span<double> gammaGrad = _groupMean.AsSpan(FeatureCount, FeatureCount);
        Span<double> betaGrad = _groupM2.AsSpan(FeatureCount, FeatureCount);
        gammaGrad.Clear();
        betaGrad.Clear();
        for (int g = 0; g < groups; g++)
        {
            // The group's sums: its blocks', added in block order. A group of one block (a small batch, or a ghost
            // batch of up to a block's rows) reads its block's sums where they are: the block's sums were added onto
            // +0, so they are never -0, and 0 + s is s: the same bits as adding them.
            ReadOnlySpan<double> groupSumDy = sumDy;
            ReadOnlySpan<double> groupSumDyCentered = sumDyCentered;
            if (plan.BlocksPerGroup == 1 && group is null)
            {
                ReadOnlySpan<double> sums = _blockSums.AsSpan(g * 2 * FeatureCount, 2 * FeatureCount);
                groupSumDy = sums.Slice(0, FeatureCount);
                groupSumDyCentered = sums.Slice(FeatureCount, FeatureCount);
            }
            else
            {
                sumDy.Clear();
                sumDyCentered.Clear();
                for (int block = g * plan.BlocksPerGroup; block < (g + 1) * plan.BlocksPerGroup; block++)
                {
                    ReadOnlySpan<double> sums = _blockSums.AsSpan(block * 2 * FeatureCount, 2 * FeatureCount);
                    FeatureVectors.Add(sumDy, sums.Slice(0, FeatureCount));
                    FeatureVectors.Add(sumDyCentered, sums.Slice(FeatureCount, FeatureCount));
                }

                // With a worker group, the whole batch's sums: every worker's, added in rank order.
                if (group is not null)
                {
                    SynchronizeBackwardSums(group, sumDy, sumDyCentered);
                }
            }

            // The dy coefficient is Forward's scale (Gamma * invstd, times r with Renorm).
            FeatureMath.BackwardCoefficients<T>(
                groupSumDy, groupSumDyCentered, count, OfGroup<T>(_inverseStd, g), OfGroup<T>(_centeredMean, g),
                OfGroup<T>(_groupScale, g), _renormScale, _renormShift, gammaGrad, betaGrad, OfGroup<T>(_groupXCoefficient, g), OfGroup<T>(_groupBias, g));
        }

        FeatureVectors.Round<T>(gammaGrad.Slice(0, GammaGrad.Length), GammaGrad);
        FeatureVectors.Round<T>(betaGrad.Slice(0, BetaGrad.Length), BetaGrad);

        if (batch > 0)
        {
            RunBlocks(Phase.BackwardInput, plan, x, dy, dx);
        }
    }
}
