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
        for (int i = 0; i < scale.Length; i++)
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
        for (int i = 0; i < scale.Length; i++)
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
        for (int i = 0; i < sumDy.Length; i++)
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
