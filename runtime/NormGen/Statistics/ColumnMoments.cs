using System.Numerics;
using System.Runtime.CompilerServices;

namespace NormGen.Statistics;

/// <summary>
/// Two-pass statistics of every column of a small block of rows (a chunk), about a pivot row: per column c,
/// <c>mean[c] = mean_r(x[r, c] - pivot[c])</c> and <c>m2[c] = sum_r(x[r, c] - pivot[c] - mean[c])^2</c>, in
/// the element type. Columns are vectorized (<see cref="Vector{T}"/>), four vectors at a time with the
/// accumulators in registers; the block's second pass reads what the first just brought into cache.
/// </summary>
/// <remarks>
/// Accuracy comes from the caller's chunking: every lane sums exactly <c>rows</c> values in each pass, so with
/// <c>rows</c> bounded (<see cref="BatchReducer{T}.MaxRowsPerChunk"/>) a float sum cannot drift, and a pivot taken
/// from the data makes <c>x - pivot</c> exact or nearly so. No checks: callers validate every length.
/// </remarks>
internal static class ColumnMoments
{
    /// <summary>
    /// Statistics of columns [0, <paramref name="columns"/>) of the rows x[r * stride + c], r &lt; rows, about
    /// pivot[c], into mean[c] and m2[c]. The pivot may be the block's first row itself.
    /// </summary>
    /// <param name="x">The block's first element.</param>
    /// <param name="stride">Elements from one row to the next.</param>
    /// <param name="rows">Rows in the block; at least 1.</param>
    /// <param name="columns">Columns in the block; at least 1.</param>
    /// <param name="pivot">Pivot per column.</param>
    /// <param name="mean">Receives the mean of x - pivot per column.</param>
    /// <param name="m2">Receives the sum of squared deviations from the mean per column.</param>
    public static void Compute<T>(ref T x, nint stride, int rows, int columns, ref T pivot, ref T mean, ref T m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count;
        if (!Vector.IsHardwareAccelerated || columns < lanes)
        {
            for (int c = 0; c < columns; c++)
            {
                Scalar(ref Unsafe.Add(ref x, c), stride, rows, Unsafe.Add(ref pivot, c), out Unsafe.Add(ref mean, c), out Unsafe.Add(ref m2, c));
            }

            return;
        }

        var count = new Vector<T>(T.CreateTruncating(rows));
        int column = 0;
        for (; column <= columns - 4 * lanes; column += 4 * lanes)
        {
            FourVectors(ref x, stride, rows, column, count, ref pivot, ref mean, ref m2);
        }

        for (; column <= columns - lanes; column += lanes)
        {
            OneVector(ref x, stride, rows, column, count, ref pivot, ref mean, ref m2);
        }

        if (column < columns)
        {
            // The last vector overlaps columns already done; it recomputes them with the same operations.
            OneVector(ref x, stride, rows, columns - lanes, count, ref pivot, ref mean, ref m2);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourVectors<T>(ref T x, nint stride, int rows, int column, Vector<T> count, ref T pivot, ref T mean, ref T m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint c0 = (nuint)column, c1 = c0 + (nuint)Vector<T>.Count, c2 = c1 + (nuint)Vector<T>.Count, c3 = c2 + (nuint)Vector<T>.Count;
        var p0 = Vector.LoadUnsafe(ref pivot, c0);
        var p1 = Vector.LoadUnsafe(ref pivot, c1);
        var p2 = Vector.LoadUnsafe(ref pivot, c2);
        var p3 = Vector.LoadUnsafe(ref pivot, c3);
        Vector<T> s0 = Vector<T>.Zero, s1 = Vector<T>.Zero, s2 = Vector<T>.Zero, s3 = Vector<T>.Zero;
        ref T row = ref x;
        for (int r = 0; r < rows; r++)
        {
            s0 += Vector.LoadUnsafe(ref row, c0) - p0;
            s1 += Vector.LoadUnsafe(ref row, c1) - p1;
            s2 += Vector.LoadUnsafe(ref row, c2) - p2;
            s3 += Vector.LoadUnsafe(ref row, c3) - p3;
            row = ref Unsafe.Add(ref row, stride);
        }

        Vector<T> m0 = s0 / count, m1 = s1 / count, m2v = s2 / count, m3 = s3 / count;
        Vector<T> q0 = Vector<T>.Zero, q1 = Vector<T>.Zero, q2 = Vector<T>.Zero, q3 = Vector<T>.Zero;
        row = ref x;
        for (int r = 0; r < rows; r++)
        {
            var d0 = Vector.LoadUnsafe(ref row, c0) - p0 - m0;
            var d1 = Vector.LoadUnsafe(ref row, c1) - p1 - m1;
            var d2 = Vector.LoadUnsafe(ref row, c2) - p2 - m2v;
            var d3 = Vector.LoadUnsafe(ref row, c3) - p3 - m3;
            q0 += d0 * d0;
            q1 += d1 * d1;
            q2 += d2 * d2;
            q3 += d3 * d3;
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
    private static void OneVector<T>(ref T x, nint stride, int rows, int column, Vector<T> count, ref T pivot, ref T mean, ref T m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint c = (nuint)column;
        var p = Vector.LoadUnsafe(ref pivot, c);
        var sum = Vector<T>.Zero;
        ref T row = ref x;
        for (int r = 0; r < rows; r++)
        {
            sum += Vector.LoadUnsafe(ref row, c) - p;
            row = ref Unsafe.Add(ref row, stride);
        }

        var m = sum / count;
        var squares = Vector<T>.Zero;
        row = ref x;
        for (int r = 0; r < rows; r++)
        {
            var d = Vector.LoadUnsafe(ref row, c) - p - m;
            squares += d * d;
            row = ref Unsafe.Add(ref row, stride);
        }

        m.StoreUnsafe(ref mean, c);
        squares.StoreUnsafe(ref m2, c);
    }

    /// <summary>One column without vectors: the same two passes, for narrow blocks and machines without SIMD.</summary>
    private static void Scalar<T>(ref T x, nint stride, int rows, T pivot, out T mean, out T m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        ref T row = ref x;
        for (int r = 0; r < rows; r++)
        {
            sum += row - pivot;
            row = ref Unsafe.Add(ref row, stride);
        }

        mean = sum / T.CreateTruncating(rows);
        T squares = T.Zero;
        row = ref x;
        for (int r = 0; r < rows; r++)
        {
            T d = row - pivot - mean;
            squares += d * d;
            row = ref Unsafe.Add(ref row, stride);
        }

        m2 = squares;
    }
}
