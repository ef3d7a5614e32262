using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NormGen.Generated;

/// <summary>
/// Column strips: for input in L1, each kernel first walks the row in strips of <see cref="StripVectors"/> vectors,
/// a strip's sums or coefficients in registers while all the rows pass, then hands the columns the strips leave (fewer
/// than a strip, and the overlapping last vector) to the row walk. A strip does each feature's operations in the row
/// walk's order, so a feature gets the same bits either way, whatever the size of the call. The row walks (the
/// <c>...Rows</c> kernels) take a range of columns: <c>width</c> values of rows <c>stride</c> apart.
/// </summary>
/// <remarks>
/// Why: the row walk keeps its sums and coefficients in L1 arrays, so every vector of a row costs two or three more
/// loads and, for sums, a store; on a core that splits 256-bit operations into two 128-bit halves (AMD Zen 1 and 2)
/// those, not the data, set the speed for data that is already in L1. Larger input keeps the row walk, which reads each
/// array as one ascending stream (see <see cref="StripBytes"/>).
/// </remarks>
public static partial class ColumnKernels
{
    /// <summary>
    /// Vectors per strip: two vectors of 256 bits are one 64-byte line of each row, and two coefficients or sums per
    /// vector (up to five under a fused ReLU) keep a strip within the 16 vector registers of x64 without AVX-512.
    /// </summary>
    private const int StripVectors = 2;

    /// <summary>
    /// Most bytes of x a kernel walks in strips: the 32 KiB L1 data cache of current x64 cores. A strip reads one line
    /// of every row, then the next strip the line beside it, so the rows must stay in L1 between strips; from L2 the
    /// row walk, which reads each array in order, measured faster (alternating builds on an AVX2-only AMD EPYC, one
    /// thread: batch norm (128, 256), 128 KiB, inference 1.33-1.45x and training Forward 1.29-1.39x the row walk's time,
    /// against 0.61-0.84x and 0.75-0.83x for Forward+Backward at (32, 128) and (64, 128)).
    /// </summary>
    private const int StripBytes = 32 * 1024;

    /// <summary>Whether a kernel over <paramref name="rows"/> rows takes the strips: input in cache, and in L1.</summary>
    private static bool TakesStrips<T>(nint rows, nint features, StreamMode streaming)
        where T : unmanaged =>
        streaming == StreamMode.Cached && rows * features * Unsafe.SizeOf<T>() <= StripBytes;

    /// <summary>
    /// Where the strips end: whole strips only, and none over the overlapping last vector or the full vector it
    /// overlaps, which the row walk reads before it stores (so a map may write in place).
    /// </summary>
    private static nint StripEnd(nint features, nint lanes)
    {
        (nint loopEnd, _, bool hasTail) = Cover(features, lanes);
        nint reach = hasTail ? loopEnd - lanes : loopEnd;
        return reach - reach % (StripVectors * lanes);
    }

    private static void Moments<T, TWidth, TVector>(ref T x, nint rows, nint features, ref T pivot, ref T mean, ref T squares, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint first = TakesStrips<T>(rows, features, streaming) ? MomentsStrips<T, TWidth, TVector>(ref x, rows, features, ref pivot, ref mean, ref squares) : 0;
        if (first < features)
        {
            MomentsRows<T, TWidth, TVector>(
                ref Unsafe.Add(ref x, first), rows, features, features - first, ref Unsafe.Add(ref pivot, first), ref Unsafe.Add(ref mean, first), ref Unsafe.Add(ref squares, first));
        }
    }

    private static void WideningMoments<T, TWidth, TVector>(ref T x, nint rows, nint features, ref T pivot, ref T mean, ref T squares, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint first = TakesStrips<T>(rows, features, streaming) ? WideningMomentsStrips<T, TWidth, TVector>(ref x, rows, features, ref pivot, ref mean, ref squares) : 0;
        if (first < features)
        {
            WideningMomentsRows<T, TWidth, TVector>(
                ref Unsafe.Add(ref x, first), rows, features, features - first, ref Unsafe.Add(ref pivot, first), ref Unsafe.Add(ref mean, first), ref Unsafe.Add(ref squares, first));
        }
    }

