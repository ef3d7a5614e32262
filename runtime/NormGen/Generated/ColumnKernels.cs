using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NormGen.Generated;

/// <summary>
/// Batch norm's kernels over (rows, features) data with Spatial = 1, for rows too wide for the generated kernels that
/// keep a whole row (or a column strip) in registers: each vector lane is one feature, and the running sums of a
/// reduction live in the kernel's output spans, which stay in L1 while the rows stream past (input of up to 32 KiB is
/// walked in column strips first, with the sums in registers: ColumnKernels.Strips.cs). Generated layers call these
/// from their kernel dispatchers after their own register kernels (the widths where a row fits in registers, and the
/// 512-bit column strips), with <c>features</c> their compile-time constant.
/// </summary>
/// <remarks>
/// <para>Infrastructure for generated code, not for direct use: it may change in any release.</para>
/// <para>
/// Every entry takes the call's <see cref="StreamMode"/>: only input in cache (and in L1) takes the column strips.
/// </para>
/// <para>
/// Each entry runs 256-bit vectors when they are accelerated and fit in a row, else 128-bit ones, else a scalar loop;
/// never 512-bit ones (generated code covers those). A row that is not a multiple of the vector width ends with one
/// vector that overlaps the last full one: its sums run in registers and are stored after the others, so shared lanes get
/// the same sums (lanes are features, and each feature's additions happen in the same order in either vector).
/// </para>
/// <para>
/// The summation order is fixed and shared with the generated kernels: the first statistics pass adds rows one at a time,
/// the second takes <see cref="ReductionRows"/> rows at a time as a balanced tree, and a widening float layer sums in
/// float over <see cref="FloatSumRows"/> rows, then in double. So every width, and the generated 512-bit kernels, give
/// the same bits for a feature, whatever the machine's vectors or the size of the call.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class ColumnKernels
{
    /// <summary>Rows per block of the second statistics pass (a short tree per block).</summary>
    public const int ReductionRows = 4;

    /// <summary>Most rows a float sum of a widening layer's statistics covers before it moves into double.</summary>
    public const int FloatSumRows = 16;

    /// <summary>
    /// A chunk's mean of <c>x - pivot</c> and M2 about it, per feature. <paramref name="widen"/>: a float layer sums in
    /// float over <see cref="FloatSumRows"/> rows, then in double (at most 2,048 features: the double sums live on the
    /// stack); otherwise every sum runs in T.
    /// </summary>
    public static void ChunkMoments<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> pivot, Span<T> mean, Span<T> squares, int features, bool widen, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T xStart = ref MemoryMarshal.GetReference(x);
        ref T pivotStart = ref MemoryMarshal.GetReference(pivot);
        ref T meanStart = ref MemoryMarshal.GetReference(mean);
        ref T squaresStart = ref MemoryMarshal.GetReference(squares);
        nint rows = x.Length / features;
        if (widen && typeof(T) == typeof(float))
        {
            if (Vector256.IsHardwareAccelerated && features >= Vector256<T>.Count)
            {
                WideningMoments<T, Width256<T>, Vector256<T>>(ref xStart, rows, features, ref pivotStart, ref meanStart, ref squaresStart, streaming);
            }
            else if (Vector128.IsHardwareAccelerated && features >= Vector128<T>.Count)
            {
                WideningMoments<T, Width128<T>, Vector128<T>>(ref xStart, rows, features, ref pivotStart, ref meanStart, ref squaresStart, streaming);
            }
            else
            {
                WideningMomentsScalar(ref xStart, rows, features, ref pivotStart, ref meanStart, ref squaresStart);
            }
        }
        else if (Vector256.IsHardwareAccelerated && features >= Vector256<T>.Count)
        {
            Moments<T, Width256<T>, Vector256<T>>(ref xStart, rows, features, ref pivotStart, ref meanStart, ref squaresStart, streaming);
        }
        else if (Vector128.IsHardwareAccelerated && features >= Vector128<T>.Count)
        {
            Moments<T, Width128<T>, Vector128<T>>(ref xStart, rows, features, ref pivotStart, ref meanStart, ref squaresStart, streaming);
        }
        else
        {
            MomentsScalar(ref xStart, rows, features, ref pivotStart, ref meanStart, ref squaresStart);
        }
    }

    /// <summary>y = (x - center) * scale + shift per feature, through the ReLU when <paramref name="relu"/>; y may be x.</summary>
    public static void Normalize<T>(
        ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> center, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, int features, bool relu, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T xStart = ref MemoryMarshal.GetReference(x);
        ref T yStart = ref MemoryMarshal.GetReference(y);
        ref T c = ref MemoryMarshal.GetReference(center);
        ref T s = ref MemoryMarshal.GetReference(scale);
        ref T b = ref MemoryMarshal.GetReference(shift);
        nint rows = x.Length / features;
        if (Vector256.IsHardwareAccelerated && features >= Vector256<T>.Count)
        {
            if (relu)
            {
                Normalize<T, Width256<T>, Vector256<T>, Yes>(ref xStart, rows, features, ref yStart, ref c, ref s, ref b, streaming);
            }
            else
            {
                Normalize<T, Width256<T>, Vector256<T>, No>(ref xStart, rows, features, ref yStart, ref c, ref s, ref b, streaming);
            }
        }
        else if (Vector128.IsHardwareAccelerated && features >= Vector128<T>.Count)
        {
            if (relu)
            {
                Normalize<T, Width128<T>, Vector128<T>, Yes>(ref xStart, rows, features, ref yStart, ref c, ref s, ref b, streaming);
            }
            else
            {
                Normalize<T, Width128<T>, Vector128<T>, No>(ref xStart, rows, features, ref yStart, ref c, ref s, ref b, streaming);
            }
        }
        else
        {
            for (nint r = 0; r < rows; r++)
            {
                ref T xRow = ref Unsafe.Add(ref xStart, r * features);
                ref T yRow = ref Unsafe.Add(ref yStart, r * features);
                for (nint f = 0; f < features; f++)
                {
                    T value = (Unsafe.Add(ref xRow, f) - Unsafe.Add(ref c, f)) * Unsafe.Add(ref s, f) + Unsafe.Add(ref b, f);
                    Unsafe.Add(ref yRow, f) = relu ? T.Max(value, T.Zero) : value;
                }
            }
        }
    }

    /// <summary>
    /// Per feature, sum(dy') and sum(dy' * (x - pivot)), where dy' is dy, or under a fused ReLU dy where
    /// (x - pivot) * scale + shift &gt; 0 and 0 elsewhere (scale and shift are read only then).
    /// </summary>
    public static void BackwardSums<T>(
        ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> pivot, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift,
        Span<T> sumDy, Span<T> sumDyCentered, int features, bool relu, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T xStart = ref MemoryMarshal.GetReference(x);
        ref T dyStart = ref MemoryMarshal.GetReference(dy);
        ref T p = ref MemoryMarshal.GetReference(pivot);
        ref T s = ref MemoryMarshal.GetReference(scale);
        ref T b = ref MemoryMarshal.GetReference(shift);
        ref T sumDyStart = ref MemoryMarshal.GetReference(sumDy);
        ref T sumDyCenteredStart = ref MemoryMarshal.GetReference(sumDyCentered);
        nint rows = x.Length / features;
        sumDy.Slice(0, features).Clear();
        sumDyCentered.Slice(0, features).Clear();
        if (Vector256.IsHardwareAccelerated && features >= Vector256<T>.Count)
        {
            if (relu)
            {
                BackwardSums<T, Width256<T>, Vector256<T>, Yes>(ref xStart, ref dyStart, rows, features, ref p, ref s, ref b, ref sumDyStart, ref sumDyCenteredStart, streaming);
            }
            else
            {
                BackwardSums<T, Width256<T>, Vector256<T>, No>(ref xStart, ref dyStart, rows, features, ref p, ref s, ref b, ref sumDyStart, ref sumDyCenteredStart, streaming);
            }
        }
        else if (Vector128.IsHardwareAccelerated && features >= Vector128<T>.Count)
        {
            if (relu)
            {
                BackwardSums<T, Width128<T>, Vector128<T>, Yes>(ref xStart, ref dyStart, rows, features, ref p, ref s, ref b, ref sumDyStart, ref sumDyCenteredStart, streaming);
            }
            else
            {
                BackwardSums<T, Width128<T>, Vector128<T>, No>(ref xStart, ref dyStart, rows, features, ref p, ref s, ref b, ref sumDyStart, ref sumDyCenteredStart, streaming);
            }
        }
        else
        {
            for (nint r = 0; r < rows; r++)
            {
                for (nint f = 0; f < features; f++)
                {
                    (T centered, T gradient) = CenteredAndGradient(ref Unsafe.Add(ref xStart, r * features), ref Unsafe.Add(ref dyStart, r * features), f, ref p, ref s, ref b, relu);
                    Unsafe.Add(ref sumDyStart, f) += gradient;
                    Unsafe.Add(ref sumDyCenteredStart, f) += gradient * centered;
                }
            }
        }
    }

    /// <summary>
    /// dx = dyCoefficient * dy' + xCoefficient * (x - pivot) + bias per feature, dy' as in
    /// <see cref="BackwardSums{T}"/>; dx may be dy.
    /// </summary>
    public static void BackwardInput<T>(
        ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, ReadOnlySpan<T> pivot, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift,
        ReadOnlySpan<T> dyCoefficient, ReadOnlySpan<T> xCoefficient, ReadOnlySpan<T> bias, int features, bool relu, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T xStart = ref MemoryMarshal.GetReference(x);
        ref T dyStart = ref MemoryMarshal.GetReference(dy);
        ref T p = ref MemoryMarshal.GetReference(pivot);
        ref T s = ref MemoryMarshal.GetReference(scale);
        ref T b = ref MemoryMarshal.GetReference(shift);
        ref T dxStart = ref MemoryMarshal.GetReference(dx);
        ref T a = ref MemoryMarshal.GetReference(dyCoefficient);
        ref T k = ref MemoryMarshal.GetReference(xCoefficient);
        ref T c = ref MemoryMarshal.GetReference(bias);
        nint rows = x.Length / features;
        if (Vector256.IsHardwareAccelerated && features >= Vector256<T>.Count)
        {
            if (relu)
            {
                BackwardInput<T, Width256<T>, Vector256<T>, Yes>(ref xStart, ref dyStart, rows, features, ref p, ref s, ref b, ref dxStart, ref a, ref k, ref c, streaming);
            }
            else
            {
                BackwardInput<T, Width256<T>, Vector256<T>, No>(ref xStart, ref dyStart, rows, features, ref p, ref s, ref b, ref dxStart, ref a, ref k, ref c, streaming);
            }
        }
        else if (Vector128.IsHardwareAccelerated && features >= Vector128<T>.Count)
        {
            if (relu)
            {
                BackwardInput<T, Width128<T>, Vector128<T>, Yes>(ref xStart, ref dyStart, rows, features, ref p, ref s, ref b, ref dxStart, ref a, ref k, ref c, streaming);
            }
            else
            {
                BackwardInput<T, Width128<T>, Vector128<T>, No>(ref xStart, ref dyStart, rows, features, ref p, ref s, ref b, ref dxStart, ref a, ref k, ref c, streaming);
            }
        }
        else
        {
            for (nint r = 0; r < rows; r++)
            {
                ref T dxRow = ref Unsafe.Add(ref dxStart, r * features);
                for (nint f = 0; f < features; f++)
                {
                    (T centered, T gradient) = CenteredAndGradient(ref Unsafe.Add(ref xStart, r * features), ref Unsafe.Add(ref dyStart, r * features), f, ref p, ref s, ref b, relu);
                    Unsafe.Add(ref dxRow, f) = Unsafe.Add(ref a, f) * gradient + Unsafe.Add(ref k, f) * centered + Unsafe.Add(ref c, f);
                }
            }
        }
    }

    /// <summary>A compile-time flag: each width body is compiled once with the fused ReLU and once without, no test per vector.</summary>
    private interface IFlag
    {
        static abstract bool Value { get; }
    }

    private readonly struct Yes : IFlag
    {
        public static bool Value => true;
    }

    private readonly struct No : IFlag
    {
        public static bool Value => false;
    }

    /// <summary>
    /// How vectors of <paramref name="lanes"/> cover a row: whole vectors up to loopEnd, then, when the row is not a
    /// multiple of the width, one more at tail that overlaps the last whole one.
    /// </summary>
    private static (nint LoopEnd, nint Tail, bool HasTail) Cover(nint features, nint lanes)
    {
        nint loopEnd = features - features % lanes;
        return (loopEnd, features - lanes, loopEnd != features);
    }

    /// <summary>x - pivot and dy' at feature <paramref name="f"/> of a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T Centered, T Gradient) CenteredAndGradient<T>(ref T xRow, ref T dyRow, nint f, ref T pivot, ref T scale, ref T shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T centered = Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f);
        T gradient = Unsafe.Add(ref dyRow, f);
        if (relu && !(centered * Unsafe.Add(ref scale, f) + Unsafe.Add(ref shift, f) > T.Zero))
        {
            gradient = T.Zero;
        }

        return (centered, gradient);
    }

    /// <summary>The vectors of x - pivot and dy' at <paramref name="f"/> of a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector Centered, TVector Gradient) CenteredAndGradient<T, TWidth, TVector>(ref T xRow, ref T dyRow, nint f, ref T pivot, ref T scale, ref T shift, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        TVector centered = TWidth.Subtract(TWidth.Load(ref xRow, f), TWidth.Load(ref pivot, f));
        TVector gradient = TWidth.Load(ref dyRow, f);
        if (relu)
        {
            gradient = TWidth.WherePositive(TWidth.Add(TWidth.Multiply(centered, TWidth.Load(ref scale, f)), TWidth.Load(ref shift, f)), gradient);
        }

        return (centered, gradient);
    }

    /// <summary>The statistics with every sum in T: pass 1 row after row, pass 2 <see cref="ReductionRows"/> rows at a time.</summary>
    private static void MomentsRows<T, TWidth, TVector>(ref T x, nint rows, nint stride, nint width, ref T pivot, ref T mean, ref T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        (nint loopEnd, nint tail, bool hasTail) = Cover(width, lanes);
        TVector inverseRows = TWidth.Create(T.One / T.CreateTruncating(rows));

        // Pass 1: sums of x - pivot, row after row; the overlapping last vector sums in a register.
        MemoryMarshal.CreateSpan(ref mean, (int)width).Clear();
        TVector pivotTail = TWidth.Load(ref pivot, tail);
        TVector sumTail = TWidth.Zero;
        for (nint r = 0; r < rows; r++)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * stride);
            AddDifferences<T, TWidth, TVector>(ref xRow, loopEnd, ref pivot, ref mean);
            if (hasTail)
            {
                sumTail = TWidth.Add(sumTail, TWidth.Subtract(TWidth.Load(ref xRow, tail), pivotTail));
            }
        }

        for (nint f = 0; f < loopEnd; f += lanes)
        {
            TWidth.Store(TWidth.Multiply(TWidth.Load(ref mean, f), inverseRows), ref mean, f);
        }

        TVector meanTail = TWidth.Multiply(sumTail, inverseRows);
        if (hasTail)
        {
            TWidth.Store(meanTail, ref mean, tail);
        }

        // Pass 2: squared deviations from the chunk mean; the chunk is still in cache.
        MemoryMarshal.CreateSpan(ref squares, (int)width).Clear();
        TVector squaresTail = TWidth.Zero;
        nint blockedRows = rows - rows % ReductionRows;
        for (nint r = 0; r < blockedRows; r += ReductionRows)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * stride);
            AddSquaredDeviations<T, TWidth, TVector>(ref xRow, stride, loopEnd, ref pivot, ref mean, ref squares);
            if (hasTail)
            {
                squaresTail = TWidth.Add(squaresTail, SquaredDeviations<T, TWidth, TVector>(ref Unsafe.Add(ref xRow, tail), stride, pivotTail, meanTail));
            }
        }

        for (nint r = blockedRows; r < rows; r++)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * stride);
            AddSquaredDeviation<T, TWidth, TVector>(ref xRow, loopEnd, ref pivot, ref mean, ref squares);
            if (hasTail)
            {
                TVector deviation = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref xRow, tail), pivotTail), meanTail);
                squaresTail = TWidth.Add(squaresTail, TWidth.Multiply(deviation, deviation));
            }
        }

        if (hasTail)
        {
            TWidth.Store(squaresTail, ref squares, tail);
        }
    }

    /// <summary>
    /// The statistics of a float layer, each sum in float over <see cref="FloatSumRows"/> rows and then in double, so
    /// no float sum covers more than 16 rows whatever the chunk size. The double sums live on the stack, the overlapping
    /// last vector's after the row's.
    /// </summary>
    private static void WideningMomentsRows<T, TWidth, TVector>(ref T x, nint rows, nint stride, nint width, ref T pivot, ref T mean, ref T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        nint lanes = TWidth.Count;
        (nint loopEnd, nint tail, bool hasTail) = Cover(width, lanes);
        double inverseRows = 1.0 / rows;
        nint blockedRows = rows - rows % FloatSumRows;
        Span<double> totals = stackalloc double[(int)(width + lanes)];
        ref double total = ref MemoryMarshal.GetReference(totals);
        ref double totalTail = ref Unsafe.Add(ref total, width);

        // Pass 1: sums of x - pivot, row after row, in float over 16 rows (so rounding stays near 16 * 2^-24), then in double.
        MemoryMarshal.CreateSpan(ref mean, (int)width).Clear();
        totals.Clear();
        TVector pivotTail = TWidth.Load(ref pivot, tail);
        TVector sumTail = TWidth.Zero;
        for (nint start = 0; start < rows; start += FloatSumRows)
        {
            nint end = start < blockedRows ? start + FloatSumRows : rows;
            for (nint r = start; r < end; r++)
            {
                ref T xRow = ref Unsafe.Add(ref x, r * stride);
                AddDifferences<T, TWidth, TVector>(ref xRow, loopEnd, ref pivot, ref mean);
                if (hasTail)
                {
                    sumTail = TWidth.Add(sumTail, TWidth.Subtract(TWidth.Load(ref xRow, tail), pivotTail));
                }
            }

            MoveIntoDouble<T, TWidth, TVector>(ref mean, loopEnd, ref total);
            if (hasTail)
            {
                AddWidened(sumTail, ref totalTail, 0);
                sumTail = TWidth.Zero;
            }
        }

        for (nint f = 0; f < loopEnd; f += lanes)
        {
            TWidth.Store(Narrow<TVector>(ref total, f, inverseRows), ref mean, f);
        }

        TVector meanTail = Narrow<TVector>(ref totalTail, 0, inverseRows);
        if (hasTail)
        {
            TWidth.Store(meanTail, ref mean, tail);
        }

        // Pass 2: squared deviations from the chunk mean, 4 rows at a time; the chunk is still in cache.
        MemoryMarshal.CreateSpan(ref squares, (int)width).Clear();
        totals.Clear();
        TVector squaresTail = TWidth.Zero;
        for (nint start = 0; start < rows; start += FloatSumRows)
        {
            nint r = start;
            if (start < blockedRows)
            {
                for (; r < start + FloatSumRows; r += ReductionRows)
                {
                    ref T xRow = ref Unsafe.Add(ref x, r * stride);
                    AddSquaredDeviations<T, TWidth, TVector>(ref xRow, stride, loopEnd, ref pivot, ref mean, ref squares);
                    if (hasTail)
                    {
                        squaresTail = TWidth.Add(squaresTail, SquaredDeviations<T, TWidth, TVector>(ref Unsafe.Add(ref xRow, tail), stride, pivotTail, meanTail));
                    }
                }
            }
            else
            {
                for (; r < rows; r++)
                {
                    ref T xRow = ref Unsafe.Add(ref x, r * stride);
                    AddSquaredDeviation<T, TWidth, TVector>(ref xRow, loopEnd, ref pivot, ref mean, ref squares);
                    if (hasTail)
                    {
                        TVector deviation = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref xRow, tail), pivotTail), meanTail);
                        squaresTail = TWidth.Add(squaresTail, TWidth.Multiply(deviation, deviation));
                    }
                }
            }

            MoveIntoDouble<T, TWidth, TVector>(ref squares, loopEnd, ref total);
            if (hasTail)
            {
                AddWidened(squaresTail, ref totalTail, 0);
                squaresTail = TWidth.Zero;
            }
        }

        for (nint f = 0; f < loopEnd; f += lanes)
        {
            TWidth.Store(Narrow<TVector>(ref total, f, 1.0), ref squares, f);
        }

        if (hasTail)
        {
            TWidth.Store(Narrow<TVector>(ref totalTail, 0, 1.0), ref squares, tail);
        }
    }

    /// <summary>sums[f] += x[f] - pivot[f] over the full vectors of a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddDifferences<T, TWidth, TVector>(ref T xRow, nint loopEnd, ref T pivot, ref T sums)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        for (nint f = 0; f < loopEnd; f += TWidth.Count)
        {
            TWidth.Store(TWidth.Add(TWidth.Load(ref sums, f), TWidth.Subtract(TWidth.Load(ref xRow, f), TWidth.Load(ref pivot, f))), ref sums, f);
        }
    }

    /// <summary>squares[f] += ((x[f] - pivot[f]) - mean[f])^2 over the full vectors of a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSquaredDeviation<T, TWidth, TVector>(ref T xRow, nint loopEnd, ref T pivot, ref T mean, ref T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        for (nint f = 0; f < loopEnd; f += TWidth.Count)
        {
            TVector deviation = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref xRow, f), TWidth.Load(ref pivot, f)), TWidth.Load(ref mean, f));
            TWidth.Store(TWidth.Add(TWidth.Load(ref squares, f), TWidth.Multiply(deviation, deviation)), ref squares, f);
        }
    }

    /// <summary>squares[f] += the tree of the squared deviations of <see cref="ReductionRows"/> rows, over their full vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSquaredDeviations<T, TWidth, TVector>(ref T xRow, nint stride, nint loopEnd, ref T pivot, ref T mean, ref T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        for (nint f = 0; f < loopEnd; f += TWidth.Count)
        {
            TVector sum = SquaredDeviations<T, TWidth, TVector>(ref Unsafe.Add(ref xRow, f), stride, TWidth.Load(ref pivot, f), TWidth.Load(ref mean, f));
            TWidth.Store(TWidth.Add(TWidth.Load(ref squares, f), sum), ref squares, f);
        }
    }

    /// <summary>((d0^2 + d1^2) + (d2^2 + d3^2)) for the deviations of one vector in 4 rows <paramref name="stride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector SquaredDeviations<T, TWidth, TVector>(ref T x, nint stride, TVector pivot, TVector mean)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        TVector d0 = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, 0), pivot), mean);
        TVector d1 = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, stride), pivot), mean);
        TVector d2 = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, 2 * stride), pivot), mean);
        TVector d3 = TWidth.Subtract(TWidth.Subtract(TWidth.Load(ref x, 3 * stride), pivot), mean);
        return TWidth.Add(TWidth.Add(TWidth.Multiply(d0, d0), TWidth.Multiply(d1, d1)), TWidth.Add(TWidth.Multiply(d2, d2), TWidth.Multiply(d3, d3)));
    }

    /// <summary>Adds the float sums of the full vectors to the double totals and zeroes them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MoveIntoDouble<T, TWidth, TVector>(ref T sums, nint loopEnd, ref double total)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        for (nint f = 0; f < loopEnd; f += TWidth.Count)
        {
            AddWidened(TWidth.Load(ref sums, f), ref total, f);
            TWidth.Store(TWidth.Zero, ref sums, f);
        }
    }

    /// <summary>total[offset..] += the lanes of a float vector, widened to double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWidened<TVector>(TVector sums, ref double total, nint offset)
        where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector256<float>))
        {
            Vector256<float> value = Unsafe.As<TVector, Vector256<float>>(ref sums);
            (Vector256.LoadUnsafe(ref total, (nuint)offset) + Vector256.WidenLower(value)).StoreUnsafe(ref total, (nuint)offset);
            (Vector256.LoadUnsafe(ref total, (nuint)offset + 4) + Vector256.WidenUpper(value)).StoreUnsafe(ref total, (nuint)offset + 4);
        }
        else if (typeof(TVector) == typeof(Vector128<float>))
        {
            Vector128<float> value = Unsafe.As<TVector, Vector128<float>>(ref sums);
            (Vector128.LoadUnsafe(ref total, (nuint)offset) + Vector128.WidenLower(value)).StoreUnsafe(ref total, (nuint)offset);
            (Vector128.LoadUnsafe(ref total, (nuint)offset + 2) + Vector128.WidenUpper(value)).StoreUnsafe(ref total, (nuint)offset + 2);
        }
        else
        {
            throw new UnreachableException();
        }
    }

    /// <summary>The float vector of total[offset..] * scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Narrow<TVector>(ref double total, nint offset, double scale)
        where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector256<float>))
        {
            Vector256<double> s = Vector256.Create(scale);
            Vector256<float> value = Vector256.Narrow(Vector256.LoadUnsafe(ref total, (nuint)offset) * s, Vector256.LoadUnsafe(ref total, (nuint)offset + 4) * s);
            return Unsafe.As<Vector256<float>, TVector>(ref value);
        }

        if (typeof(TVector) == typeof(Vector128<float>))
        {
            Vector128<double> s = Vector128.Create(scale);
            Vector128<float> value = Vector128.Narrow(Vector128.LoadUnsafe(ref total, (nuint)offset) * s, Vector128.LoadUnsafe(ref total, (nuint)offset + 2) * s);
            return Unsafe.As<Vector128<float>, TVector>(ref value);
        }

        throw new UnreachableException();
    }

    private static void NormalizeRows<T, TWidth, TVector, TRelu>(ref T x, nint rows, nint stride, nint width, ref T y, ref T c, ref T s, ref T b)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        nint lanes = TWidth.Count;
        (nint loopEnd, nint tail, bool hasTail) = Cover(width, lanes);
        for (nint r = 0; r < rows; r++)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * stride);
            ref T yRow = ref Unsafe.Add(ref y, r * stride);

            // The overlapping last vector is read before any store, so y may be x itself.
            TVector yTail = hasTail ? Normalized<T, TWidth, TVector>(ref xRow, tail, ref c, ref s, ref b, TRelu.Value) : default;
            for (nint f = 0; f < loopEnd; f += lanes)
            {
                TWidth.Store(Normalized<T, TWidth, TVector>(ref xRow, f, ref c, ref s, ref b, TRelu.Value), ref yRow, f);
            }

            if (hasTail)
            {
                TWidth.Store(yTail, ref yRow, tail);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Normalized<T, TWidth, TVector>(ref T xRow, nint f, ref T c, ref T s, ref T b, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        TVector value = TWidth.Add(TWidth.Multiply(TWidth.Subtract(TWidth.Load(ref xRow, f), TWidth.Load(ref c, f)), TWidth.Load(ref s, f)), TWidth.Load(ref b, f));
        return relu ? TWidth.Relu(value) : value;
    }

    private static void BackwardSumsRows<T, TWidth, TVector, TRelu>(
        ref T x, ref T dy, nint rows, nint stride, nint width, ref T pivot, ref T scale, ref T shift, ref T sumDy, ref T sumDyCentered)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        nint lanes = TWidth.Count;
        (nint loopEnd, nint tail, bool hasTail) = Cover(width, lanes);

        // The overlapping last vector sums in registers, stored after the others: shared lanes get the same sums.
        TVector sumDyTail = TWidth.Zero;
        TVector sumDyCenteredTail = TWidth.Zero;
        for (nint r = 0; r < rows; r++)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * stride);
            ref T dyRow = ref Unsafe.Add(ref dy, r * stride);
            for (nint f = 0; f < loopEnd; f += lanes)
            {
                (TVector centered, TVector gradient) = CenteredAndGradient<T, TWidth, TVector>(ref xRow, ref dyRow, f, ref pivot, ref scale, ref shift, TRelu.Value);
                TWidth.Store(TWidth.Add(TWidth.Load(ref sumDy, f), gradient), ref sumDy, f);
                TWidth.Store(TWidth.Add(TWidth.Load(ref sumDyCentered, f), TWidth.Multiply(gradient, centered)), ref sumDyCentered, f);
            }

            if (hasTail)
            {
                (TVector centered, TVector gradient) = CenteredAndGradient<T, TWidth, TVector>(ref xRow, ref dyRow, tail, ref pivot, ref scale, ref shift, TRelu.Value);
                sumDyTail = TWidth.Add(sumDyTail, gradient);
                sumDyCenteredTail = TWidth.Add(sumDyCenteredTail, TWidth.Multiply(gradient, centered));
            }
        }

        if (hasTail)
        {
            TWidth.Store(sumDyTail, ref sumDy, tail);
            TWidth.Store(sumDyCenteredTail, ref sumDyCentered, tail);
        }
    }

    private static void BackwardInputRows<T, TWidth, TVector, TRelu>(
        ref T x, ref T dy, nint rows, nint stride, nint width, ref T pivot, ref T scale, ref T shift, ref T dx, ref T a, ref T k, ref T c)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
        where TRelu : struct, IFlag
    {
        nint lanes = TWidth.Count;
        (nint loopEnd, nint tail, bool hasTail) = Cover(width, lanes);
        for (nint r = 0; r < rows; r++)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * stride);
            ref T dyRow = ref Unsafe.Add(ref dy, r * stride);
            ref T dxRow = ref Unsafe.Add(ref dx, r * stride);

            // The overlapping last vector is read before any store, so dx may be dy itself.
            TVector dxTail = hasTail ? InputGradient<T, TWidth, TVector>(ref xRow, ref dyRow, tail, ref pivot, ref scale, ref shift, TRelu.Value, ref a, ref k, ref c) : default;
            for (nint f = 0; f < loopEnd; f += lanes)
            {
                TWidth.Store(InputGradient<T, TWidth, TVector>(ref xRow, ref dyRow, f, ref pivot, ref scale, ref shift, TRelu.Value, ref a, ref k, ref c), ref dxRow, f);
            }

            if (hasTail)
            {
                TWidth.Store(dxTail, ref dxRow, tail);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector InputGradient<T, TWidth, TVector>(
        ref T xRow, ref T dyRow, nint f, ref T pivot, ref T scale, ref T shift, bool relu, ref T a, ref T k, ref T c)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TWidth : struct, IVectorWidth<T, TVector>
        where TVector : struct
    {
        (TVector centered, TVector gradient) = CenteredAndGradient<T, TWidth, TVector>(ref xRow, ref dyRow, f, ref pivot, ref scale, ref shift, relu);
        return TWidth.Add(TWidth.Add(TWidth.Multiply(TWidth.Load(ref a, f), gradient), TWidth.Multiply(TWidth.Load(ref k, f), centered)), TWidth.Load(ref c, f));
    }

    /// <summary>The scalar statistics with every sum in T: mean first, then the squared deviations from it.</summary>
    private static void MomentsScalar<T>(ref T x, nint rows, nint features, ref T pivot, ref T mean, ref T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        MemoryMarshal.CreateSpan(ref mean, (int)features).Clear();
        MemoryMarshal.CreateSpan(ref squares, (int)features).Clear();
        for (nint r = 0; r < rows; r++)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * features);
            for (nint f = 0; f < features; f++)
            {
                Unsafe.Add(ref mean, f) += Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f);
            }
        }

        for (nint f = 0; f < features; f++)
        {
            Unsafe.Add(ref mean, f) /= T.CreateTruncating(rows);
        }

        for (nint r = 0; r < rows; r++)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * features);
            for (nint f = 0; f < features; f++)
            {
                T deviation = Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f) - Unsafe.Add(ref mean, f);
                Unsafe.Add(ref squares, f) += deviation * deviation;
            }
        }
    }

    /// <summary>The scalar statistics of a widening float layer: each difference and square added in double.</summary>
    private static void WideningMomentsScalar<T>(ref T x, nint rows, nint features, ref T pivot, ref T mean, ref T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<double> totals = stackalloc double[(int)features];
        for (nint r = 0; r < rows; r++)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * features);
            for (int f = 0; f < features; f++)
            {
                totals[f] += double.CreateTruncating(Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f));
            }
        }

        for (int f = 0; f < features; f++)
        {
            Unsafe.Add(ref mean, f) = T.CreateTruncating(totals[f] / rows);
            totals[f] = 0;
        }

        for (nint r = 0; r < rows; r++)
        {
            ref T xRow = ref Unsafe.Add(ref x, r * features);
            for (int f = 0; f < features; f++)
            {
                T deviation = Unsafe.Add(ref xRow, f) - Unsafe.Add(ref pivot, f) - Unsafe.Add(ref mean, f);
                totals[f] += double.CreateTruncating(deviation * deviation);
            }
        }

        for (int f = 0; f < features; f++)
        {
            Unsafe.Add(ref squares, f) = T.CreateTruncating(totals[f]);
        }
    }
}
