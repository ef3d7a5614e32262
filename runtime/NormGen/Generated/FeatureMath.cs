using System;
using System.Numerics;

namespace NormGen.Generated;

/// <summary>
/// The per-feature (O(Features)) steps of batch normalization: finishing statistics, updating running statistics, and
/// turning them into the scale and shift the O(batch * Features) kernels apply. No checks: the callers are the cores,
/// which have validated every length once.
/// </summary>
/// <remarks>
/// Batch statistics are kept relative to a pivot (the batch's first sample) so that they never cancel, and accumulated
/// in double: <c>mean = pivot + meanOffset</c>, <c>variance = m2 / count</c>. They are rounded to the element type once,
/// here.
/// </remarks>
internal static class FeatureMath
{
    /// <summary>
    /// From double statistics: <c>centeredMean = (T)meanOffset</c> and <c>inverseStd = 1 / sqrt((T)(m2 / count + epsilon))</c>.
    /// The variance is rounded to T once and the square root and division are T's, as PyTorch computes invstd: for float,
    /// 8 lanes per instruction instead of 4 (double square roots and divisions cost more than the rest of a small batch's
    /// per-feature work).
    /// </summary>
    public static void FinishStatistics<T>(ReadOnlySpan<double> meanOffset, ReadOnlySpan<double> m2, double count, double epsilon, Span<T> centeredMean, Span<T> inverseStd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double inverseCount = 1 / count;
        int i = 0;
        var inverseCountVector = new Vector<double>(inverseCount);
        var epsilonVector = new Vector<double>(epsilon);
        for (int vectorLength = FeatureVectors.VectorLength(meanOffset.Length); i < vectorLength; i += FeatureVectors.Step)
        {
            FeatureVectors.Load(m2, i, out var m2Low, out var m2High);
            FeatureVectors.Store(inverseStd, i, m2Low * inverseCountVector + epsilonVector, m2High * inverseCountVector + epsilonVector);
        }

        FeatureVectors.Round(meanOffset.Slice(0, i), centeredMean);
        for (int v = 0; v < i; v += Vector<T>.Count)
        {
            (Vector<T>.One / Vector.SquareRoot(new Vector<T>(inverseStd.Slice(v)))).CopyTo(inverseStd.Slice(v));
        }

        for (; i < meanOffset.Length; i++)
        {
            centeredMean[i] = T.CreateTruncating(meanOffset[i]);
            inverseStd[i] = T.One / T.Sqrt(T.CreateTruncating(m2[i] * inverseCount + epsilon));
        }
    }

