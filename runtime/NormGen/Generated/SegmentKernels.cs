using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NormGen.Generated;

/// <summary>
/// Vectorized kernels over one contiguous run of values that share a per-run scalar (one channel's spatial
/// positions in NCHW data, one group, one sample's features). Generated layers call these with compile-time
/// constant lengths; they are aggressively inlined so the JIT specializes the loops. No checks: callers
/// validate every length once. Values are taken relative to a pivot so statistics never cancel.
/// </summary>
/// <remarks>Infrastructure for generated code, not for direct use: it may change in any release.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SegmentKernels
{
    /// <summary>Sum of <c>x - pivot</c> over <paramref name="length"/> values starting at <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SumOfDifferences<T>(ref T x, nint length, T pivot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var pivotVector = new Vector<T>(pivot);
            var sums = Vector<T>.Zero;
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                sums += Vector.LoadUnsafe(ref x, (nuint)i) - pivotVector;
            }

            sum = Vector.Sum(sums);
        }

        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref x, i) - pivot;
        }

        return sum;
    }

    /// <summary>Sum of <c>((x - pivot) - mean)^2</c>: M2 about <c>pivot + mean</c> without forming that sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SumOfSquaredDeviations<T>(ref T x, nint length, T pivot, T mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var pivotVector = new Vector<T>(pivot);
            var meanVector = new Vector<T>(mean);
            var sums = Vector<T>.Zero;
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var deviation = Vector.LoadUnsafe(ref x, (nuint)i) - pivotVector - meanVector;
                sums += deviation * deviation;
            }

            sum = Vector.Sum(sums);
        }

        for (; i < length; i++)
        {
            T deviation = Unsafe.Add(ref x, i) - pivot - mean;
            sum += deviation * deviation;
        }

        return sum;
    }

    /// <summary><c>y = (x - center) * scale + shift</c>, or its ReLU when <paramref name="relu"/>. y may be x itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleShift<T>(ref T x, ref T y, nint length, T center, T scale, T shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var centerVector = new Vector<T>(center);
            var scaleVector = new Vector<T>(scale);
            var shiftVector = new Vector<T>(shift);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var value = (Vector.LoadUnsafe(ref x, (nuint)i) - centerVector) * scaleVector + shiftVector;
                (relu ? Vector.Max(value, Vector<T>.Zero) : value).StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            T value = (Unsafe.Add(ref x, i) - center) * scale + shift;
            Unsafe.Add(ref y, i) = relu ? T.Max(value, T.Zero) : value;
        }
    }

    /// <summary>
    /// Returns sum(dy') and adds to nothing else; <paramref name="sumDyCentered"/> receives sum(dy' * (x - pivot)),
    /// where dy' is dy, or under a fused ReLU dy where <c>(x - pivot) * scale + shift &gt; 0</c> and 0 elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T BackwardSums<T>(ref T x, ref T dy, nint length, T pivot, bool relu, T scale, T shift, out T sumDyCentered)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        T sumDy = T.Zero;
        sumDyCentered = T.Zero;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var pivotVector = new Vector<T>(pivot);
            var scaleVector = new Vector<T>(scale);
            var shiftVector = new Vector<T>(shift);
            var sums = Vector<T>.Zero;
            var sumsCentered = Vector<T>.Zero;
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var centered = Vector.LoadUnsafe(ref x, (nuint)i) - pivotVector;
                var dyVector = Vector.LoadUnsafe(ref dy, (nuint)i);
                if (relu)
                {
                    dyVector = Vector.ConditionalSelect(Vector.GreaterThan(centered * scaleVector + shiftVector, Vector<T>.Zero), dyVector, Vector<T>.Zero);
                }

                sums += dyVector;
                sumsCentered += dyVector * centered;
            }

            sumDy = Vector.Sum(sums);
            sumDyCentered = Vector.Sum(sumsCentered);
        }

        for (; i < length; i++)
        {
            T centered = Unsafe.Add(ref x, i) - pivot;
            T dyValue = !relu || centered * scale + shift > T.Zero ? Unsafe.Add(ref dy, i) : T.Zero;
            sumDy += dyValue;
            sumDyCentered += dyValue * centered;
        }

        return sumDy;
    }

    /// <summary>
    /// <c>dx = dyCoefficient * dy' + xCoefficient * (x - pivot) + bias</c>, with dy' masked as in
    /// <see cref="BackwardSums"/>. dx may be dy itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackwardInput<T>(ref T x, ref T dy, ref T dx, nint length, T pivot, bool relu, T scale, T shift, T dyCoefficient, T xCoefficient, T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var pivotVector = new Vector<T>(pivot);
            var scaleVector = new Vector<T>(scale);
            var shiftVector = new Vector<T>(shift);
            var a = new Vector<T>(dyCoefficient);
            var k = new Vector<T>(xCoefficient);
            var c = new Vector<T>(bias);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var centered = Vector.LoadUnsafe(ref x, (nuint)i) - pivotVector;
                var dyVector = Vector.LoadUnsafe(ref dy, (nuint)i);
                if (relu)
                {
                    dyVector = Vector.ConditionalSelect(Vector.GreaterThan(centered * scaleVector + shiftVector, Vector<T>.Zero), dyVector, Vector<T>.Zero);
                }

                (a * dyVector + k * centered + c).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            T centered = Unsafe.Add(ref x, i) - pivot;
            T dyValue = !relu || centered * scale + shift > T.Zero ? Unsafe.Add(ref dy, i) : T.Zero;
            Unsafe.Add(ref dx, i) = dyCoefficient * dyValue + xCoefficient * centered + bias;
        }
    }
}
