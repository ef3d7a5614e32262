using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NormGen.Generated;

/// <summary>
/// Vectorized kernels over one contiguous run of values that share their statistics (pivot, mean, inverse
/// standard deviation) but each have their own Gamma and Beta: a group of channels in group normalization
/// over (batch, Channels) input, where every value of the group is a different channel. Generated layers call
/// these with compile-time constant lengths; like <see cref="SegmentKernels"/> they are aggressively inlined
/// and do no checks. Values are taken relative to a pivot so nothing cancels.
/// </summary>
/// <remarks>Infrastructure for generated code, not for direct use: it may change in any release.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GroupKernels
{
    /// <summary>
    /// <c>y_i = ((x_i - pivot) - mean) * inverseStd * gamma_i + beta_i</c> for i in [0, length). y may be x itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AffineNormalize<T>(ref T x, ref T y, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd)
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
                (xhat * Vector.LoadUnsafe(ref gamma, (nuint)i) + Vector.LoadUnsafe(ref beta, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            T xhat = (Unsafe.Add(ref x, i) - pivot - mean) * inverseStd;
            Unsafe.Add(ref y, i) = xhat * Unsafe.Add(ref gamma, i) + Unsafe.Add(ref beta, i);
        }
    }

    /// <summary>
    /// The backward sums of one run with per-value Gamma. With <c>g_i = dy_i * gamma_i</c> and
    /// <c>xhat_i = ((x_i - pivot) - mean) * inverseStd</c>: returns sum(g); <paramref name="sumGCentered"/> receives
    /// sum(g * (x - pivot)); <c>dy_i * xhat_i</c> is added to gammaGrad_i and <c>dy_i</c> to betaGrad_i.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T AffineBackwardSums<T>(
        ref T x, ref T dy, ref T gamma, ref T gammaGrad, ref T betaGrad, nint length, T pivot, T mean, T inverseStd, out T sumGCentered)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        T sumG = T.Zero;
        sumGCentered = T.Zero;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var pivotVector = new Vector<T>(pivot);
            var meanVector = new Vector<T>(mean);
            var inverseStdVector = new Vector<T>(inverseStd);
            var sums = Vector<T>.Zero;
            var sumsCentered = Vector<T>.Zero;
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var centered = Vector.LoadUnsafe(ref x, (nuint)i) - pivotVector;
                var dyVector = Vector.LoadUnsafe(ref dy, (nuint)i);
                var g = dyVector * Vector.LoadUnsafe(ref gamma, (nuint)i);
                sums += g;
                sumsCentered += g * centered;
                var xhat = (centered - meanVector) * inverseStdVector;
                (Vector.LoadUnsafe(ref gammaGrad, (nuint)i) + dyVector * xhat).StoreUnsafe(ref gammaGrad, (nuint)i);
                (Vector.LoadUnsafe(ref betaGrad, (nuint)i) + dyVector).StoreUnsafe(ref betaGrad, (nuint)i);
            }

            sumG = Vector.Sum(sums);
            sumGCentered = Vector.Sum(sumsCentered);
        }

        for (; i < length; i++)
        {
            T centered = Unsafe.Add(ref x, i) - pivot;
            T dyValue = Unsafe.Add(ref dy, i);
            T g = dyValue * Unsafe.Add(ref gamma, i);
            sumG += g;
            sumGCentered += g * centered;
            Unsafe.Add(ref gammaGrad, i) += dyValue * ((centered - mean) * inverseStd);
            Unsafe.Add(ref betaGrad, i) += dyValue;
        }

        return sumG;
    }

    /// <summary>
    /// <c>dx_i = inverseStd * gamma_i * dy_i + xCoefficient * (x_i - pivot) + bias</c>. dx may be dy itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AffineBackwardInput<T>(ref T x, ref T dy, ref T dx, ref T gamma, nint length, T pivot, T inverseStd, T xCoefficient, T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var pivotVector = new Vector<T>(pivot);
            var inverseStdVector = new Vector<T>(inverseStd);
            var k = new Vector<T>(xCoefficient);
            var c = new Vector<T>(bias);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var centered = Vector.LoadUnsafe(ref x, (nuint)i) - pivotVector;
                var a = inverseStdVector * Vector.LoadUnsafe(ref gamma, (nuint)i);
                (a * Vector.LoadUnsafe(ref dy, (nuint)i) + k * centered + c).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            T centered = Unsafe.Add(ref x, i) - pivot;
            T a = inverseStd * Unsafe.Add(ref gamma, i);
            Unsafe.Add(ref dx, i) = a * Unsafe.Add(ref dy, i) + xCoefficient * centered + bias;
        }
    }
}