    /// <summary>
    /// Training normalization as one multiply-add per element, <c>y = (x - pivot) * scale + shift</c>:
    /// <c>scale = gamma * inverseStd * r</c>, <c>shift = beta + gamma * d - centeredMean * scale</c>, where r and d are
    /// batch renormalization's correction. Empty gamma/beta mean 1 and 0; empty r/d mean 1 and 0 (plain batch norm, the
    /// same bits as without them).
    /// </summary>
    public static void TrainingScaleShift<T>(
        ReadOnlySpan<T> gamma,
        ReadOnlySpan<T> beta,
        ReadOnlySpan<T> inverseStd,
        ReadOnlySpan<T> centeredMean,
        ReadOnlySpan<T> renormScale,
        ReadOnlySpan<T> renormShift,
        Span<T> scale,
        Span<T> shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Vector<T> does the scalar form's operations in its order, so the tail gets the same bits.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= scale.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = gamma.IsEmpty ? Vector<T>.One : new Vector<T>(gamma.Slice(i));
                var s = gamma.IsEmpty ? new Vector<T>(inverseStd.Slice(i)) : g * new Vector<T>(inverseStd.Slice(i));
                var b = beta.IsEmpty ? Vector<T>.Zero : new Vector<T>(beta.Slice(i));
                if (!renormScale.IsEmpty)
                {
                    s *= new Vector<T>(renormScale.Slice(i));
                    b += g * new Vector<T>(renormShift.Slice(i));
                }

                s.CopyTo(scale.Slice(i));
                (b - new Vector<T>(centeredMean.Slice(i)) * s).CopyTo(shift.Slice(i));
            }
        }

        for (; i < scale.Length; i++)
        {
            T g = gamma.IsEmpty ? T.One : gamma[i];
            T s = gamma.IsEmpty ? inverseStd[i] : g * inverseStd[i];
            T b = beta.IsEmpty ? T.Zero : beta[i];
            if (!renormScale.IsEmpty)
            {
                s *= renormScale[i];
                b += g * renormShift[i];
            }

            scale[i] = s;
            shift[i] = b - centeredMean[i] * s;
        }
    }

    /// <summary>
    /// Inference normalization, <c>y = (x - runningMean) * scale + shift</c>:
    /// <c>scale = gamma / sqrt(runningVariance + epsilon)</c>, <c>shift = beta</c>. Empty gamma/beta mean 1 and 0.
    /// </summary>
    public static void InferenceScaleShift<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> runningVariance, T epsilon, Span<T> scale, Span<T> shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var epsilonVector = new Vector<T>(epsilon);
            for (; i <= scale.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var inverseStd = Vector<T>.One / Vector.SquareRoot(new Vector<T>(runningVariance.Slice(i)) + epsilonVector);
                (gamma.IsEmpty ? inverseStd : new Vector<T>(gamma.Slice(i)) * inverseStd).CopyTo(scale.Slice(i));
                (beta.IsEmpty ? Vector<T>.Zero : new Vector<T>(beta.Slice(i))).CopyTo(shift.Slice(i));
            }
        }

        for (; i < scale.Length; i++)
        {
            T inverseStd = T.One / T.Sqrt(runningVariance[i] + epsilon);
            scale[i] = gamma.IsEmpty ? inverseStd : gamma[i] * inverseStd;
            shift[i] = beta.IsEmpty ? T.Zero : beta[i];
        }
    }

    /// <summary>
    /// Turns one group's backward sums (in double) into its parameter gradients, added to double accumulators, and the
    /// coefficients of <c>dx = dyCoefficient * dy + xCoefficient * (x - pivot) + bias</c>, the closed form
    /// <c>dx = gamma * inverseStd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat))</c> (times r with batch
    /// renormalization, whose <c>dyCoefficient</c> already holds it; GammaGrad then gets <c>r * sum(dy * xhat) + d * sum(dy)</c>).
    /// </summary>
    /// <param name="sumDy">Per feature, sum of dy (the masked dy under a fused ReLU).</param>
    /// <param name="sumDyCentered">Per feature, sum of dy * (x - pivot).</param>
    /// <param name="count">N: values per feature in the batch.</param>
    /// <param name="inverseStd">1 / sqrt(var + eps) from the training Forward.</param>
    /// <param name="centeredMean">Batch mean minus pivot.</param>
    /// <param name="dyCoefficient">The training scale of Forward: gamma * inverseStd (times r with batch renormalization).</param>
    /// <param name="renormScale">Batch renormalization's r, or empty.</param>
    /// <param name="renormShift">Batch renormalization's d, or empty.</param>
    /// <param name="gammaGrad">Gets sum(dy * xhat) (or its renormalized form) added.</param>
    /// <param name="betaGrad">Gets sum(dy) added.</param>
    /// <param name="xCoefficient">Receives -gamma * inverseStd^2 * mean(dy * xhat).</param>
    /// <param name="bias">Receives the constant term.</param>
    public static void BackwardCoefficients<T>(
        ReadOnlySpan<double> sumDy,
        ReadOnlySpan<double> sumDyCentered,
        double count,
        ReadOnlySpan<T> inverseStd,
        ReadOnlySpan<T> centeredMean,
        ReadOnlySpan<T> dyCoefficient,
        ReadOnlySpan<T> renormScale,
        ReadOnlySpan<T> renormShift,
        Span<double> gammaGrad,
        Span<double> betaGrad,
        Span<T> xCoefficient,
        Span<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double inverseCount = 1 / count;
        int i = 0;
        var inverseCountVector = new Vector<double>(inverseCount);
        for (int vectorLength = FeatureVectors.VectorLength(sumDy.Length); i < vectorLength; i += FeatureVectors.Step)
        {
            FeatureVectors.Load(sumDy, i, out var sumDyLow, out var sumDyHigh);
            FeatureVectors.Load(sumDyCentered, i, out var sumDyCenteredLow, out var sumDyCenteredHigh);
            FeatureVectors.Load(inverseStd, i, out var invstdLow, out var invstdHigh);
            FeatureVectors.Load(centeredMean, i, out var meanLow, out var meanHigh);
            FeatureVectors.Load(dyCoefficient, i, out var aLow, out var aHigh);
            var sumDyXhatLow = invstdLow * (sumDyCenteredLow - meanLow * sumDyLow);
            var sumDyXhatHigh = invstdHigh * (sumDyCenteredHigh - meanHigh * sumDyHigh);

            FeatureVectors.Load<double>(gammaGrad, i, out var gammaGradLow, out var gammaGradHigh);
            if (renormScale.IsEmpty)
            {
                gammaGradLow += sumDyXhatLow;
                gammaGradHigh += sumDyXhatHigh;
            }
            else
            {
                FeatureVectors.Load(renormScale, i, out var rLow, out var rHigh);
                FeatureVectors.Load(renormShift, i, out var dLow, out var dHigh);
                gammaGradLow += rLow * sumDyXhatLow + dLow * sumDyLow;
                gammaGradHigh += rHigh * sumDyXhatHigh + dHigh * sumDyHigh;
            }

            FeatureVectors.Store(gammaGrad, i, gammaGradLow, gammaGradHigh);
            FeatureVectors.Load<double>(betaGrad, i, out var betaGradLow, out var betaGradHigh);
            FeatureVectors.Store(betaGrad, i, betaGradLow + sumDyLow, betaGradHigh + sumDyHigh);

            var bLow = -aLow * invstdLow * sumDyXhatLow * inverseCountVector;
            var bHigh = -aHigh * invstdHigh * sumDyXhatHigh * inverseCountVector;
            FeatureVectors.Store(xCoefficient, i, bLow, bHigh);
            FeatureVectors.Store(bias, i, -aLow * sumDyLow * inverseCountVector - bLow * meanLow, -aHigh * sumDyHigh * inverseCountVector - bHigh * meanHigh);
        }

        for (; i < sumDy.Length; i++)
        {
            double invstd = double.CreateTruncating(inverseStd[i]);
            double mean = double.CreateTruncating(centeredMean[i]);
            double sumDyXhat = invstd * (sumDyCentered[i] - mean * sumDy[i]);
            gammaGrad[i] += renormScale.IsEmpty
                ? sumDyXhat
                : double.CreateTruncating(renormScale[i]) * sumDyXhat + double.CreateTruncating(renormShift[i]) * sumDy[i];
            betaGrad[i] += sumDy[i];

            double a = double.CreateTruncating(dyCoefficient[i]);
            double b = -a * invstd * sumDyXhat * inverseCount;
            xCoefficient[i] = T.CreateTruncating(b);
            bias[i] = T.CreateTruncating(-a * sumDy[i] * inverseCount - b * mean);
        }
    }
}