    private static void Normalize<T, TWidth, TVector, TRelu>(ref T x, nint rows, nint features, ref T y, ref T c, ref T s, ref T b, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        nint first = TakesStrips<T>(rows, features, streaming) ? NormalizeStrips<T, TWidth, TVector, TRelu>(ref x, rows, features, ref y, ref c, ref s, ref b) : 0;
        if (first < features)
        {
            NormalizeRows<T, TWidth, TVector, TRelu>(
                ref Unsafe.Add(ref x, first), rows, features, features - first, ref Unsafe.Add(ref y, first), ref Unsafe.Add(ref c, first), ref Unsafe.Add(ref s, first), ref Unsafe.Add(ref b, first));
        }
    }

    private static void BackwardSums<T, TWidth, TVector, TRelu>(
        ref T x, ref T dy, nint rows, nint features, ref T pivot, ref T scale, ref T shift, ref T sumDy, ref T sumDyCentered, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        nint first = TakesStrips<T>(rows, features, streaming) ? BackwardSumsStrips<T, TWidth, TVector, TRelu>(ref x, ref dy, rows, features, ref pivot, ref scale, ref shift, ref sumDy, ref sumDyCentered) : 0;
        if (first < features)
        {
            BackwardSumsRows<T, TWidth, TVector, TRelu>(
                ref Unsafe.Add(ref x, first), ref Unsafe.Add(ref dy, first), rows, features, features - first, ref Unsafe.Add(ref pivot, first), ref Unsafe.Add(ref scale, first),
                ref Unsafe.Add(ref shift, first), ref Unsafe.Add(ref sumDy, first), ref Unsafe.Add(ref sumDyCentered, first));
        }
    }

    private static void BackwardInput<T, TWidth, TVector, TRelu>(
        ref T x, ref T dy, nint rows, nint features, ref T pivot, ref T scale, ref T shift, ref T dx, ref T a, ref T k, ref T c, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        nint first = TakesStrips<T>(rows, features, streaming) ? BackwardInputStrips<T, TWidth, TVector, TRelu>(ref x, ref dy, rows, features, ref pivot, ref scale, ref shift, ref dx, ref a, ref k, ref c) : 0;
        if (first < features)
        {
            BackwardInputRows<T, TWidth, TVector, TRelu>(
                ref Unsafe.Add(ref x, first), ref Unsafe.Add(ref dy, first), rows, features, features - first, ref Unsafe.Add(ref pivot, first), ref Unsafe.Add(ref scale, first),
                ref Unsafe.Add(ref shift, first), ref Unsafe.Add(ref dx, first), ref Unsafe.Add(ref a, first), ref Unsafe.Add(ref k, first), ref Unsafe.Add(ref c, first));
        }
    }

    /// <summary><see cref="MomentsRows"/> in strips, both passes over a strip before the next; returns where the strips end.</summary>
    private static nint MomentsStrips<T, TWidth, TVector>(ref T x, nint rows, nint features, ref T pivot, ref T mean, ref T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        nint stripEnd = StripEnd(features, lanes);
        TVector inverseRows = TWidth.Create(T.One / T.CreateTruncating(rows));
        nint blockedRows = rows - rows % ReductionRows;
        for (nint strip = 0; strip < stripEnd; strip += StripVectors * lanes)
        {
            ref T xStrip = ref Unsafe.Add(ref x, strip);
            TVector pivot0 = TWidth.Load(ref pivot, strip);
            TVector pivot1 = TWidth.Load(ref pivot, strip + lanes);

            // Pass 1: sums of x - pivot, row after row.
            TVector sum0 = TWidth.Zero;
            TVector sum1 = TWidth.Zero;
            for (nint r = 0; r < rows; r++)
            {
                ref T xRow = ref Unsafe.Add(ref xStrip, r * features);
                sum0 = TWidth.Add(sum0, TWidth.Subtract(TWidth.Load(ref xRow, 0), pivot0));
                sum1 = TWidth.Add(sum1, TWidth.Subtract(TWidth.Load(ref xRow, lanes), pivot1));
            }

            TVector mean0 = TWidth.Multiply(sum0, inverseRows);
            TVector mean1 = TWidth.Multiply(sum1, inverseRows);

            // Pass 2: squared deviations from the chunk mean, 4 rows at a time, then one at a time.
            TVector squares0 = TWidth.Zero;
            TVector squares1 = TWidth.Zero;
            for (nint r = 0; r < blockedRows; r += ReductionRows)
            {
                ref T xRow = ref Unsafe.Add(ref xStrip, r * features);
                squares0 = TWidth.Add(squares0, SquaredDeviations<T, TWidth, TVector>(ref xRow, features, pivot0, mean0));
                squares1 = TWidth.Add(squares1, SquaredDeviations<T, TWidth, TVector>(ref Unsafe.Add(ref xRow, lanes), features, pivot1, mean1));
            }

            for (nint r = blockedRows; r < rows; r++)
            {
                ref T xRow = ref Unsafe.Add(ref xStrip, r * features);
                squares0 = TWidth.Add(squares0, SquaredDeviation<T, TWidth, TVector>(ref xRow, pivot0, mean0));
                squares1 = TWidth.Add(squares1, SquaredDeviation<T, TWidth, TVector>(ref Unsafe.Add(ref xRow, lanes), pivot1, mean1));
            }

            TWidth.Store(mean0, ref mean, strip);
            TWidth.Store(mean1, ref mean, strip + lanes);
            TWidth.Store(squares0, ref squares, strip);
            TWidth.Store(squares1, ref squares, strip + lanes);
        }

        return stripEnd;
    }

