using System.Numerics;
using System.Runtime.CompilerServices;

namespace NormGen.Statistics;

/// <summary>
/// Two-pass statistics of every column of a chunk of rows, about a pivot row: per column c,
/// <c>mean[c] = mean_r(x[r, c] - pivot[c])</c> rounded to the element type, and
/// <c>m2[c] = sum_r(x[r, c] - pivot[c] - mean[c])^2</c> in double, taken about that rounded mean. Columns are
/// vectorized (<see cref="Vector{T}"/>), four vectors at a time; the second pass reads what the first just brought
/// into cache.
/// </summary>
/// <remarks>
/// <para>
/// Float sums run over at most <see cref="FloatBlockRows"/> rows before they are widened and added in double. A
/// float sum of k terms can be off by up to about k/2 ulps of the total, and not only in theory: for quantized data
/// (a mean 1e6 times the spread leaves a few ulps of spread) the squares' low bits are not random, every rounding
/// goes the same way, and a 64-row float sum was seen 1.6e-6 off. With 16-row blocks, the worst case for terms of
/// similar size, every rounding in the same direction, is about 8.5 units of 2^-24, 5e-7 relative, and typical
/// errors are a few 1e-8 (16 rather than 8 rows: the widening costs a fifth less, measured at (64, 128)); the double
/// sums add nothing.
/// </para>
/// <para>
/// <c>x - pivot</c> is exact when both are within a factor 2 (Sterbenz), which a pivot taken from the same data
/// usually gives, and otherwise off by half an ulp of the difference. No checks: callers validate every length.
/// </para>
/// </remarks>
internal static class ColumnMoments
{
    /// <summary>Rows summed in float before widening to double: bounds the drift of a float sum (see the remarks).</summary>
    public const int FloatBlockRows = 16;

