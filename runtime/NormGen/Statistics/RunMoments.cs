using System.Numerics;
using System.Runtime.CompilerServices;

namespace NormGen.Statistics;

/// <summary>
/// Two-pass statistics of one feature over a few contiguous runs of values (one channel's spatial positions in
/// several samples of NCHW data), about a scalar pivot: <c>mean = mean(x - pivot)</c> rounded to the element type,
/// and <c>m2 = sum(x - pivot - mean)^2</c> in double. Vectorized along each run with two accumulators; a run's last
/// partial vector is loaded overlapping the one before and masked.
/// </summary>
/// <remarks>
/// As in <see cref="ColumnMoments"/>, a float accumulator takes at most <see cref="FloatBlockPairs"/> vectors
/// before it is widened and added in double, so float rounding cannot pile up however long the runs. No checks.
/// </remarks>
internal static class RunMoments
{
    /// <summary>Vector pairs summed in float before widening to double (each float accumulator gets at most this many).</summary>
    public const int FloatBlockPairs = 8;

    /// <summary>Statistics of <paramref name="runs"/> runs of <paramref name="length"/> values, run starts <paramref name="stride"/> elements apart.</summary>
    /// <param name="x">The first run's first value.</param>
    /// <param name="stride">Elements from one run's start to the next.</param>
    /// <param name="runs">Runs; at least 1.</param>
    /// <param name="length">Values per run; at least 1.</param>
    /// <param name="pivot">The value the statistics are taken relative to (one of the data values).</param>
    /// <param name="mean">Receives the mean of x - pivot, rounded to the element type.</param>
    /// <param name="m2">Receives the sum of squared deviations from that mean, in double.</param>
    public static void Compute<T>(ref T x, nint stride, int runs, int length, T pivot, out T mean, out double m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector.IsHardwareAccelerated || length < Vector<T>.Count)
        {
            Scalar(ref x, stride, runs, length, pivot, out mean, out m2);
        }
        else if (typeof(T) == typeof(float))
        {
            Floats(ref Unsafe.As<T, float>(ref x), stride, runs, length, float.CreateTruncating(pivot), out float floatMean, out m2);
            mean = T.CreateTruncating(floatMean);
        }
        else
        {
            Doubles(ref Unsafe.As<T, double>(ref x), stride, runs, length, double.CreateTruncating(pivot), out double doubleMean, out m2);
            mean = T.CreateTruncating(doubleMean);
        }
    }

    private static void Floats(ref float x, nint stride, int runs, int length, float pivot, out float mean, out double m2)
    {
        int lanes = Vector<float>.Count;
        int full = length - (length % lanes);
        bool tail = full != length;
        var mask = Vector.GreaterThanOrEqual(LaneIndex<float>.Value, new Vector<float>(lanes - (length - full)));
        var p = new Vector<float>(pivot);

        Vector<double> lower = default, upper = default;
        Vector<float> s0 = default, s1 = default;
        int pending = 0;
        ref float run = ref x;
        for (int k = 0; k < runs; k++)
        {
            int i = 0;
            for (; i <= full - (2 * lanes); i += 2 * lanes)
            {
                s0 += Vector.LoadUnsafe(ref run, (nuint)i) - p;
                s1 += Vector.LoadUnsafe(ref run, (nuint)(i + lanes)) - p;
                if (++pending == FloatBlockPairs)
                {
                    Flush(ref s0, ref s1, ref lower, ref upper, ref pending);
                }
            }

            if (i < full)
            {
                s0 += Vector.LoadUnsafe(ref run, (nuint)i) - p;
            }

            if (tail)
            {
                // Lanes from lanes - (length - full) on are new; the others were counted by the vector before.
                s1 += Vector.ConditionalSelect(mask, Vector.LoadUnsafe(ref run, (nuint)(length - lanes)) - p, Vector<float>.Zero);
            }

            if ((i < full || tail) && ++pending == FloatBlockPairs)
            {
                Flush(ref s0, ref s1, ref lower, ref upper, ref pending);
            }

            run = ref Unsafe.Add(ref run, stride);
        }

        Flush(ref s0, ref s1, ref lower, ref upper, ref pending);
        double count = (double)runs * length;
        mean = (float)(Vector.Sum(lower + upper) / count);

        var m = new Vector<float>(mean);
        lower = upper = default;
        run = ref x;
        for (int k = 0; k < runs; k++)
        {
            int i = 0;
            for (; i <= full - (2 * lanes); i += 2 * lanes)
            {
                var d0 = Vector.LoadUnsafe(ref run, (nuint)i) - p - m;
                var d1 = Vector.LoadUnsafe(ref run, (nuint)(i + lanes)) - p - m;
                s0 = SquareAdd(d0, s0);
                s1 = SquareAdd(d1, s1);
                if (++pending == FloatBlockPairs)
                {
                    Flush(ref s0, ref s1, ref lower, ref upper, ref pending);
                }
            }

            if (i < full)
            {
                var d = Vector.LoadUnsafe(ref run, (nuint)i) - p - m;
                s0 = SquareAdd(d, s0);
            }

            if (tail)
            {
                var d = Vector.ConditionalSelect(mask, Vector.LoadUnsafe(ref run, (nuint)(length - lanes)) - p - m, Vector<float>.Zero);
                s1 = SquareAdd(d, s1);
            }

            if ((i < full || tail) && ++pending == FloatBlockPairs)
            {
                Flush(ref s0, ref s1, ref lower, ref upper, ref pending);
            }

            run = ref Unsafe.Add(ref run, stride);
        }

        Flush(ref s0, ref s1, ref lower, ref upper, ref pending);
        m2 = Vector.Sum(lower + upper);
    }

    /// <summary>Adds both float accumulators, widened, to the double ones and clears them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Flush(ref Vector<float> s0, ref Vector<float> s1, ref Vector<double> lower, ref Vector<double> upper, ref int pending)
    {
        Vector.Widen(s0, out Vector<double> low0, out Vector<double> high0);
        Vector.Widen(s1, out Vector<double> low1, out Vector<double> high1);
        lower += low0 + low1;
        upper += high0 + high1;
        s0 = s1 = default;
        pending = 0;
    }

    private static void Doubles(ref double x, nint stride, int runs, int length, double pivot, out double mean, out double m2)
    {
        int lanes = Vector<double>.Count;
        int full = length - (length % lanes);
        bool tail = full != length;
        var mask = Vector.GreaterThanOrEqual(LaneIndex<double>.Value, new Vector<double>(lanes - (length - full)));
        var p = new Vector<double>(pivot);
        Vector<double> s0 = default, s1 = default;
        ref double run = ref x;
        for (int k = 0; k < runs; k++)
        {
            int i = 0;
            for (; i <= full - (2 * lanes); i += 2 * lanes)
            {
                s0 += Vector.LoadUnsafe(ref run, (nuint)i) - p;
                s1 += Vector.LoadUnsafe(ref run, (nuint)(i + lanes)) - p;
            }

            if (i < full)
            {
                s0 += Vector.LoadUnsafe(ref run, (nuint)i) - p;
            }

            if (tail)
            {
                s1 += Vector.ConditionalSelect(mask, Vector.LoadUnsafe(ref run, (nuint)(length - lanes)) - p, Vector<double>.Zero);
            }

            run = ref Unsafe.Add(ref run, stride);
        }

        mean = Vector.Sum(s0 + s1) / ((double)runs * length);
        var m = new Vector<double>(mean);
        s0 = s1 = default;
        run = ref x;
        for (int k = 0; k < runs; k++)
        {
            int i = 0;
            for (; i <= full - (2 * lanes); i += 2 * lanes)
            {
                var d0 = Vector.LoadUnsafe(ref run, (nuint)i) - p - m;
                var d1 = Vector.LoadUnsafe(ref run, (nuint)(i + lanes)) - p - m;
                s0 = SquareAdd(d0, s0);
                s1 = SquareAdd(d1, s1);
            }

            if (i < full)
            {
                var d = Vector.LoadUnsafe(ref run, (nuint)i) - p - m;
                s0 = SquareAdd(d, s0);
            }

            if (tail)
            {
                var d = Vector.ConditionalSelect(mask, Vector.LoadUnsafe(ref run, (nuint)(length - lanes)) - p - m, Vector<double>.Zero);
                s1 = SquareAdd(d, s1);
            }

            run = ref Unsafe.Add(ref run, stride);
        }

        m2 = Vector.Sum(s0 + s1);
    }

    /// <summary>Without vectors: differences in the element type, sums in double.</summary>
    private static void Scalar<T>(ref T x, nint stride, int runs, int length, T pivot, out T mean, out double m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        ref T run = ref x;
        for (int k = 0; k < runs; k++)
        {
            for (int i = 0; i < length; i++)
            {
                sum += double.CreateTruncating(Unsafe.Add(ref run, i) - pivot);
            }

            run = ref Unsafe.Add(ref run, stride);
        }

        mean = T.CreateTruncating(sum / ((double)runs * length));
        double squares = 0;
        run = ref x;
        for (int k = 0; k < runs; k++)
        {
            for (int i = 0; i < length; i++)
            {
                double d = double.CreateTruncating(Unsafe.Add(ref run, i) - pivot - mean);
                squares += d * d;
            }

            run = ref Unsafe.Add(ref run, stride);
        }

        m2 = squares;
    }

    /// <summary>0, 1, 2, ... in the lanes of a <see cref="Vector{T}"/>.</summary>
    private static class LaneIndex<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly Vector<T> Value = Create();

        private static Vector<T> Create()
        {
            var lanes = new T[Vector<T>.Count];
            for (int i = 0; i < lanes.Length; i++)
            {
                lanes[i] = T.CreateTruncating(i);
            }

            return new Vector<T>(lanes);
        }
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