    /// <summary>
    /// <see cref="WideningMomentsRows"/> in strips: float sums over <see cref="FloatSumRows"/> rows, moved into double
    /// totals on the stack (touched once per 16 rows); both passes over a strip before the next.
    /// </summary>
    private static nint WideningMomentsStrips<T, TWidth, TVector>(ref T x, nint rows, nint features, ref T pivot, ref T mean, ref T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        nint stripEnd = StripEnd(features, lanes);
        double inverseRows = 1.0 / rows;
        nint blockedRows = rows - rows % FloatSumRows;
        Span<double> totals = stackalloc double[StripVectors * 8];
        ref double total = ref totals[0];
        for (nint strip = 0; strip < stripEnd; strip += StripVectors * lanes)
        {
            ref T xStrip = ref Unsafe.Add(ref x, strip);
            TVector pivot0 = TWidth.Load(ref pivot, strip);
            TVector pivot1 = TWidth.Load(ref pivot, strip + lanes);

            // Pass 1: sums of x - pivot, row after row, in float over 16 rows, then in double.
            totals.Clear();
            for (nint start = 0; start < rows; start += FloatSumRows)
            {
                nint end = start < blockedRows ? start + FloatSumRows : rows;
                TVector sum0 = TWidth.Zero;
                TVector sum1 = TWidth.Zero;
                for (nint r = start; r < end; r++)
                {
                    ref T xRow = ref Unsafe.Add(ref xStrip, r * features);
                    sum0 = TWidth.Add(sum0, TWidth.Subtract(TWidth.Load(ref xRow, 0), pivot0));
                    sum1 = TWidth.Add(sum1, TWidth.Subtract(TWidth.Load(ref xRow, lanes), pivot1));
                }

                AddWidened(sum0, ref total, 0);
                AddWidened(sum1, ref total, lanes);
            }

            TVector mean0 = Narrow<TVector>(ref total, 0, inverseRows);
            TVector mean1 = Narrow<TVector>(ref total, lanes, inverseRows);

            // Pass 2: squared deviations from the chunk mean, 4 rows at a time within whole blocks of 16, else one at a time.
            totals.Clear();
            for (nint start = 0; start < rows; start += FloatSumRows)
            {
                TVector squares0 = TWidth.Zero;
                TVector squares1 = TWidth.Zero;
                if (start < blockedRows)
                {
                    for (nint r = start; r < start + FloatSumRows; r += ReductionRows)
                    {
                        ref T xRow = ref Unsafe.Add(ref xStrip, r * features);
                        squares0 = TWidth.Add(squares0, SquaredDeviations<T, TWidth, TVector>(ref xRow, features, pivot0, mean0));
                        squares1 = TWidth.Add(squares1, SquaredDeviations<T, TWidth, TVector>(ref Unsafe.Add(ref xRow, lanes), features, pivot1, mean1));
                    }
                }
                else
                {
                    for (nint r = start; r < rows; r++)
                    {
                        ref T xRow = ref Unsafe.Add(ref xStrip, r * features);
                        squares0 = TWidth.Add(squares0, SquaredDeviation<T, TWidth, TVector>(ref xRow, pivot0, mean0));
                        squares1 = TWidth.Add(squares1, SquaredDeviation<T, TWidth, TVector>(ref Unsafe.Add(ref xRow, lanes), pivot1, mean1));
                    }
                }

                AddWidened(squares0, ref total, 0);
                AddWidened(squares1, ref total, lanes);
            }

            TWidth.Store(mean0, ref mean, strip);
            TWidth.Store(mean1, ref mean, strip + lanes);
            TWidth.Store(Narrow<TVector>(ref total, 0, 1.0), ref squares, strip);
            TWidth.Store(Narrow<TVector>(ref total, lanes, 1.0), ref squares, strip + lanes);
        }

        return stripEnd;
    }

