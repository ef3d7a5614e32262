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
    /// From double statistics: <c>centeredMean = (T)meanOffset</c> and <c>inverseStd = (T)(1 / sqrt(m2 / count + epsilon))</c>.
    /// </summary>
    public static void FinishStatistics<T>(ReadOnlySpan<double> meanOffset, ReadOnlySpan<double> m2, double count, double epsilon, Span<T> centeredMean, Span<T> inverseStd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double inverseCount = 1 / count;
        for (int i = 0; i < meanOffset.Length; i++)
        {
            centeredMean[i] = T.CreateTruncating(meanOffset[i]);
            inverseStd[i] = T.CreateTruncating(1 / Math.Sqrt(m2[i] * inverseCount + epsilon));
        }
    }

    /// <summary>
    /// <c>runningMean = keep * runningMean + take * mean</c> and <c>runningVariance = keep * runningVariance + take * variance</c>,
    /// with the batch <c>mean = pivot + meanOffset</c> and <c>variance = m2 * varianceFactor</c> (varianceFactor 1/(N-1)
    /// unbiased or 1/N biased) rounded to the element type first, then blended in the element type as PyTorch does.
    /// Exponential: keep = Momentum; cumulative: keep = k/(k+1).
    /// </summary>
    public static void UpdateRunning<T>(
        Span<T> runningMean, Span<T> runningVariance, ReadOnlySpan<T> pivot, ReadOnlySpan<double> meanOffset, ReadOnlySpan<double> m2, T keep, T take, double varianceFactor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < runningMean.Length; i++)
        {
            T mean = T.CreateTruncating(double.CreateTruncating(pivot[i]) + meanOffset[i]);
            T variance = T.CreateTruncating(m2[i] * varianceFactor);
            runningMean[i] = keep * runningMean[i] + take * mean;
            runningVariance[i] = keep * runningVariance[i] + take * variance;
        }
    }

    /// <summary>
    /// Training normalization as one multiply-add per element, <c>y = (x - pivot) * scale + shift</c>:
    /// <c>scale = gamma * inverseStd</c>, <c>shift = beta - centeredMean * scale</c>. Empty gamma/beta mean 1 and 0.
    /// </summary>
    public static void TrainingScaleShift<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> inverseStd, ReadOnlySpan<T> centeredMean, Span<T> scale, Span<T> shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < scale.Length; i++)
        {
            T s = gamma.IsEmpty ? inverseStd[i] : gamma[i] * inverseStd[i];
            scale[i] = s;
            shift[i] = (beta.IsEmpty ? T.Zero : beta[i]) - centeredMean[i] * s;
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
        for (int i = 0; i < scale.Length; i++)
        {
            T inverseStd = T.One / T.Sqrt(runningVariance[i] + epsilon);
            scale[i] = gamma.IsEmpty ? inverseStd : gamma[i] * inverseStd;
            shift[i] = beta.IsEmpty ? T.Zero : beta[i];
        }
    }

    /// <summary>
    /// Turns the backward sums (in double) into parameter gradients and the coefficients of
    /// <c>dx = dyCoefficient * dy + xCoefficient * (x - pivot) + bias</c>, the closed form
    /// <c>dx = gamma * inverseStd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat))</c>.
    /// </summary>
    /// <param name="sumDy">Per feature, sum of dy (the masked dy under a fused ReLU).</param>
    /// <param name="sumDyCentered">Per feature, sum of dy * (x - pivot).</param>
    /// <param name="count">N: values per feature in the batch.</param>
    /// <param name="inverseStd">1 / sqrt(var + eps) from the training Forward.</param>
    /// <param name="centeredMean">Batch mean minus pivot.</param>
    /// <param name="dyCoefficient">gamma * inverseStd (inverseStd without Gamma): the training scale of Forward.</param>
    /// <param name="gammaGrad">Receives sum(dy * xhat), or empty to skip.</param>
    /// <param name="betaGrad">Receives sum(dy), or empty to skip.</param>
    /// <param name="xCoefficient">Receives -gamma * inverseStd^2 * mean(dy * xhat).</param>
    /// <param name="bias">Receives the constant term.</param>
    public static void BackwardCoefficients<T>(
        ReadOnlySpan<double> sumDy,
        ReadOnlySpan<double> sumDyCentered,
        double count,
        ReadOnlySpan<T> inverseStd,
        ReadOnlySpan<T> centeredMean,
        ReadOnlySpan<T> dyCoefficient,
        Span<T> gammaGrad,
        Span<T> betaGrad,
        Span<T> xCoefficient,
        Span<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double inverseCount = 1 / count;
        for (int i = 0; i < sumDy.Length; i++)
        {
            double invstd = double.CreateTruncating(inverseStd[i]);
            double mean = double.CreateTruncating(centeredMean[i]);
            double sumDyXhat = invstd * (sumDyCentered[i] - mean * sumDy[i]);
            if (!gammaGrad.IsEmpty)
            {
                gammaGrad[i] = T.CreateTruncating(sumDyXhat);
            }

            if (!betaGrad.IsEmpty)
            {
                betaGrad[i] = T.CreateTruncating(sumDy[i]);
            }

            double a = double.CreateTruncating(dyCoefficient[i]);
            double b = -a * invstd * sumDyXhat * inverseCount;
            xCoefficient[i] = T.CreateTruncating(b);
            bias[i] = T.CreateTruncating(-a * sumDy[i] * inverseCount - b * mean);
        }
    }
}
