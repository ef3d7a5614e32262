using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NormGen.Generated;

/// <summary>The scale-and-shift of a run that shares one scale (see the class remarks in SegmentKernels.cs).</summary>
public static partial class SegmentKernels
{
    /// <summary><c>y = (x - center) * scale + shift</c>, or its ReLU when <paramref name="relu"/>. y may be x itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleShift<T>(ref T x, ref T y, nint length, T center, T scale, T shift, bool relu, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (streaming == StreamMode.NonTemporal && NonTemporal.IsSupported && ScaleShiftNonTemporal(ref x, ref y, length, center, scale, shift, relu))
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                ScaleShiftPaired(ref x, ref y, length, center, scale, shift, relu);
                return;
            }

            ScaleShift<T, Width512<T>, Vector512<T>>(ref x, ref y, length, center, scale, shift, relu);
            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            ScaleShift<T, Width256<T>, Vector256<T>>(ref x, ref y, length, center, scale, shift, relu);
            return;
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            ScaleShift<T, Width128<T>, Vector128<T>>(ref x, ref y, length, center, scale, shift, relu);
            return;
        }

        for (nint i = 0; i < length; i++)
        {
            T value = (Unsafe.Add(ref x, i) - center) * scale + shift;
            Unsafe.Add(ref y, i) = relu ? T.Max(value, T.Zero) : value;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleShift<T, TWidth, TVector>(ref T x, ref T y, nint length, T center, T scale, T shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector c = TWidth.Create(center), s = TWidth.Create(scale), b = TWidth.Create(shift);
        nint last = length - lanes;

        // Loaded before y, which may be x, is written: the last vector may overlap the one before it.
        TVector lastX = TWidth.Load(ref x, last);
        for (nint i = 0; i < last; i += lanes)
        {
            TWidth.Store(ScaleShiftVector<T, TWidth, TVector>(TWidth.Load(ref x, i), c, s, b, relu), ref y, i);
        }

        TWidth.Store(ScaleShiftVector<T, TWidth, TVector>(lastX, c, s, b, relu), ref y, last);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ScaleShiftVector<T, TWidth, TVector>(TVector x, TVector center, TVector scale, TVector shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        TVector value = TWidth.Add(TWidth.Multiply(TWidth.Subtract(x, center), scale), shift);
        return relu ? TWidth.Relu(value) : value;
    }

    /// <summary><see cref="ScaleShift{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScaleShiftPaired<T>(ref T x, ref T y, nint length, T center, T scale, T shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T> => ScaleShift<T, Width256Pair<T>, Vector256Pair<T>>(ref x, ref y, length, center, scale, shift, relu);

    /// <summary>
    /// <see cref="ScaleShift{T}"/> with the run's aligned body written by non-temporal stores (<see cref="NonTemporal"/>);
    /// false, with nothing written, when the run has no such body.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe bool ScaleShiftNonTemporal<T>(ref T x, ref T y, nint length, T center, T scale, T shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* destination = &y)
        {
            if (!NonTemporal.Split(destination, length, out nint head, out nint body))
            {
                return false;
            }

            ScaleShift(ref x, ref y, head, center, scale, shift, relu, StreamMode.Streaming);
            ScaleShift<T, Width256NonTemporal<T>, Vector256<T>>(ref Unsafe.Add(ref x, head), ref Unsafe.Add(ref y, head), body, center, scale, shift, relu);
            ScaleShift(ref Unsafe.Add(ref x, head + body), ref Unsafe.Add(ref y, head + body), length - head - body, center, scale, shift, relu, StreamMode.Streaming);
            return true;
        }
    }
}