    /// <summary>((x - pivot) - mean)^2 for one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector SquaredDeviation<T, TWidth, TVector>(ref T x, TVector pivot, TVector mean)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        TVector deviation = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, 0), pivot), mean);
        return TWidth.Multiply(deviation, deviation);
    }

    /// <summary><see cref="NormalizeRows"/> in strips; returns where the strips end.</summary>
    private static nint NormalizeStrips<T, TWidth, TVector, TRelu>(ref T x, nint rows, nint features, ref T y, ref T c, ref T s, ref T b)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        nint lanes = TWidth.Count;
        nint stripEnd = StripEnd(features, lanes);
        for (nint strip = 0; strip < stripEnd; strip += StripVectors * lanes)
        {
            TVector c0 = TWidth.Load(ref c, strip);
            TVector c1 = TWidth.Load(ref c, strip + lanes);
            TVector s0 = TWidth.Load(ref s, strip);
            TVector s1 = TWidth.Load(ref s, strip + lanes);
            TVector b0 = TWidth.Load(ref b, strip);
            TVector b1 = TWidth.Load(ref b, strip + lanes);
            ref T xStrip = ref Unsafe.Add(ref x, strip);
            ref T yStrip = ref Unsafe.Add(ref y, strip);
            for (nint r = 0; r < rows; r++)
            {
                ref T xRow = ref Unsafe.Add(ref xStrip, r * features);
                ref T yRow = ref Unsafe.Add(ref yStrip, r * features);
                TWidth.Store(Normalized<T, TWidth, TVector, TRelu>(TWidth.Load(ref xRow, 0), c0, s0, b0), ref yRow, 0);
                TWidth.Store(Normalized<T, TWidth, TVector, TRelu>(TWidth.Load(ref xRow, lanes), c1, s1, b1), ref yRow, lanes);
            }
        }

        return stripEnd;
    }

    /// <summary>(x - c) * s + b, through the ReLU when <typeparamref name="TRelu"/> says so: the row walk's steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Normalized<T, TWidth, TVector, TRelu>(TVector x, TVector c, TVector s, TVector b)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        TVector value = TWidth.Add(TWidth.Multiply(TWidth.Subtract(x, c), s), b);
        return TRelu.Value ? TWidth.Relu(value) : value;
    }

    /// <summary>x - pivot and dy' of one vector, the ReLU's mask from registers: the row walk's steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector Centered, TVector Gradient) CenteredAndGradient<T, TWidth, TVector, TRelu>(TVector x, TVector dy, TVector pivot, TVector scale, TVector shift)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        TVector centered = TWidth.Subtract(x, pivot);
        TVector gradient = TRelu.Value ? TWidth.WherePositive(TWidth.Add(TWidth.Multiply(centered, scale), shift), dy) : dy;
        return (centered, gradient);
    }

    /// <summary><see cref="BackwardSumsRows"/> in strips; returns where the strips end.</summary>
    private static nint BackwardSumsStrips<T, TWidth, TVector, TRelu>(
        ref T x, ref T dy, nint rows, nint features, ref T pivot, ref T scale, ref T shift, ref T sumDy, ref T sumDyCentered)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        nint lanes = TWidth.Count;
        nint stripEnd = StripEnd(features, lanes);
        for (nint strip = 0; strip < stripEnd; strip += StripVectors * lanes)
        {
            TVector pivot0 = TWidth.Load(ref pivot, strip);
            TVector pivot1 = TWidth.Load(ref pivot, strip + lanes);
            TVector scale0 = TRelu.Value ? TWidth.Load(ref scale, strip) : default;
            TVector scale1 = TRelu.Value ? TWidth.Load(ref scale, strip + lanes) : default;
            TVector shift0 = TRelu.Value ? TWidth.Load(ref shift, strip) : default;
            TVector shift1 = TRelu.Value ? TWidth.Load(ref shift, strip + lanes) : default;
            TVector sumDy0 = TWidth.Zero;
            TVector sumDy1 = TWidth.Zero;
            TVector sumDyCentered0 = TWidth.Zero;
            TVector sumDyCentered1 = TWidth.Zero;
            ref T xStrip = ref Unsafe.Add(ref x, strip);
            ref T dyStrip = ref Unsafe.Add(ref dy, strip);
            for (nint r = 0; r < rows; r++)
            {
                ref T xRow = ref Unsafe.Add(ref xStrip, r * features);
                ref T dyRow = ref Unsafe.Add(ref dyStrip, r * features);
                (TVector centered0, TVector gradient0) = CenteredAndGradient<T, TWidth, TVector, TRelu>(TWidth.Load(ref xRow, 0), TWidth.Load(ref dyRow, 0), pivot0, scale0, shift0);
                (TVector centered1, TVector gradient1) = CenteredAndGradient<T, TWidth, TVector, TRelu>(TWidth.Load(ref xRow, lanes), TWidth.Load(ref dyRow, lanes), pivot1, scale1, shift1);
                sumDy0 = TWidth.Add(sumDy0, gradient0);
                sumDyCentered0 = TWidth.Add(sumDyCentered0, TWidth.Multiply(gradient0, centered0));
                sumDy1 = TWidth.Add(sumDy1, gradient1);
                sumDyCentered1 = TWidth.Add(sumDyCentered1, TWidth.Multiply(gradient1, centered1));
            }

            TWidth.Store(sumDy0, ref sumDy, strip);
            TWidth.Store(sumDy1, ref sumDy, strip + lanes);
            TWidth.Store(sumDyCentered0, ref sumDyCentered, strip);
            TWidth.Store(sumDyCentered1, ref sumDyCentered, strip + lanes);
        }

        return stripEnd;
    }

    /// <summary><see cref="BackwardInputRows"/> in strips; returns where the strips end.</summary>
    private static nint BackwardInputStrips<T, TWidth, TVector, TRelu>(
        ref T x, ref T dy, nint rows, nint features, ref T pivot, ref T scale, ref T shift, ref T dx, ref T a, ref T k, ref T c)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        nint lanes = TWidth.Count;
        nint stripEnd = StripEnd(features, lanes);
        for (nint strip = 0; strip < stripEnd; strip += StripVectors * lanes)
        {
            TVector pivot0 = TWidth.Load(ref pivot, strip);
            TVector pivot1 = TWidth.Load(ref pivot, strip + lanes);
            TVector scale0 = TRelu.Value ? TWidth.Load(ref scale, strip) : default;
            TVector scale1 = TRelu.Value ? TWidth.Load(ref scale, strip + lanes) : default;
            TVector shift0 = TRelu.Value ? TWidth.Load(ref shift, strip) : default;
            TVector shift1 = TRelu.Value ? TWidth.Load(ref shift, strip + lanes) : default;
            TVector a0 = TWidth.Load(ref a, strip);
            TVector a1 = TWidth.Load(ref a, strip + lanes);
            TVector k0 = TWidth.Load(ref k, strip);
            TVector k1 = TWidth.Load(ref k, strip + lanes);
            TVector c0 = TWidth.Load(ref c, strip);
            TVector c1 = TWidth.Load(ref c, strip + lanes);
            ref T xStrip = ref Unsafe.Add(ref x, strip);
            ref T dyStrip = ref Unsafe.Add(ref dy, strip);
            ref T dxStrip = ref Unsafe.Add(ref dx, strip);
            for (nint r = 0; r < rows; r++)
            {
                ref T xRow = ref Unsafe.Add(ref xStrip, r * features);
                ref T dyRow = ref Unsafe.Add(ref dyStrip, r * features);
                ref T dxRow = ref Unsafe.Add(ref dxStrip, r * features);
                (TVector centered0, TVector gradient0) = CenteredAndGradient<T, TWidth, TVector, TRelu>(TWidth.Load(ref xRow, 0), TWidth.Load(ref dyRow, 0), pivot0, scale0, shift0);
                (TVector centered1, TVector gradient1) = CenteredAndGradient<T, TWidth, TVector, TRelu>(TWidth.Load(ref xRow, lanes), TWidth.Load(ref dyRow, lanes), pivot1, scale1, shift1);
                TWidth.Store(TWidth.Add(TWidth.Add(TWidth.Multiply(a0, gradient0), TWidth.Multiply(k0, centered0)), c0), ref dxRow, 0);
                TWidth.Store(TWidth.Add(TWidth.Add(TWidth.Multiply(a1, gradient1), TWidth.Multiply(k1, centered1)), c1), ref dxRow, lanes);
            }
        }

        return stripEnd;
    }
}
