using System;

namespace NormGen.Generated;

/// <summary>Backward: per block the sums over its rows, per group the closed-form coefficients, then dx per block.</summary>
public abstract partial class BatchNormCore<T>
{
    private void BackwardGroups(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, int batch)
    {
        int groups = GroupsOf(batch);
        BlockPlan plan = PlanOf(batch, groups);
        EnsureScratch(plan);
        GroupScaleShift(groups, _centeredMean, _inverseStd, _groupScale, _groupShift);
        RunBlocks(Phase.BackwardSums, plan, x, dy, default);

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
            // The group's sums: its blocks', added in block order.
            sumDy.Clear();
            sumDyCentered.Clear();
            for (int block = g * plan.BlocksPerGroup; block < (g + 1) * plan.BlocksPerGroup; block++)
            {
                ReadOnlySpan<double> sums = _blockSums.AsSpan(block * 2 * FeatureCount, 2 * FeatureCount);
                Add(sumDy, sums.Slice(0, FeatureCount));
                Add(sumDyCentered, sums.Slice(FeatureCount, FeatureCount));
            }

            // The dy coefficient is Forward's scale (Gamma * invstd, times r with Renorm).
            FeatureMath.BackwardCoefficients<T>(
                sumDy, sumDyCentered, (double)plan.RowsPerGroup * SpatialLength, OfGroup<T>(_inverseStd, g), OfGroup<T>(_centeredMean, g),
                OfGroup<T>(_groupScale, g), _renormScale, _renormShift, gammaGrad, betaGrad, OfGroup<T>(_groupXCoefficient, g), OfGroup<T>(_groupBias, g));
        }

        for (int f = 0; f < GammaGrad.Length; f++)
        {
            GammaGrad[f] = T.CreateTruncating(gammaGrad[f]);
            BetaGrad[f] = T.CreateTruncating(betaGrad[f]);
        }

        RunBlocks(Phase.BackwardInput, plan, x, dy, dx);
    }

    private static void Add(Span<double> sums, ReadOnlySpan<double> values)
    {
        for (int f = 0; f < sums.Length; f++)
        {
            sums[f] += values[f];
        }
    }
}
