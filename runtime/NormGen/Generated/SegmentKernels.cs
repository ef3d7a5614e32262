using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NormGen.Generated;

/// <summary>
/// Vectorized kernels over one contiguous run of values that share a per-run scalar (one channel's spatial
/// positions in NCHW data, one group, one sample's features). Generated layers call these with compile-time
/// constant lengths; they are aggressively inlined so the JIT folds the length, the flags and the choice of width.
/// No checks: callers validate every length once. Values are taken relative to a pivot so statistics never cancel.
/// </summary>
/// <remarks>
/// <para>Infrastructure for generated code, not for direct use: it may change in any release.</para>
/// <para>
/// Each kernel's public entry runs the widest accelerated vector width (<see cref="Vector512"/>,
/// <see cref="Vector256"/>, <see cref="Vector128"/>) whose vectors fit in the run, else a scalar loop. The vector
/// bodies, written once over <see cref="IVectorWidth{T, TVector}"/>, cover the run with whole vectors and end with one
/// vector that overlaps the previous one (never a scalar tail): reductions mask its already-counted lanes, maps load
/// its inputs before anything is stored so y = x and dx = dy stay exact. Reductions keep four independent
/// accumulators (two per sum when there are two sums), so a long run is not one chain of dependent additions.
/// </para>
/// <para>
/// Every kernel takes <c>streaming</c> (<see cref="StreamMode"/>): whether the call's input exceeds
/// LayerCore.StreamingBytes and so streams from memory. There, on AVX-512 hardware, the 512-bit bodies run as pairs
/// of 256-bit vectors (<see cref="Width256Pair{T}"/>), which measured up to twice as fast there and give the same
/// bits, so a result never depends on the size of the call it is part of. When the output is too large for the caches
/// (<see cref="StreamMode.NonTemporal"/>), the kernels that write it store their aligned body with non-temporal stores
/// (<see cref="NonTemporal"/>), again with the same bits.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class SegmentKernels
{
    /// <summary>Sum of <c>x - pivot</c> over <paramref name="length"/> values starting at <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SumOfDifferences<T>(ref T x, nint length, T pivot, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                return SumOfDifferencesPaired(ref x, length, pivot);
            }

            return SumOfDifferences<T, Width512<T>, Vector512<T>>(ref x, length, pivot);
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            return SumOfDifferences<T, Width256<T>, Vector256<T>>(ref x, length, pivot);
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            return SumOfDifferences<T, Width128<T>, Vector128<T>>(ref x, length, pivot);
        }

        T sum = T.Zero;
        for (nint i = 0; i < length; i++)
        {
            sum += Unsafe.Add(ref x, i) - pivot;
        }

        return sum;
    }

    /// <summary>Sum of <c>((x - pivot) - mean)^2</c>: M2 about <c>pivot + mean</c> without forming that sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SumOfSquaredDeviations<T>(ref T x, nint length, T pivot, T mean, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                return SumOfSquaredDeviationsPaired(ref x, length, pivot, mean);
            }

            return SumOfSquaredDeviations<T, Width512<T>, Vector512<T>>(ref x, length, pivot, mean);
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            return SumOfSquaredDeviations<T, Width256<T>, Vector256<T>>(ref x, length, pivot, mean);
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            return SumOfSquaredDeviations<T, Width128<T>, Vector128<T>>(ref x, length, pivot, mean);
        }

        T sum = T.Zero;
        for (nint i = 0; i < length; i++)
        {
            T deviation = Unsafe.Add(ref x, i) - pivot - mean;
            sum += deviation * deviation;
        }

        return sum;
    }

    /// <summary>Sum of <c>x^2</c> (RMS norm: no mean, so no cancellation and one pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SumOfSquares<T>(ref T x, nint length, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (streaming != StreamMode.Cached)
            {
                return SumOfSquaresPaired(ref x, length);
            }

            return SumOfSquares<T, Width512<T>, Vector512<T>>(ref x, length);
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            return SumOfSquares<T, Width256<T>, Vector256<T>>(ref x, length);
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            return SumOfSquares<T, Width128<T>, Vector128<T>>(ref x, length);
        }

        T sum = T.Zero;
        for (nint i = 0; i < length; i++)
        {
            T value = Unsafe.Add(ref x, i);
            sum += value * value;
        }

        return sum;
    }

    /// <summary>
    /// The mean of <c>x - pivot</c> into <paramref name="mean"/>, and returns M2, the sum of squared deviations from
    /// <c>pivot + mean</c>: two passes over the run, the second from cache when the run fits in it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Moments<T>(ref T x, nint length, T pivot, StreamMode streaming, out T mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        mean = SumOfDifferences(ref x, length, pivot, streaming) / T.CreateTruncating(length);
        return SumOfSquaredDeviations(ref x, length, pivot, mean, streaming);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T SumOfDifferences<T, TWidth, TVector>(ref T x, nint length, T pivot)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector p = TWidth.Create(pivot);
        TVector sum0 = TWidth.Zero, sum1 = TWidth.Zero, sum2 = TWidth.Zero, sum3 = TWidth.Zero;
        nint i = 0;
        for (; i <= length - 4 * lanes; i += 4 * lanes)
        {
            sum0 = TWidth.Add(sum0, TWidth.Subtract(TWidth.Load(ref x, i), p));
            sum1 = TWidth.Add(sum1, TWidth.Subtract(TWidth.Load(ref x, i + lanes), p));
            sum2 = TWidth.Add(sum2, TWidth.Subtract(TWidth.Load(ref x, i + 2 * lanes), p));
            sum3 = TWidth.Add(sum3, TWidth.Subtract(TWidth.Load(ref x, i + 3 * lanes), p));
        }

        for (; i <= length - lanes; i += lanes)
        {
            sum0 = TWidth.Add(sum0, TWidth.Subtract(TWidth.Load(ref x, i), p));
        }

        if (i < length)
        {
            // The last vector overlaps values already summed: only its last length - i lanes are new.
            sum1 = TWidth.Add(sum1, TWidth.LastLanes(TWidth.Subtract(TWidth.Load(ref x, length - lanes), p), length - i));
        }

        return TWidth.Sum(TWidth.Add(TWidth.Add(sum0, sum1), TWidth.Add(sum2, sum3)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T SumOfSquaredDeviations<T, TWidth, TVector>(ref T x, nint length, T pivot, T mean)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector p = TWidth.Create(pivot), m = TWidth.Create(mean);
        TVector sum0 = TWidth.Zero, sum1 = TWidth.Zero, sum2 = TWidth.Zero, sum3 = TWidth.Zero;
        nint i = 0;
        for (; i <= length - 4 * lanes; i += 4 * lanes)
        {
            TVector d0 = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, i), p), m);
            TVector d1 = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, i + lanes), p), m);
            TVector d2 = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, i + 2 * lanes), p), m);
            TVector d3 = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, i + 3 * lanes), p), m);
            sum0 = TWidth.Add(sum0, TWidth.Multiply(d0, d0));
            sum1 = TWidth.Add(sum1, TWidth.Multiply(d1, d1));
            sum2 = TWidth.Add(sum2, TWidth.Multiply(d2, d2));
            sum3 = TWidth.Add(sum3, TWidth.Multiply(d3, d3));
        }

        for (; i <= length - lanes; i += lanes)
        {
            TVector d = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, i), p), m);
            sum0 = TWidth.Add(sum0, TWidth.Multiply(d, d));
        }

        if (i < length)
        {
            TVector d = TWidth.LastLanes(TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, length - lanes), p), m), length - i);
            sum1 = TWidth.Add(sum1, TWidth.Multiply(d, d));
        }

        return TWidth.Sum(TWidth.Add(TWidth.Add(sum0, sum1), TWidth.Add(sum2, sum3)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T SumOfSquares<T, TWidth, TVector>(ref T x, nint length)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        TVector sum0 = TWidth.Zero, sum1 = TWidth.Zero, sum2 = TWidth.Zero, sum3 = TWidth.Zero;
        nint i = 0;
        for (; i <= length - 4 * lanes; i += 4 * lanes)
        {
            TVector v0 = TWidth.Load(ref x, i);
            TVector v1 = TWidth.Load(ref x, i + lanes);
            TVector v2 = TWidth.Load(ref x, i + 2 * lanes);
            TVector v3 = TWidth.Load(ref x, i + 3 * lanes);
            sum0 = TWidth.Add(sum0, TWidth.Multiply(v0, v0));
            sum1 = TWidth.Add(sum1, TWidth.Multiply(v1, v1));
            sum2 = TWidth.Add(sum2, TWidth.Multiply(v2, v2));
            sum3 = TWidth.Add(sum3, TWidth.Multiply(v3, v3));
        }

        for (; i <= length - lanes; i += lanes)
        {
            TVector v = TWidth.Load(ref x, i);
            sum0 = TWidth.Add(sum0, TWidth.Multiply(v, v));
        }

        if (i < length)
        {
            TVector v = TWidth.LastLanes(TWidth.Load(ref x, length - lanes), length - i);
            sum1 = TWidth.Add(sum1, TWidth.Multiply(v, v));
        }

        return TWidth.Sum(TWidth.Add(TWidth.Add(sum0, sum1), TWidth.Add(sum2, sum3)));
    }

    /// <summary><see cref="SumOfDifferences{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T SumOfDifferencesPaired<T>(ref T x, nint length, T pivot)
        where T : unmanaged, IFloatingPointIeee754<T> => SumOfDifferences<T, Width256Pair<T>, Vector256Pair<T>>(ref x, length, pivot);

    /// <summary><see cref="SumOfSquaredDeviations{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T SumOfSquaredDeviationsPaired<T>(ref T x, nint length, T pivot, T mean)
        where T : unmanaged, IFloatingPointIeee754<T> => SumOfSquaredDeviations<T, Width256Pair<T>, Vector256Pair<T>>(ref x, length, pivot, mean);

    /// <summary><see cref="SumOfSquares{T, TWidth, TVector}"/> in <see cref="Width256Pair{T}"/>, out of line, so a caller that keeps both ways in one loop holds one call, not a second inlined body (inlined, layer norm's Backward at (256, 1024) ran 3x slower).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T SumOfSquaresPaired<T>(ref T x, nint length)
        where T : unmanaged, IFloatingPointIeee754<T> => SumOfSquares<T, Width256Pair<T>, Vector256Pair<T>>(ref x, length);
}
