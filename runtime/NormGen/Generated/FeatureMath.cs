using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NormGen.Generated;

/// <summary>
/// The per-feature (O(Features)) steps of batch normalization that every generated layer shares:
/// finishing statistics, updating running statistics, and turning them into the scale and shift the
/// O(batch * Features) kernels apply. Vectorized with <see cref="Vector{T}"/>; no checks (the callers are
/// generated code that has validated every length once).
/// </summary>
/// <remarks>
/// Statistics are kept relative to a pivot (the batch's first sample) so that they never cancel:
/// <c>mean = pivot + centeredMean</c>, <c>variance = m2 / count</c>.
/// </remarks>
internal static class FeatureMath
{
    /// <summary><c>inverseStd = 1 / sqrt(m2 * inverseCount + epsilon)</c>.</summary>
    public static void InverseStd<T>(ReadOnlySpan<T> m2, T inverseCount, T epsilon, Span<T> inverseStd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T m2Ref = ref MemoryMarshal.GetReference(m2);
        ref T outRef = ref MemoryMarshal.GetReference(inverseStd);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var inverseCountVector = new Vector<T>(inverseCount);
            var epsilonVector = new Vector<T>(epsilon);
            for (; i <= m2.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var variance = Vector.LoadUnsafe(ref m2Ref, (nuint)i) * inverseCountVector + epsilonVector;
                (Vector<T>.One / Vector.SquareRoot(variance)).StoreUnsafe(ref outRef, (nuint)i);
            }
        }

        for (; i < m2.Length; i++)
        {
            Unsafe.Add(ref outRef, i) = T.One / T.Sqrt(Unsafe.Add(ref m2Ref, i) * inverseCount + epsilon);
        }
    }

    /// <summary>
    /// <c>runningMean = keep * runningMean + take * (pivot + centeredMean)</c> and
    /// <c>runningVariance = keep * runningVariance + take * m2 * varianceFactor</c>, where varianceFactor is
    /// 1/(N-1) (unbiased) or 1/N (biased). Exponential: keep = Momentum; cumulative: keep = k/(k+1).
    /// </summary>
    public static void UpdateRunning<T>(
        Span<T> runningMean, Span<T> runningVariance, ReadOnlySpan<T> pivot, ReadOnlySpan<T> centeredMean, ReadOnlySpan<T> m2, T keep, T take, T varianceFactor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < runningMean.Length; i++)
        {
            runningMean[i] = keep * runningMean[i] + take * (pivot[i] + centeredMean[i]);
            runningVariance[i] = keep * runningVariance[i] + take * (m2[i] * varianceFactor);
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
    /// Turns the backward sums into parameter gradients and the coefficients of
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
    /// <param name="xCoefficient">Receives -gamma * inverseStd^2 * mean(dy * xhat); may be sumDyCentered itself.</param>
    /// <param name="bias">Receives the constant term; may be sumDy itself.</param>
    public static void BackwardCoefficients<T>(
        ReadOnlySpan<T> sumDy,
        ReadOnlySpan<T> sumDyCentered,
        T count,
        ReadOnlySpan<T> inverseStd,
        ReadOnlySpan<T> centeredMean,
        ReadOnlySpan<T> dyCoefficient,
        Span<T> gammaGrad,
        Span<T> betaGrad,
        Span<T> xCoefficient,
        Span<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T inverseCount = T.One / count;
        for (int i = 0; i < sumDy.Length; i++)
        {
            T sumDyValue = sumDy[i];
            T sumDyXhat = inverseStd[i] * (sumDyCentered[i] - centeredMean[i] * sumDyValue);
            if (!gammaGrad.IsEmpty)
            {
                gammaGrad[i] = sumDyXhat;
            }

            if (!betaGrad.IsEmpty)
            {
                betaGrad[i] = sumDyValue;
            }

            T a = dyCoefficient[i];
            T b = -a * inverseStd[i] * sumDyXhat * inverseCount;
            xCoefficient[i] = b;
            bias[i] = -a * sumDyValue * inverseCount - b * centeredMean[i];
        }
    }
}
