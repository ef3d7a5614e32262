using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NormGen.Generated;

/// <summary>The kernels with a per-value Gamma and no centering: RMS norm, <c>xhat_i = x_i * inverseRms</c>.</summary>
public static partial class RowKernels
{
    /// <summary><c>y_i = x_i * inverseRms * gamma_i</c> for i in [0, length). y may be x itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleNormalize<T>(ref T x, ref T y, ref T gamma, nint length, T inverseRms, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (streaming == StreamMode.NonTemporal && NonTemporal.IsSupported && ScaleNormalizeNonTemporal(ref x, ref y, ref gamma, length, inverseRms))
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                ScaleNormalizePaired(ref x, ref y, ref gamma, length, inverseRms);
                return;
            }

            ScaleNormalize<T, Width512<T>, Vector512<T>>(ref x, ref y, ref gamma, length, inverseRms);
            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            ScaleNormalize<T, Width256<T>, Vector256<T>>(ref x, ref y, ref gamma, length, inverseRms);
            return;
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            ScaleNormalize<T, Width128<T>, Vector128<T>>(ref x, ref y, ref gamma, length, inverseRms);
            return;
        }

        for (nint i = 0; i < length; i++)
        {
            Unsafe.Add(ref y, i) = Unsafe.Add(ref x, i) * inverseRms * Unsafe.Add(ref gamma, i);
        }
    }

    /// <summary>
    /// The backward sums of one RMS-norm row: returns sum(dy * gamma * xhat) and adds <c>dy_i * xhat_i</c>
    /// to gammaGrad_i, where <c>xhat_i = x_i * inverseRms</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ScaleBackwardSums<T>(ref T x, ref T dy, ref T gamma, ref T gammaGrad, nint length, T inverseRms, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                return ScaleBackwardSumsPaired(ref x, ref dy, ref gamma, ref gammaGrad, length, inverseRms);
            }

            return ScaleBackwardSums<T, Width512<T>, Vector512<T>>(ref x, ref dy, ref gamma, ref gammaGrad, length, inverseRms);
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            return ScaleBackwardSums<T, Width256<T>, Vector256<T>>(ref x, ref dy, ref gamma, ref gammaGrad, length, inverseRms);
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            return ScaleBackwardSums<T, Width128<T>, Vector128<T>>(ref x, ref dy, ref gamma, ref gammaGrad, length, inverseRms);
        }

        T sumGXhat = T.Zero;
        for (nint i = 0; i < length; i++)
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
    public static void ScaleBackwardInput<T>(ref T x, ref T dy, ref T dx, ref T gamma, nint length, T inverseRms, T xhatCoefficient, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (streaming == StreamMode.NonTemporal && NonTemporal.IsSupported && ScaleBackwardInputNonTemporal(ref x, ref dy, ref dx, ref gamma, length, inverseRms, xhatCoefficient))
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                ScaleBackwardInputPaired(ref x, ref dy, ref dx, ref gamma, length, inverseRms, xhatCoefficient);
                return;
            }

            ScaleBackwardInput<T, Width512<T>, Vector512<T>>(ref x, ref dy, ref dx, ref gamma, length, inverseRms, xhatCoefficient);
            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            ScaleBackwardInput<T, Width256<T>, Vector256<T>>(ref x, ref dy, ref dx, ref gamma, length, inverseRms, xhatCoefficient);
            return;
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            ScaleBackwardInput<T, Width128<T>, Vector128<T>>(ref x, ref dy, ref dx, ref gamma, length, inverseRms, xhatCoefficient);
            return;
        }

        for (nint i = 0; i < length; i++)
        {
            T xhat = Unsafe.Add(ref x, i) * inverseRms;
            Unsafe.Add(ref dx, i) = inverseRms * (Unsafe.Add(ref dy, i) * Unsafe.Add(ref gamma, i) + xhatCoefficient * xhat);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleNormalize<T, TWidth, TVector>(ref T x, ref T y, ref T gamma, nint length, T inverseRms)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector r = TWidth.Create(inverseRms);
        nint last = length - lanes;

        // Loaded before y, which may be x, is written: the last vector may overlap the one before it.
        TVector lastX = TWidth.Load(ref x, last);
        for (nint i = 0; i < last; i += lanes)
        {
            TWidth.Store(TWidth.Multiply(TWidth.Multiply(TWidth.Load(ref x, i), r), TWidth.Load(ref gamma, i)), ref y, i);
        }

        TWidth.Store(TWidth.Multiply(TWidth.Multiply(lastX, r), TWidth.Load(ref gamma, last)), ref y, last);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ScaleBackwardSums<T, TWidth, TVector>(ref T x, ref T dy, ref T gamma, ref T gammaGrad, nint length, T inverseRms)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector r = TWidth.Create(inverseRms);
        TVector sum0 = TWidth.Zero, sum1 = TWidth.Zero;
        nint i = 0;
        for (; i <= length - 2 * lanes; i += 2 * lanes)
        {
            TVector dyXhat0 = TWidth.Multiply(TWidth.Load(ref dy, i), TWidth.Multiply(TWidth.Load(ref x, i), r));
            TVector dyXhat1 = TWidth.Multiply(TWidth.Load(ref dy, i + lanes), TWidth.Multiply(TWidth.Load(ref x, i + lanes), r));
            sum0 = TWidth.Add(sum0, TWidth.Multiply(dyXhat0, TWidth.Load(ref gamma, i)));
            sum1 = TWidth.Add(sum1, TWidth.Multiply(dyXhat1, TWidth.Load(ref gamma, i + lanes)));
            TWidth.Store(TWidth.Add(TWidth.Load(ref gammaGrad, i), dyXhat0), ref gammaGrad, i);
            TWidth.Store(TWidth.Add(TWidth.Load(ref gammaGrad, i + lanes), dyXhat1), ref gammaGrad, i + lanes);
        }

        if (i <= length - lanes)
        {
            TVector dyXhat = TWidth.Multiply(TWidth.Load(ref dy, i), TWidth.Multiply(TWidth.Load(ref x, i), r));
            sum0 = TWidth.Add(sum0, TWidth.Multiply(dyXhat, TWidth.Load(ref gamma, i)));
            TWidth.Store(TWidth.Add(TWidth.Load(ref gammaGrad, i), dyXhat), ref gammaGrad, i);
            i += lanes;
        }

        if (i < length)
        {
            // The last vector overlaps values already counted: its first lanes add 0 to the sum and to gammaGrad.
            nint last = length - lanes;
            TVector dyXhat = TWidth.LastLanes(TWidth.Multiply(TWidth.Load(ref dy, last), TWidth.Multiply(TWidth.Load(ref x, last), r)), length - i);
            sum1 = TWidth.Add(sum1, TWidth.Multiply(dyXhat, TWidth.Load(ref gamma, last)));
            TWidth.Store(TWidth.Add(TWidth.Load(ref gammaGrad, last), dyXhat), ref gammaGrad, last);
        }

        return TWidth.Sum(TWidth.Add(sum0, sum1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleBackwardInput<T, TWidth, TVector>(ref T x, ref T dy, ref T dx, ref T gamma, nint length, T inverseRms, T xhatCoefficient)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector r = TWidth.Create(inverseRms), k = TWidth.Create(xhatCoefficient);
        nint last = length - lanes;

        // Loaded before dx, which may be dy, is written: the last vector may overlap the one before it.
        TVector lastDy = TWidth.Load(ref dy, last);
        for (nint i = 0; i < last; i += lanes)
        {
            TVector xhat = TWidth.Multiply(TWidth.Load(ref x, i), r);
            TVector g = TWidth.Multiply(TWidth.Load(ref dy, i), TWidth.Load(ref gamma, i));
            TWidth.Store(TWidth.Multiply(r, TWidth.Add(g, TWidth.Multiply(k, xhat))), ref dx, i);
        }

        TVector lastXhat = TWidth.Multiply(TWidth.Load(ref x, last), r);
        TVector lastG = TWidth.Multiply(lastDy, TWidth.Load(ref gamma, last));
        TWidth.Store(TWidth.Multiply(r, TWidth.Add(lastG, TWidth.Multiply(k, lastXhat))), ref dx, last);
    }

    /// <summary><see cref="ScaleBackwardInput{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScaleBackwardInputPaired<T>(ref T x, ref T dy, ref T dx, ref T gamma, nint length, T inverseRms, T xhatCoefficient)
        where T : unmanaged, IFloatingPointIeee754<T> => ScaleBackwardInput<T, Width256Pair<T>, Vector256Pair<T>>(ref x, ref dy, ref dx, ref gamma, length, inverseRms, xhatCoefficient);

    /// <summary><see cref="ScaleBackwardSums{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T ScaleBackwardSumsPaired<T>(ref T x, ref T dy, ref T gamma, ref T gammaGrad, nint length, T inverseRms)
        where T : unmanaged, IFloatingPointIeee754<T> => ScaleBackwardSums<T, Width256Pair<T>, Vector256Pair<T>>(ref x, ref dy, ref gamma, ref gammaGrad, length, inverseRms);

    /// <summary><see cref="ScaleNormalize{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScaleNormalizePaired<T>(ref T x, ref T y, ref T gamma, nint length, T inverseRms)
        where T : unmanaged, IFloatingPointIeee754<T> => ScaleNormalize<T, Width256Pair<T>, Vector256Pair<T>>(ref x, ref y, ref gamma, length, inverseRms);

    /// <summary>
    /// <see cref="ScaleNormalize{T}"/> with the run's aligned body written by non-temporal stores (<see cref="NonTemporal"/>);
    /// false, with nothing written, when the run has no such body.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe bool ScaleNormalizeNonTemporal<T>(ref T x, ref T y, ref T gamma, nint length, T inverseRms)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* destination = &y)
        {
            if (!NonTemporal.Split(destination, length, out nint head, out nint body))
            {
                return false;
            }

            ScaleNormalize(ref x, ref y, ref gamma, head, inverseRms, StreamMode.Streaming);
            ScaleNormalize<T, Width256NonTemporal<T>, Vector256<T>>(ref Unsafe.Add(ref x, head), ref Unsafe.Add(ref y, head), ref Unsafe.Add(ref gamma, head), body, inverseRms);
            ScaleNormalize(ref Unsafe.Add(ref x, head + body), ref Unsafe.Add(ref y, head + body), ref Unsafe.Add(ref gamma, head + body), length - head - body, inverseRms, StreamMode.Streaming);
            return true;
        }
    }

    /// <summary>
    /// <see cref="ScaleBackwardInput{T}"/> with the run's aligned body written by non-temporal stores (<see cref="NonTemporal"/>);
    /// false, with nothing written, when the run has no such body.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe bool ScaleBackwardInputNonTemporal<T>(ref T x, ref T dy, ref T dx, ref T gamma, nint length, T inverseRms, T xhatCoefficient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* destination = &dx)
        {
            if (!NonTemporal.Split(destination, length, out nint head, out nint body))
            {
                return false;
            }

            ScaleBackwardInput(ref x, ref dy, ref dx, ref gamma, head, inverseRms, xhatCoefficient, StreamMode.Streaming);
            ScaleBackwardInput<T, Width256NonTemporal<T>, Vector256<T>>(ref Unsafe.Add(ref x, head), ref Unsafe.Add(ref dy, head), ref Unsafe.Add(ref dx, head), ref Unsafe.Add(ref gamma, head), body, inverseRms, xhatCoefficient);
            ScaleBackwardInput(ref Unsafe.Add(ref x, head + body), ref Unsafe.Add(ref dy, head + body), ref Unsafe.Add(ref dx, head + body), ref Unsafe.Add(ref gamma, head + body), length - head - body, inverseRms, xhatCoefficient, StreamMode.Streaming);
            return true;
        }
    }
}
