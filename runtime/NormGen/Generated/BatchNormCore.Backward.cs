using System;

namespace NormGen.Generated;

/// <summary>Backward: per group, the sums over its rows, the closed-form coefficients, then dx.</summary>
public abstract partial class BatchNormCore<T>
{
    private void BackwardGroups(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, int batch)
    {
        int groups = GroupsOf(batch);
        int rowsPerGroup = batch / groups;
        var work = new Work(_work, FeatureCount);

        // The statistics scratch is free after Forward: its first two groups' worth hold the sums of one group and the
        // parameter gradients of all of them, in double.
        Span<double> sumDy = _groupMean.AsSpan(0, FeatureCount);
        Span<double> sumDyCentered = _groupM2.AsSpan(0, FeatureCount);
        Span<double> gammaGrad = _groupMean.AsSpan(FeatureCount, FeatureCount);
        Span<double> betaGrad = _groupM2.AsSpan(FeatureCount, FeatureCount);
        gammaGrad.Clear();
        betaGrad.Clear();
        for (int g = 0; g < groups; g++)
        {
            int first = g * rowsPerGroup;
            int offset = g * FeatureCount;
            ReadOnlySpan<T> pivot = _pivot.AsSpan(offset, FeatureCount);
            ReadOnlySpan<T> centeredMean = _centeredMean.AsSpan(offset, FeatureCount);
            ReadOnlySpan<T> inverseStd = _inverseStd.AsSpan(offset, FeatureCount);
            FeatureMath.TrainingScaleShift<T>(Gamma, Beta, inverseStd, centeredMean, _renormScale, _renormShift, work.Scale, work.Shift);

            // Per-chunk sums of dy and dy * (x - pivot), added up in double.
            sumDy.Clear();
            sumDyCentered.Clear();
            for (int start = 0; start < rowsPerGroup; start += _rowsPerChunk)
            {
                int rows = Math.Min(_rowsPerChunk, rowsPerGroup - start);
                BackwardSums(Rows(x, first + start, rows), Rows(dy, first + start, rows), pivot, work.Scale, work.Shift, work.ChunkA, work.ChunkB);
                Moments.Add<T>(sumDy, work.ChunkA);
                Moments.Add<T>(sumDyCentered, work.ChunkB);
            }

            // The dy coefficient is Forward's scale (Gamma * invstd, times r with Renorm).
            FeatureMath.BackwardCoefficients<T>(
                sumDy, sumDyCentered, (double)rowsPerGroup * SpatialLength, inverseStd, centeredMean, work.Scale, _renormScale, _renormShift,
                gammaGrad, betaGrad, work.ChunkA, work.ChunkB);
            int length = rowsPerGroup * SampleLength;
            BackwardInput(
                Rows(x, first, rowsPerGroup), Rows(dy, first, rowsPerGroup), dx.Slice(first * SampleLength, length), pivot, work.Scale, work.Shift,
                work.Scale, work.ChunkA, work.ChunkB);
        }

        for (int f = 0; f < GammaGrad.Length; f++)
        {
            GammaGrad[f] = T.CreateTruncating(gammaGrad[f]);
            BetaGrad[f] = T.CreateTruncating(betaGrad[f]);
        }
    }
}
