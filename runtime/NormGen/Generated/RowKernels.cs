using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NormGen.Generated;

/// <summary>
/// Vectorized kernels over one sample's row of features that share per-row statistics but each have their own
/// Gamma (and Beta): layer normalization and RMS normalization, where a row is Features contiguous values.
/// The row statistics themselves come from <see cref="SegmentKernels"/>. Generated layers call these with the
/// compile-time constant length Features; they are aggressively inlined so the JIT folds the length and the
/// <c>relu</c> flag. No checks: callers validate every length once.
/// </summary>
/// <remarks>
/// Layer norm: <c>xhat_i = ((x_i - pivot) - mean) * inverseStd</c>, where pivot is a value of the row (its first)
/// and mean is the row mean relative to it, so nothing cancels. RMS norm: <c>xhat_i = x_i * inverseRms</c>.
/// Under a fused ReLU, <c>dy'</c> is dy where the output was positive and 0 elsewhere; otherwise dy' = dy.
/// </remarks>
/// <remarks>Infrastructure for generated code, not for direct use: it may change in any release.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RowKernels
{
    /// <summary>
    /// <c>y_i = xhat_i * gamma_i + beta_i</c>, or its ReLU when <paramref name="relu"/>, for i in [0, length).
    /// y may be x itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AffineNormalize<T>(ref T x, ref T y, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var pivotVector = new Vector<T>(pivot);
            var meanVector = new Vector<T>(mean);
            var inverseStdVector = new Vector<T>(inverseStd);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var xhat = (Vector.LoadUnsafe(ref x, (nuint)i) - pivotVector - meanVector) * inverseStdVector;
                var value = xhat * Vector.LoadUnsafe(ref gamma, (nuint)i) + Vector.LoadUnsafe(ref beta, (nuint)i);
                (relu ? Vector.Max(value, Vector<T>.Zero) : value).StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            T xhat = (Unsafe.Add(ref x, i) - pivot - mean) * inverseStd;
            T value = xhat * Unsafe.Add(ref gamma, i) + Unsafe.Add(ref beta, i);
            Unsafe.Add(ref y, i) = relu ? T.Max(value, T.Zero) : value;
        }
    }

    /// <summary>
    /// The backward sums of one layer-norm row. With <c>g_i = dy'_i * gamma_i</c>: returns sum(g);
    /// <paramref name="sumGXhat"/> receives sum(g * xhat); <c>dy'_i * xhat_i</c> is added to gammaGrad_i and
    /// <c>dy'_i</c> to betaGrad_i (so callers clear them once and accumulate over the batch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T AffineBackwardSums<T>(
        ref T x, ref T dy, ref T gamma, ref T beta, ref T gammaGrad, ref T betaGrad, nint length, T pivot, T mean, T inverseStd, bool relu, out T sumGXhat)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        T sumG = T.Zero;
        sumGXhat = T.Zero;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var pivotVector = new Vector<T>(pivot);
            var meanVector = new Vector<T>(mean);
            var inverseStdVector = new Vector<T>(inverseStd);
            var sums = Vector<T>.Zero;
            var sumsXhat = Vector<T>.Zero;
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var xhat = (Vector.LoadUnsafe(ref x, (nuint)i) - pivotVector - meanVector) * inverseStdVector;
                var gammaVector = Vector.LoadUnsafe(ref gamma, (nuint)i);
                var dyVector = Vector.LoadUnsafe(ref dy, (nuint)i);
                if (relu)
                {
                    var output = xhat * gammaVector + Vector.LoadUnsafe(ref beta, (nuint)i);
                    dyVector = Vector.ConditionalSelect(Vector.GreaterThan(output, Vector<T>.Zero), dyVector, Vector<T>.Zero);
                }

                var g = dyVector * gammaVector;
                sums += g;
                sumsXhat += g * xhat;
                (Vector.LoadUnsafe(ref gammaGrad, (nuint)i) + dyVector * xhat).StoreUnsafe(ref gammaGrad, (nuint)i);
                (Vector.LoadUnsafe(ref betaGrad, (nuint)i) + dyVector).StoreUnsafe(ref betaGrad, (nuint)i);
            }

            sumG = Vector.Sum(sums);
            sumGXhat = Vector.Sum(sumsXhat);
        }

        for (; i < length; i++)
        {
            T xhat = (Unsafe.Add(ref x, i) - pivot - mean) * inverseStd;
            T gammaValue = Unsafe.Add(ref gamma, i);
            T dyValue = !relu || xhat * gammaValue + Unsafe.Add(ref beta, i) > T.Zero ? Unsafe.Add(ref dy, i) : T.Zero;
            T g = dyValue * gammaValue;
            sumG += g;
            sumGXhat += g * xhat;
            Unsafe.Add(ref gammaGrad, i) += dyValue * xhat;
            Unsafe.Add(ref betaGrad, i) += dyValue;
        }

        return sumG;
    }

    /// <summary>
    /// <c>dx_i = inverseStd * (g_i + xhatCoefficient * xhat_i + bias)</c> with <c>g_i = dy'_i * gamma_i</c>; for layer norm,
    /// xhatCoefficient = -sum(g * xhat) / length and bias = -sum(g) / length. dx may be dy itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AffineBackwardInput<T>(
        ref T x, ref T dy, ref T dx, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu, T xhatCoefficient, T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var pivotVector = new Vector<T>(pivot);
            var meanVector = new Vector<T>(mean);
            var inverseStdVector = new Vector<T>(inverseStd);
            var k = new Vector<T>(xhatCoefficient);
            var c = new Vector<T>(bias);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var xhat = (Vector.LoadUnsafe(ref x, (nuint)i) - pivotVector - meanVector) * inverseStdVector;
                var gammaVector = Vector.LoadUnsafe(ref gamma, (nuint)i);
                var dyVector = Vector.LoadUnsafe(ref dy, (nuint)i);
                if (relu)
                {
                    var output = xhat * gammaVector + Vector.LoadUnsafe(ref beta, (nuint)i);
                    dyVector = Vector.ConditionalSelect(Vector.GreaterThan(output, Vector<T>.Zero), dyVector, Vector<T>.Zero);
                }

                (inverseStdVector * (dyVector * gammaVector + k * xhat + c)).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            T xhat = (Unsafe.Add(ref x, i) - pivot - mean) * inverseStd;
            T gammaValue = Unsafe.Add(ref gamma, i);
            T dyValue = !relu || xhat * gammaValue + Unsafe.Add(ref beta, i) > T.Zero ? Unsafe.Add(ref dy, i) : T.Zero;
            Unsafe.Add(ref dx, i) = inverseStd * (dyValue * gammaValue + xhatCoefficient * xhat + bias);
        }
    }

    /// <summary><c>y_i = x_i * inverseRms * gamma_i</c> for i in [0, length). y may be x itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleNormalize<T>(ref T x, ref T y, ref T gamma, nint length, T inverseRms)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var inverseRmsVector = new Vector<T>(inverseRms);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (Vector.LoadUnsafe(ref x, (nuint)i) * inverseRmsVector * Vector.LoadUnsafe(ref gamma, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref y, i) = Unsafe.Add(ref x, i) * inverseRms * Unsafe.Add(ref gamma, i);
        }
    }

    /// <summary>
    /// The backward sums of one RMS-norm row: returns sum(dy * gamma * xhat) and adds <c>dy_i * xhat_i</c>
    /// to gammaGrad_i, where <c>xhat_i = x_i * inverseRms</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ScaleBackwardSums<T>(ref T x, ref T dy, ref T gamma, ref T gammaGrad, nint length, T inverseRms)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        T sumGXhat = T.Zero;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var inverseRmsVector = new Vector<T>(inverseRms);
            var sums = Vector<T>.Zero;
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var xhat = Vector.LoadUnsafe(ref x, (nuint)i) * inverseRmsVector;
                var dyVector = Vector.LoadUnsafe(ref dy, (nuint)i);
                var dyXhat = dyVector * xhat;
                sums += dyXhat * Vector.LoadUnsafe(ref gamma, (nuint)i);
                (Vector.LoadUnsafe(ref gammaGrad, (nuint)i) + dyXhat).StoreUnsafe(ref gammaGrad, (nuint)i);
            }

            sumGXhat = Vector.Sum(sums);
        }

        for (; i < length; i++)
        {
            T dyXhat = Unsafe.Add(ref dy, i) * (Unsafe.Add(ref x, i) * inverseRms);
            sumGXhat += dyXhat * Unsafe.Add(ref gamma, i);
            Unsafe.Add(ref gammaGrad, i) += dyXhat;
        }

        return sumGXhat;
    }

    /// <summary>
    /// <c>dx_i = inverseRms * (dy_i * gamma_i + xhatCoefficient * xhat_i)</c>, with <c>xhat_i = x_i * inverseRms</c>; for RMS
    /// norm, xhatCoefficient = -sum(dy * gamma * xhat) / length. dx may be dy itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleBackwardInput<T>(ref T x, ref T dy, ref T dx, ref T gamma, nint length, T inverseRms, T xhatCoefficient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var inverseRmsVector = new Vector<T>(inverseRms);
            var k = new Vector<T>(xhatCoefficient);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var xhat = Vector.LoadUnsafe(ref x, (nuint)i) * inverseRmsVector;
                var g = Vector.LoadUnsafe(ref dy, (nuint)i) * Vector.LoadUnsafe(ref gamma, (nuint)i);
                (inverseRmsVector * (g + k * xhat)).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            T xhat = Unsafe.Add(ref x, i) * inverseRms;
            Unsafe.Add(ref dx, i) = inverseRms * (Unsafe.Add(ref dy, i) * Unsafe.Add(ref gamma, i) + xhatCoefficient * xhat);
        }
    }
}
