using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NormGen.Generated;

/// <summary>The kernels with a per-value Gamma and Beta and a centered xhat: layer norm, and group norm over channels.</summary>
public static partial class RowKernels
{
    /// <summary>
    /// <c>y_i = xhat_i * gamma_i + beta_i</c>, or its ReLU when <paramref name="relu"/>, for i in [0, length).
    /// y may be x itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AffineNormalize<T>(ref T x, ref T y, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (streaming == StreamMode.NonTemporal && NonTemporal.IsSupported && AffineNormalizeNonTemporal(ref x, ref y, ref gamma, ref beta, length, pivot, mean, inverseStd, relu))
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                AffineNormalizePaired(ref x, ref y, ref gamma, ref beta, length, pivot, mean, inverseStd, relu);
                return;
            }

            AffineNormalize<T, Width512<T>, Vector512<T>>(ref x, ref y, ref gamma, ref beta, length, pivot, mean, inverseStd, relu);
            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            AffineNormalize<T, Width256<T>, Vector256<T>>(ref x, ref y, ref gamma, ref beta, length, pivot, mean, inverseStd, relu);
            return;
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            AffineNormalize<T, Width128<T>, Vector128<T>>(ref x, ref y, ref gamma, ref beta, length, pivot, mean, inverseStd, relu);
            return;
        }

        for (nint i = 0; i < length; i++)
        {
            T xhat = (Unsafe.Add(ref x, i) - pivot - mean) * inverseStd;
            T value = xhat * Unsafe.Add(ref gamma, i) + Unsafe.Add(ref beta, i);
            Unsafe.Add(ref y, i) = relu ? T.Max(value, T.Zero) : value;
        }
    }

    /// <summary>
    /// The backward sums of one run. With <c>g_i = dy'_i * gamma_i</c>: returns sum(g);
    /// <paramref name="sumGXhat"/> receives sum(g * xhat); <c>dy'_i * xhat_i</c> is added to gammaGrad_i and
    /// <c>dy'_i</c> to betaGrad_i (so callers clear them once and accumulate over the batch). Beta is read only
    /// under the ReLU.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T AffineBackwardSums<T>(
        ref T x, ref T dy, ref T gamma, ref T beta, ref T gammaGrad, ref T betaGrad, nint length, T pivot, T mean, T inverseStd, bool relu, StreamMode streaming, out T sumGXhat)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                return AffineBackwardSumsPaired(
                    ref x, ref dy, ref gamma, ref beta, ref gammaGrad, ref betaGrad, length, pivot, mean, inverseStd, relu, out sumGXhat);
            }

            return AffineBackwardSums<T, Width512<T>, Vector512<T>>(
                ref x, ref dy, ref gamma, ref beta, ref gammaGrad, ref betaGrad, length, pivot, mean, inverseStd, relu, out sumGXhat);
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            return AffineBackwardSums<T, Width256<T>, Vector256<T>>(
                ref x, ref dy, ref gamma, ref beta, ref gammaGrad, ref betaGrad, length, pivot, mean, inverseStd, relu, out sumGXhat);
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            return AffineBackwardSums<T, Width128<T>, Vector128<T>>(
                ref x, ref dy, ref gamma, ref beta, ref gammaGrad, ref betaGrad, length, pivot, mean, inverseStd, relu, out sumGXhat);
        }

        T sumG = T.Zero;
        sumGXhat = T.Zero;
        for (nint i = 0; i < length; i++)
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
    /// xhatCoefficient = -sum(g * xhat) / length and bias = -sum(g) / length. dx may be dy itself. Beta is read only
    /// under the ReLU.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AffineBackwardInput<T>(
        ref T x, ref T dy, ref T dx, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu, T xhatCoefficient, T bias, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (streaming == StreamMode.NonTemporal && NonTemporal.IsSupported && AffineBackwardInputNonTemporal(ref x, ref dy, ref dx, ref gamma, ref beta, length, pivot, mean, inverseStd, relu, xhatCoefficient, bias))
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                AffineBackwardInputPaired(ref x, ref dy, ref dx, ref gamma, ref beta, length, pivot, mean, inverseStd, relu, xhatCoefficient, bias);
                return;
            }

            AffineBackwardInput<T, Width512<T>, Vector512<T>>(ref x, ref dy, ref dx, ref gamma, ref beta, length, pivot, mean, inverseStd, relu, xhatCoefficient, bias);
            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            AffineBackwardInput<T, Width256<T>, Vector256<T>>(ref x, ref dy, ref dx, ref gamma, ref beta, length, pivot, mean, inverseStd, relu, xhatCoefficient, bias);
            return;
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            AffineBackwardInput<T, Width128<T>, Vector128<T>>(ref x, ref dy, ref dx, ref gamma, ref beta, length, pivot, mean, inverseStd, relu, xhatCoefficient, bias);
            return;
        }

        for (nint i = 0; i < length; i++)
        {
            T xhat = (Unsafe.Add(ref x, i) - pivot - mean) * inverseStd;
            T gammaValue = Unsafe.Add(ref gamma, i);
            T dyValue = !relu || xhat * gammaValue + Unsafe.Add(ref beta, i) > T.Zero ? Unsafe.Add(ref dy, i) : T.Zero;
            Unsafe.Add(ref dx, i) = inverseStd * (dyValue * gammaValue + xhatCoefficient * xhat + bias);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AffineNormalize<T, TWidth, TVector>(ref T x, ref T y, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector p = TWidth.Create(pivot), m = TWidth.Create(mean), s = TWidth.Create(inverseStd);
        nint last = length - lanes;

        // Loaded before y, which may be x, is written: the last vector may overlap the one before it.
        TVector lastXhat = Xhat<T, TWidth, TVector>(TWidth.Load(ref x, last), p, m, s);
        for (nint i = 0; i < last; i += lanes)
        {
            TVector xhat = Xhat<T, TWidth, TVector>(TWidth.Load(ref x, i), p, m, s);
            TVector value = TWidth.Add(TWidth.Multiply(xhat, TWidth.Load(ref gamma, i)), TWidth.Load(ref beta, i));
            TWidth.Store(relu ? TWidth.Relu(value) : value, ref y, i);
        }

        TVector lastValue = TWidth.Add(TWidth.Multiply(lastXhat, TWidth.Load(ref gamma, last)), TWidth.Load(ref beta, last));
        TWidth.Store(relu ? TWidth.Relu(lastValue) : lastValue, ref y, last);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T AffineBackwardSums<T, TWidth, TVector>(
        ref T x, ref T dy, ref T gamma, ref T beta, ref T gammaGrad, ref T betaGrad, nint length, T pivot, T mean, T inverseStd, bool relu, out T sumGXhat)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector p = TWidth.Create(pivot), m = TWidth.Create(mean), s = TWidth.Create(inverseStd);
        TVector sumG0 = TWidth.Zero, sumG1 = TWidth.Zero, sumGXhat0 = TWidth.Zero, sumGXhat1 = TWidth.Zero;
        nint i = 0;
        for (; i <= length - 2 * lanes; i += 2 * lanes)
        {
            AffineBackwardStep<T, TWidth, TVector>(ref x, ref dy, ref gamma, ref beta, ref gammaGrad, ref betaGrad, i, p, m, s, relu, keepLanes: lanes, ref sumG0, ref sumGXhat0);
            AffineBackwardStep<T, TWidth, TVector>(ref x, ref dy, ref gamma, ref beta, ref gammaGrad, ref betaGrad, i + lanes, p, m, s, relu, keepLanes: lanes, ref sumG1, ref sumGXhat1);
        }

        if (i <= length - lanes)
        {
            AffineBackwardStep<T, TWidth, TVector>(ref x, ref dy, ref gamma, ref beta, ref gammaGrad, ref betaGrad, i, p, m, s, relu, keepLanes: lanes, ref sumG0, ref sumGXhat0);
            i += lanes;
        }

        if (i < length)
        {
            AffineBackwardStep<T, TWidth, TVector>(ref x, ref dy, ref gamma, ref beta, ref gammaGrad, ref betaGrad, length - lanes, p, m, s, relu, keepLanes: length - i, ref sumG1, ref sumGXhat1);
        }

        sumGXhat = TWidth.Sum(TWidth.Add(sumGXhat0, sumGXhat1));
        return TWidth.Sum(TWidth.Add(sumG0, sumG1));
    }

    /// <summary>One vector of <see cref="AffineBackwardSums{T}"/> at <paramref name="i"/>; only its last <paramref name="keepLanes"/> lanes count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AffineBackwardStep<T, TWidth, TVector>(
        ref T x, ref T dy, ref T gamma, ref T beta, ref T gammaGrad, ref T betaGrad, nint i, TVector p, TVector m, TVector s, bool relu, nint keepLanes,
        ref TVector sumG, ref TVector sumGXhat)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        TVector xhat = Xhat<T, TWidth, TVector>(TWidth.Load(ref x, i), p, m, s);
        TVector gammaVector = TWidth.Load(ref gamma, i);
        TVector dyVector = TWidth.Load(ref dy, i);
        if (relu)
        {
            dyVector = TWidth.WherePositive(TWidth.Add(TWidth.Multiply(xhat, gammaVector), TWidth.Load(ref beta, i)), dyVector);
        }

        if (keepLanes < TWidth.Count)
        {
            dyVector = TWidth.LastLanes(dyVector, keepLanes);
        }

        TVector g = TWidth.Multiply(dyVector, gammaVector);
        sumG = TWidth.Add(sumG, g);
        sumGXhat = TWidth.Add(sumGXhat, TWidth.Multiply(g, xhat));
        TWidth.Store(TWidth.Add(TWidth.Load(ref gammaGrad, i), TWidth.Multiply(dyVector, xhat)), ref gammaGrad, i);
        TWidth.Store(TWidth.Add(TWidth.Load(ref betaGrad, i), dyVector), ref betaGrad, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AffineBackwardInput<T, TWidth, TVector>(
        ref T x, ref T dy, ref T dx, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu, T xhatCoefficient, T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector p = TWidth.Create(pivot), m = TWidth.Create(mean), s = TWidth.Create(inverseStd);
        TVector k = TWidth.Create(xhatCoefficient), c = TWidth.Create(bias);
        nint last = length - lanes;

        // Loaded before dx, which may be dy, is written: the last vector may overlap the one before it.
        TVector lastDy = TWidth.Load(ref dy, last);
        for (nint i = 0; i < last; i += lanes)
        {
            TWidth.Store(AffineBackwardInputVector<T, TWidth, TVector>(ref x, ref gamma, ref beta, i, TWidth.Load(ref dy, i), p, m, s, relu, k, c), ref dx, i);
        }

        TWidth.Store(AffineBackwardInputVector<T, TWidth, TVector>(ref x, ref gamma, ref beta, last, lastDy, p, m, s, relu, k, c), ref dx, last);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector AffineBackwardInputVector<T, TWidth, TVector>(
        ref T x, ref T gamma, ref T beta, nint i, TVector dy, TVector p, TVector m, TVector s, bool relu, TVector k, TVector c)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        TVector xhat = Xhat<T, TWidth, TVector>(TWidth.Load(ref x, i), p, m, s);
        TVector gammaVector = TWidth.Load(ref gamma, i);
        if (relu)
        {
            dy = TWidth.WherePositive(TWidth.Add(TWidth.Multiply(xhat, gammaVector), TWidth.Load(ref beta, i)), dy);
        }

        // inverseStd * (g + k * xhat + c)
        return TWidth.Multiply(s, TWidth.Add(TWidth.Add(TWidth.Multiply(dy, gammaVector), TWidth.Multiply(k, xhat)), c));
    }

    /// <summary><c>((x - pivot) - mean) * inverseStd</c>, in that order so a far pivot costs no digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Xhat<T, TWidth, TVector>(TVector x, TVector pivot, TVector mean, TVector inverseStd)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct =>
        TWidth.Multiply(TWidth.Subtract(TWidth.Subtract(x, pivot), mean), inverseStd);

    /// <summary><see cref="AffineBackwardInput{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AffineBackwardInputPaired<T>(ref T x, ref T dy, ref T dx, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu, T xhatCoefficient, T bias)
        where T : unmanaged, IFloatingPointIeee754<T> => AffineBackwardInput<T, Width256Pair<T>, Vector256Pair<T>>(ref x, ref dy, ref dx, ref gamma, ref beta, length, pivot, mean, inverseStd, relu, xhatCoefficient, bias);

    /// <summary><see cref="AffineBackwardSums{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T AffineBackwardSumsPaired<T>(ref T x, ref T dy, ref T gamma, ref T beta, ref T gammaGrad, ref T betaGrad, nint length, T pivot, T mean, T inverseStd, bool relu, out T sumGXhat)
        where T : unmanaged, IFloatingPointIeee754<T> => AffineBackwardSums<T, Width256Pair<T>, Vector256Pair<T>>(ref x, ref dy, ref gamma, ref beta, ref gammaGrad, ref betaGrad, length, pivot, mean, inverseStd, relu, out sumGXhat);

    /// <summary><see cref="AffineNormalize{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AffineNormalizePaired<T>(ref T x, ref T y, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T> => AffineNormalize<T, Width256Pair<T>, Vector256Pair<T>>(ref x, ref y, ref gamma, ref beta, length, pivot, mean, inverseStd, relu);

    /// <summary>
    /// <see cref="AffineNormalize{T}"/> with the run's aligned body written by non-temporal stores (<see cref="NonTemporal"/>);
    /// false, with nothing written, when the run has no such body.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe bool AffineNormalizeNonTemporal<T>(ref T x, ref T y, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* destination = &y)
        {
            if (!NonTemporal.Split(destination, length, out nint head, out nint body))
            {
                return false;
            }

            AffineNormalize(ref x, ref y, ref gamma, ref beta, head, pivot, mean, inverseStd, relu, StreamMode.Streaming);
            AffineNormalize<T, Width256NonTemporal<T>, Vector256<T>>(ref Unsafe.Add(ref x, head), ref Unsafe.Add(ref y, head), ref Unsafe.Add(ref gamma, head), ref Unsafe.Add(ref beta, head), body, pivot, mean, inverseStd, relu);
            AffineNormalize(ref Unsafe.Add(ref x, head + body), ref Unsafe.Add(ref y, head + body), ref Unsafe.Add(ref gamma, head + body), ref Unsafe.Add(ref beta, head + body), length - head - body, pivot, mean, inverseStd, relu, StreamMode.Streaming);
            return true;
        }
    }

    /// <summary>
    /// <see cref="AffineBackwardInput{T}"/> with the run's aligned body written by non-temporal stores (<see cref="NonTemporal"/>);
    /// false, with nothing written, when the run has no such body.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe bool AffineBackwardInputNonTemporal<T>(ref T x, ref T dy, ref T dx, ref T gamma, ref T beta, nint length, T pivot, T mean, T inverseStd, bool relu, T xhatCoefficient, T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* destination = &dx)
        {
            if (!NonTemporal.Split(destination, length, out nint head, out nint body))
            {
                return false;
            }

            AffineBackwardInput(ref x, ref dy, ref dx, ref gamma, ref beta, head, pivot, mean, inverseStd, relu, xhatCoefficient, bias, StreamMode.Streaming);
            AffineBackwardInput<T, Width256NonTemporal<T>, Vector256<T>>(ref Unsafe.Add(ref x, head), ref Unsafe.Add(ref dy, head), ref Unsafe.Add(ref dx, head), ref Unsafe.Add(ref gamma, head), ref Unsafe.Add(ref beta, head), body, pivot, mean, inverseStd, relu, xhatCoefficient, bias);
            AffineBackwardInput(ref Unsafe.Add(ref x, head + body), ref Unsafe.Add(ref dy, head + body), ref Unsafe.Add(ref dx, head + body), ref Unsafe.Add(ref gamma, head + body), ref Unsafe.Add(ref beta, head + body), length - head - body, pivot, mean, inverseStd, relu, xhatCoefficient, bias, StreamMode.Streaming);
            return true;
        }
    }
}
