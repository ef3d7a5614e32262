using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NormGen.Generated;

/// <summary>
/// The backward pass over a run that shares one scale (see the class remarks in SegmentKernels.cs). Under a fused
/// ReLU, dy' is dy where <c>(x - pivot) * scale + shift &gt; 0</c> (the output was positive) and 0 elsewhere;
/// otherwise dy' = dy and scale and shift are not read.
/// </summary>
public static partial class SegmentKernels
{
    /// <summary>
    /// Returns sum(dy'); <paramref name="sumDyCentered"/> receives sum(dy' * (x - pivot)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T BackwardSums<T>(ref T x, ref T dy, nint length, T pivot, bool relu, T scale, T shift, StreamMode streaming, out T sumDyCentered)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                return BackwardSumsPaired(ref x, ref dy, length, pivot, relu, scale, shift, out sumDyCentered);
            }

            return BackwardSums<T, Width512<T>, Vector512<T>>(ref x, ref dy, length, pivot, relu, scale, shift, out sumDyCentered);
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            return BackwardSums<T, Width256<T>, Vector256<T>>(ref x, ref dy, length, pivot, relu, scale, shift, out sumDyCentered);
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            return BackwardSums<T, Width128<T>, Vector128<T>>(ref x, ref dy, length, pivot, relu, scale, shift, out sumDyCentered);
        }

        T sumDy = T.Zero;
        sumDyCentered = T.Zero;
        for (nint i = 0; i < length; i++)
        {
            T centered = Unsafe.Add(ref x, i) - pivot;
            T dyValue = !relu || centered * scale + shift > T.Zero ? Unsafe.Add(ref dy, i) : T.Zero;
            sumDy += dyValue;
            sumDyCentered += dyValue * centered;
        }

        return sumDy;
    }

    /// <summary><c>dx = dyCoefficient * dy' + xCoefficient * (x - pivot) + bias</c>. dx may be dy itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackwardInput<T>(ref T x, ref T dy, ref T dx, nint length, T pivot, bool relu, T scale, T shift, T dyCoefficient, T xCoefficient, T bias, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (streaming == StreamMode.NonTemporal && NonTemporal.IsSupported && BackwardInputNonTemporal(ref x, ref dy, ref dx, length, pivot, relu, scale, shift, dyCoefficient, xCoefficient, bias))
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                BackwardInputPaired(ref x, ref dy, ref dx, length, pivot, relu, scale, shift, dyCoefficient, xCoefficient, bias);
                return;
            }

            BackwardInput<T, Width512<T>, Vector512<T>>(ref x, ref dy, ref dx, length, pivot, relu, scale, shift, dyCoefficient, xCoefficient, bias);
            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            BackwardInput<T, Width256<T>, Vector256<T>>(ref x, ref dy, ref dx, length, pivot, relu, scale, shift, dyCoefficient, xCoefficient, bias);
            return;
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            BackwardInput<T, Width128<T>, Vector128<T>>(ref x, ref dy, ref dx, length, pivot, relu, scale, shift, dyCoefficient, xCoefficient, bias);
            return;
        }

        for (nint i = 0; i < length; i++)
        {
            T centered = Unsafe.Add(ref x, i) - pivot;
            T dyValue = !relu || centered * scale + shift > T.Zero ? Unsafe.Add(ref dy, i) : T.Zero;
            Unsafe.Add(ref dx, i) = dyCoefficient * dyValue + xCoefficient * centered + bias;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T BackwardSums<T, TWidth, TVector>(ref T x, ref T dy, nint length, T pivot, bool relu, T scale, T shift, out T sumDyCentered)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector p = TWidth.Create(pivot), s = TWidth.Create(scale), b = TWidth.Create(shift);
        TVector sumDy0 = TWidth.Zero, sumDy1 = TWidth.Zero, sumCentered0 = TWidth.Zero, sumCentered1 = TWidth.Zero;
        nint i = 0;
        for (; i <= length - 2 * lanes; i += 2 * lanes)
        {
            TVector centered0 = TWidth.Subtract(TWidth.Load(ref x, i), p);
            TVector centered1 = TWidth.Subtract(TWidth.Load(ref x, i + lanes), p);
            TVector dy0 = MaskedDy<T, TWidth, TVector>(TWidth.Load(ref dy, i), centered0, s, b, relu);
            TVector dy1 = MaskedDy<T, TWidth, TVector>(TWidth.Load(ref dy, i + lanes), centered1, s, b, relu);
            sumDy0 = TWidth.Add(sumDy0, dy0);
            sumDy1 = TWidth.Add(sumDy1, dy1);
            sumCentered0 = TWidth.Add(sumCentered0, TWidth.Multiply(dy0, centered0));
            sumCentered1 = TWidth.Add(sumCentered1, TWidth.Multiply(dy1, centered1));
        }

        if (i <= length - lanes)
        {
            TVector centered = TWidth.Subtract(TWidth.Load(ref x, i), p);
            TVector dyVector = MaskedDy<T, TWidth, TVector>(TWidth.Load(ref dy, i), centered, s, b, relu);
            sumDy0 = TWidth.Add(sumDy0, dyVector);
            sumCentered0 = TWidth.Add(sumCentered0, TWidth.Multiply(dyVector, centered));
            i += lanes;
        }

        if (i < length)
        {
            // The last vector overlaps values already summed: a dy of 0 in its first lanes drops them from both sums.
            nint last = length - lanes;
            TVector centered = TWidth.Subtract(TWidth.Load(ref x, last), p);
            TVector dyVector = TWidth.LastLanes(MaskedDy<T, TWidth, TVector>(TWidth.Load(ref dy, last), centered, s, b, relu), length - i);
            sumDy1 = TWidth.Add(sumDy1, dyVector);
            sumCentered1 = TWidth.Add(sumCentered1, TWidth.Multiply(dyVector, centered));
        }

        sumDyCentered = TWidth.Sum(TWidth.Add(sumCentered0, sumCentered1));
        return TWidth.Sum(TWidth.Add(sumDy0, sumDy1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardInput<T, TWidth, TVector>(
        ref T x, ref T dy, ref T dx, nint length, T pivot, bool relu, T scale, T shift, T dyCoefficient, T xCoefficient, T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector p = TWidth.Create(pivot), s = TWidth.Create(scale), b = TWidth.Create(shift);
        TVector a = TWidth.Create(dyCoefficient), k = TWidth.Create(xCoefficient), c = TWidth.Create(bias);
        nint last = length - lanes;

        // Loaded before dx, which may be dy, is written: the last vector may overlap the one before it.
        TVector lastCentered = TWidth.Subtract(TWidth.Load(ref x, last), p);
        TVector lastDy = TWidth.Load(ref dy, last);
        for (nint i = 0; i < last; i += lanes)
        {
            TVector centered = TWidth.Subtract(TWidth.Load(ref x, i), p);
            TVector dyVector = MaskedDy<T, TWidth, TVector>(TWidth.Load(ref dy, i), centered, s, b, relu);
            TWidth.Store(TWidth.Add(TWidth.Add(TWidth.Multiply(a, dyVector), TWidth.Multiply(k, centered)), c), ref dx, i);
        }

        lastDy = MaskedDy<T, TWidth, TVector>(lastDy, lastCentered, s, b, relu);
        TWidth.Store(TWidth.Add(TWidth.Add(TWidth.Multiply(a, lastDy), TWidth.Multiply(k, lastCentered)), c), ref dx, last);
    }

    /// <summary>dy, or under the ReLU dy where <c>centered * scale + shift &gt; 0</c> and 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector MaskedDy<T, TWidth, TVector>(TVector dy, TVector centered, TVector scale, TVector shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct =>
        relu ? TWidth.WherePositive(TWidth.Add(TWidth.Multiply(centered, scale), shift), dy) : dy;

    /// <summary><see cref="BackwardInput{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void BackwardInputPaired<T>(ref T x, ref T dy, ref T dx, nint length, T pivot, bool relu, T scale, T shift, T dyCoefficient, T xCoefficient, T bias)
        where T : unmanaged, IFloatingPointIeee754<T> => BackwardInput<T, Width256Pair<T>, Vector256Pair<T>>(ref x, ref dy, ref dx, length, pivot, relu, scale, shift, dyCoefficient, xCoefficient, bias);

    /// <summary><see cref="BackwardSums{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T BackwardSumsPaired<T>(ref T x, ref T dy, nint length, T pivot, bool relu, T scale, T shift, out T sumDyCentered)
        where T : unmanaged, IFloatingPointIeee754<T> => BackwardSums<T, Width256Pair<T>, Vector256Pair<T>>(ref x, ref dy, length, pivot, relu, scale, shift, out sumDyCentered);

    /// <summary>
    /// <see cref="BackwardInput{T}"/> with the run's aligned body written by non-temporal stores (<see cref="NonTemporal"/>);
    /// false, with nothing written, when the run has no such body.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe bool BackwardInputNonTemporal<T>(ref T x, ref T dy, ref T dx, nint length, T pivot, bool relu, T scale, T shift, T dyCoefficient, T xCoefficient, T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* destination = &dx)
        {
            if (!NonTemporal.Split(destination, length, out nint head, out nint body))
            {
                return false;
            }

            BackwardInput(ref x, ref dy, ref dx, head, pivot, relu, scale, shift, dyCoefficient, xCoefficient, bias, StreamMode.Streaming);
            BackwardInput<T, Width256NonTemporal<T>, Vector256<T>>(ref Unsafe.Add(ref x, head), ref Unsafe.Add(ref dy, head), ref Unsafe.Add(ref dx, head), body, pivot, relu, scale, shift, dyCoefficient, xCoefficient, bias);
            BackwardInput(ref Unsafe.Add(ref x, head + body), ref Unsafe.Add(ref dy, head + body), ref Unsafe.Add(ref dx, head + body), length - head - body, pivot, relu, scale, shift, dyCoefficient, xCoefficient, bias, StreamMode.Streaming);
            return true;
        }
    }
}