    /// <summary>
    /// Statistics of columns [0, <paramref name="columns"/>) of the rows x[r * stride + c], r &lt; rows, about
    /// pivot[c], into mean[c] and m2[c]. The pivot may be the chunk's first row itself.
    /// </summary>
    /// <param name="x">The chunk's first element.</param>
    /// <param name="stride">Elements from one row to the next.</param>
    /// <param name="rows">Rows in the chunk; at least 1.</param>
    /// <param name="columns">Columns in the chunk; at least 1.</param>
    /// <param name="pivot">Pivot per column.</param>
    /// <param name="mean">Receives the mean of x - pivot per column, rounded to the element type.</param>
    /// <param name="m2">Receives the sum of squared deviations from that mean per column, in double.</param>
    public static void Compute<T>(ref T x, nint stride, int rows, int columns, ref T pivot, ref T mean, ref double m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector.IsHardwareAccelerated || columns < Vector<T>.Count)
        {
            for (int c = 0; c < columns; c++)
            {
                Scalar(ref Unsafe.Add(ref x, c), stride, rows, Unsafe.Add(ref pivot, c), out Unsafe.Add(ref mean, c), out Unsafe.Add(ref m2, c));
            }
        }
        else if (typeof(T) == typeof(float))
        {
            Floats(ref Unsafe.As<T, float>(ref x), stride, rows, columns, ref Unsafe.As<T, float>(ref pivot), ref Unsafe.As<T, float>(ref mean), ref m2);
        }
        else
        {
            Doubles(ref Unsafe.As<T, double>(ref x), stride, rows, columns, ref Unsafe.As<T, double>(ref pivot), ref Unsafe.As<T, double>(ref mean), ref m2);
        }
    }

    private static void Floats(ref float x, nint stride, int rows, int columns, ref float pivot, ref float mean, ref double m2)
    {
        int lanes = Vector<float>.Count;
        var count = new Vector<double>(rows);
        int column = 0;
        for (; column <= columns - (4 * lanes); column += 4 * lanes)
        {
            FourFloatVectors(ref x, stride, rows, (nuint)column, count, ref pivot, ref mean, ref m2);
        }

        for (; column <= columns - lanes; column += lanes)
        {
            OneFloatVector(ref x, stride, rows, (nuint)column, count, ref pivot, ref mean, ref m2);
        }

        if (column < columns)
        {
            // The last vector overlaps columns already done; it recomputes them with the same operations.
            OneFloatVector(ref x, stride, rows, (nuint)(columns - lanes), count, ref pivot, ref mean, ref m2);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourFloatVectors(ref float x, nint stride, int rows, nuint c0, Vector<double> count, ref float pivot, ref float mean, ref double m2)
    {
        nuint lanes = (nuint)Vector<float>.Count, half = (nuint)Vector<double>.Count;
        nuint c1 = c0 + lanes, c2 = c1 + lanes, c3 = c2 + lanes;
        var p0 = Vector.LoadUnsafe(ref pivot, c0);
        var p1 = Vector.LoadUnsafe(ref pivot, c1);
        var p2 = Vector.LoadUnsafe(ref pivot, c2);
        var p3 = Vector.LoadUnsafe(ref pivot, c3);

        // Pass 1: sums of x - pivot, in float over blocks of rows, in double across blocks.
        Vector<double> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        ref float row = ref x;
        for (int start = 0; start < rows; start += FloatBlockRows)
        {
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int r = start, end = int.Min(rows, start + FloatBlockRows); r < end; r++)
            {
                s0 += Vector.LoadUnsafe(ref row, c0) - p0;
                s1 += Vector.LoadUnsafe(ref row, c1) - p1;
                s2 += Vector.LoadUnsafe(ref row, c2) - p2;
                s3 += Vector.LoadUnsafe(ref row, c3) - p3;
                row = ref Unsafe.Add(ref row, stride);
            }

            AddWidened(s0, ref a0, ref b0);
            AddWidened(s1, ref a1, ref b1);
            AddWidened(s2, ref a2, ref b2);
            AddWidened(s3, ref a3, ref b3);
        }

        var m0 = Vector.Narrow(a0 / count, b0 / count);
        var m1 = Vector.Narrow(a1 / count, b1 / count);
        var m2v = Vector.Narrow(a2 / count, b2 / count);
        var m3 = Vector.Narrow(a3 / count, b3 / count);

        // Pass 2: squared deviations from the float mean, same blocks; the chunk is still in cache.
        a0 = b0 = a1 = b1 = a2 = b2 = a3 = b3 = default;
        row = ref x;
        for (int start = 0; start < rows; start += FloatBlockRows)
        {
            Vector<float> q0 = default, q1 = default, q2 = default, q3 = default;
            for (int r = start, end = int.Min(rows, start + FloatBlockRows); r < end; r++)
            {
                var d0 = Vector.LoadUnsafe(ref row, c0) - p0 - m0;
                var d1 = Vector.LoadUnsafe(ref row, c1) - p1 - m1;
                var d2 = Vector.LoadUnsafe(ref row, c2) - p2 - m2v;
                var d3 = Vector.LoadUnsafe(ref row, c3) - p3 - m3;
                q0 = SquareAdd(d0, q0);
                q1 = SquareAdd(d1, q1);
                q2 = SquareAdd(d2, q2);
                q3 = SquareAdd(d3, q3);
                row = ref Unsafe.Add(ref row, stride);
            }

            AddWidened(q0, ref a0, ref b0);
            AddWidened(q1, ref a1, ref b1);
            AddWidened(q2, ref a2, ref b2);
            AddWidened(q3, ref a3, ref b3);
        }

        m0.StoreUnsafe(ref mean, c0);
        m1.StoreUnsafe(ref mean, c1);
        m2v.StoreUnsafe(ref mean, c2);
        m3.StoreUnsafe(ref mean, c3);
        a0.StoreUnsafe(ref m2, c0);
        b0.StoreUnsafe(ref m2, c0 + half);
        a1.StoreUnsafe(ref m2, c1);
        b1.StoreUnsafe(ref m2, c1 + half);
        a2.StoreUnsafe(ref m2, c2);
        b2.StoreUnsafe(ref m2, c2 + half);
        a3.StoreUnsafe(ref m2, c3);
        b3.StoreUnsafe(ref m2, c3 + half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneFloatVector(ref float x, nint stride, int rows, nuint c, Vector<double> count, ref float pivot, ref float mean, ref double m2)
    {
        // Alone, one accumulator would wait on its own add every row: even and odd rows get one each.
        var p = Vector.LoadUnsafe(ref pivot, c);
        Vector<double> a = default, b = default;
        ref float row = ref x;
        for (int start = 0; start < rows; start += FloatBlockRows)
        {
            Vector<float> even = default, odd = default;
            int r = start, end = int.Min(rows, start + FloatBlockRows);
            for (; r + 1 < end; r += 2)
            {
                even += Vector.LoadUnsafe(ref row, c) - p;
                odd += Vector.LoadUnsafe(ref Unsafe.Add(ref row, stride), c) - p;
                row = ref Unsafe.Add(ref row, 2 * stride);
            }

            if (r < end)
            {
                even += Vector.LoadUnsafe(ref row, c) - p;
                row = ref Unsafe.Add(ref row, stride);
            }

            AddWidened(even + odd, ref a, ref b);
        }

        var m = Vector.Narrow(a / count, b / count);
        a = b = default;
        row = ref x;
        for (int start = 0; start < rows; start += FloatBlockRows)
        {
            Vector<float> even = default, odd = default;
            int r = start, end = int.Min(rows, start + FloatBlockRows);
            for (; r + 1 < end; r += 2)
            {
                even = SquareAdd(Vector.LoadUnsafe(ref row, c) - p - m, even);
                odd = SquareAdd(Vector.LoadUnsafe(ref Unsafe.Add(ref row, stride), c) - p - m, odd);
                row = ref Unsafe.Add(ref row, 2 * stride);
            }

            if (r < end)
            {
                even = SquareAdd(Vector.LoadUnsafe(ref row, c) - p - m, even);
                row = ref Unsafe.Add(ref row, stride);
            }

            AddWidened(even + odd, ref a, ref b);
        }

        m.StoreUnsafe(ref mean, c);
        a.StoreUnsafe(ref m2, c);
        b.StoreUnsafe(ref m2, c + (nuint)Vector<double>.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWidened(Vector<float> value, ref Vector<double> lower, ref Vector<double> upper)
    {
        Vector.Widen(value, out Vector<double> low, out Vector<double> high);
        lower += low;
        upper += high;
    }

    private static void Doubles(ref double x, nint stride, int rows, int columns, ref double pivot, ref double mean, ref double m2)
    {
        int lanes = Vector<double>.Count;
        var count = new Vector<double>(rows);
        int column = 0;
        for (; column <= columns - (4 * lanes); column += 4 * lanes)
        {
            FourDoubleVectors(ref x, stride, rows, (nuint)column, count, ref pivot, ref mean, ref m2);
        }

        for (; column <= columns - lanes; column += lanes)
        {
            OneDoubleVector(ref x, stride, rows, (nuint)column, count, ref pivot, ref mean, ref m2);
        }

        if (column < columns)
        {
            OneDoubleVector(ref x, stride, rows, (nuint)(columns - lanes), count, ref pivot, ref mean, ref m2);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourDoubleVectors(ref double x, nint stride, int rows, nuint c0, Vector<double> count, ref double pivot, ref double mean, ref double m2)
    {
        nuint lanes = (nuint)Vector<double>.Count;
        nuint c1 = c0 + lanes, c2 = c1 + lanes, c3 = c2 + lanes;
        var p0 = Vector.LoadUnsafe(ref pivot, c0);
        var p1 = Vector.LoadUnsafe(ref pivot, c1);
        var p2 = Vector.LoadUnsafe(ref pivot, c2);
        var p3 = Vector.LoadUnsafe(ref pivot, c3);
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        ref double row = ref x;
        for (int r = 0; r < rows; r++)
        {
            s0 += Vector.LoadUnsafe(ref row, c0) - p0;
            s1 += Vector.LoadUnsafe(ref row, c1) - p1;
            s2 += Vector.LoadUnsafe(ref row, c2) - p2;
            s3 += Vector.LoadUnsafe(ref row, c3) - p3;
            row = ref Unsafe.Add(ref row, stride);
        }

        Vector<double> m0 = s0 / count, m1 = s1 / count, m2v = s2 / count, m3 = s3 / count;
        Vector<double> q0 = default, q1 = default, q2 = default, q3 = default;
        row = ref x;
        for (int r = 0; r < rows; r++)
        {
            var d0 = Vector.LoadUnsafe(ref row, c0) - p0 - m0;
            var d1 = Vector.LoadUnsafe(ref row, c1) - p1 - m1;
            var d2 = Vector.LoadUnsafe(ref row, c2) - p2 - m2v;
            var d3 = Vector.LoadUnsafe(ref row, c3) - p3 - m3;
            q0 = SquareAdd(d0, q0);
            q1 = SquareAdd(d1, q1);
            q2 = SquareAdd(d2, q2);
            q3 = SquareAdd(d3, q3);
            row = ref Unsafe.Add(ref row, stride);
        }

        m0.StoreUnsafe(ref mean, c0);
        m1.StoreUnsafe(ref mean, c1);
        m2v.StoreUnsafe(ref mean, c2);
        m3.StoreUnsafe(ref mean, c3);
        q0.StoreUnsafe(ref m2, c0);
        q1.StoreUnsafe(ref m2, c1);
        q2.StoreUnsafe(ref m2, c2);
        q3.StoreUnsafe(ref m2, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneDoubleVector(ref double x, nint stride, int rows, nuint c, Vector<double> count, ref double pivot, ref double mean, ref double m2)
    {
        var p = Vector.LoadUnsafe(ref pivot, c);
        var sum = Vector<double>.Zero;
        ref double row = ref x;
        for (int r = 0; r < rows; r++)
        {
            sum += Vector.LoadUnsafe(ref row, c) - p;
            row = ref Unsafe.Add(ref row, stride);
        }

        var m = sum / count;
        var squares = Vector<double>.Zero;
        row = ref x;
        for (int r = 0; r < rows; r++)
        {
            var d = Vector.LoadUnsafe(ref row, c) - p - m;
            squares = SquareAdd(d, squares);
            row = ref Unsafe.Add(ref row, stride);
        }

        m.StoreUnsafe(ref mean, c);
        squares.StoreUnsafe(ref m2, c);
    }

    /// <summary>
    /// One column without vectors, for narrow chunks and machines without SIMD: differences in the element type,
    /// sums in double (a scalar double add costs what a float one does).
    /// </summary>
    private static void Scalar<T>(ref T x, nint stride, int rows, T pivot, out T mean, out double m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        ref T row = ref x;
        for (int r = 0; r < rows; r++)
        {
            sum += double.CreateTruncating(row - pivot);
            row = ref Unsafe.Add(ref row, stride);
        }

        mean = T.CreateTruncating(sum / rows);
        double squares = 0;
        row = ref x;
        for (int r = 0; r < rows; r++)
        {
            double d = double.CreateTruncating(row - pivot - mean);
            squares += d * d;
            row = ref Unsafe.Add(ref row, stride);
        }

        m2 = squares;
    }

    /// <summary><c>sum + d * d</c>, fused where the hardware has FMA (.NET 9+): one rounding less, one instruction less.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> SquareAdd(Vector<float> d, Vector<float> sum)
    {
#if NET9_0_OR_GREATER
        return Vector.MultiplyAddEstimate(d, d, sum);
#else
        return sum + (d * d);
#endif
    }

    /// <summary><c>sum + d * d</c>, fused where the hardware has FMA (.NET 9+).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> SquareAdd(Vector<double> d, Vector<double> sum)
    {
#if NET9_0_OR_GREATER
        return Vector.MultiplyAddEstimate(d, d, sum);
#else
        return sum + (d * d);
#endif
    }
}
