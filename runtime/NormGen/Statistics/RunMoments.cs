using System.Numerics;
using System.Runtime.CompilerServices;

namespace NormGen.Statistics;

/// <summary>
/// Two-pass statistics of one feature over a few contiguous runs of values (one channel's spatial positions in
/// several samples of NCHW data), about a scalar pivot: <c>mean = mean(x - pivot)</c> and
/// <c>m2 = sum(x - pivot - mean)^2</c>, in the element type. Vectorized along each run, two accumulators per
/// pass; a run's last partial vector is loaded overlapping the one before and masked.
/// </summary>
/// <remarks>
/// Every accumulator lane sums at most about half of <c>runs * ceil(length / Vector&lt;T&gt;.Count)</c> values; the
/// caller bounds that (<see cref="BatchReducer{T}.MaxVectorsPerRunChunk"/>) so a float sum cannot drift. No checks.
/// </remarks>
internal static class RunMoments
{
    /// <summary>Statistics of <paramref name="runs"/> runs of <paramref name="length"/> values, run starts <paramref name="stride"/> elements apart.</summary>
    /// <param name="x">The first run's first value.</param>
    /// <param name="stride">Elements from one run's start to the next.</param>
    /// <param name="runs">Runs; at least 1.</param>
    /// <param name="length">Values per run; at least 1, and at least Vector&lt;T&gt;.Count when vectors are used.</param>
    /// <param name="pivot">The value the statistics are taken relative to (one of the data values).</param>
    /// <param name="mean">Receives the mean of x - pivot.</param>
    /// <param name="m2">Receives the sum of squared deviations from the mean.</param>
    public static void Compute<T>(ref T x, nint stride, int runs, int length, T pivot, out T mean, out T m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Vector<T>.Count;
        T count = T.CreateTruncating((long)runs * length);
        if (!Vector.IsHardwareAccelerated || length < lanes)
        {
            Scalar(ref x, stride, runs, length, pivot, count, out mean, out m2);
            return;
        }

        // In a run's last, overlapping vector the lanes from lanes - tail on are new; the others were counted already.
        int tail = length % lanes;
        var tailMask = Vector.GreaterThanOrEqual(LaneIndex<T>.Value, new Vector<T>(T.CreateTruncating(lanes - tail)));
        var pivotVector = new Vector<T>(pivot);
        int pairEnd = length - (2 * lanes) + 1;
        var sum0 = Vector<T>.Zero;
        var sum1 = Vector<T>.Zero;
        ref T run = ref x;
        for (int k = 0; k < runs; k++)
        {
            int i = 0;
            for (; i < pairEnd; i += 2 * lanes)
            {
                sum0 += Vector.LoadUnsafe(ref run, (nuint)i) - pivotVector;
                sum1 += Vector.LoadUnsafe(ref run, (nuint)(i + lanes)) - pivotVector;
            }

            if (i <= length - lanes)
            {
                sum0 += Vector.LoadUnsafe(ref run, (nuint)i) - pivotVector;
            }

            if (tail != 0)
            {
                sum1 += Vector.ConditionalSelect(tailMask, Vector.LoadUnsafe(ref run, (nuint)(length - lanes)) - pivotVector, Vector<T>.Zero);
            }

            run = ref Unsafe.Add(ref run, stride);
        }

        mean = Vector.Sum(sum0 + sum1) / count;
        var meanVector = new Vector<T>(mean);
        sum0 = Vector<T>.Zero;
        sum1 = Vector<T>.Zero;
        run = ref x;
        for (int k = 0; k < runs; k++)
        {
            int i = 0;
            for (; i < pairEnd; i += 2 * lanes)
            {
                var d0 = Vector.LoadUnsafe(ref run, (nuint)i) - pivotVector - meanVector;
                var d1 = Vector.LoadUnsafe(ref run, (nuint)(i + lanes)) - pivotVector - meanVector;
                sum0 += d0 * d0;
                sum1 += d1 * d1;
            }

            if (i <= length - lanes)
            {
                var d = Vector.LoadUnsafe(ref run, (nuint)i) - pivotVector - meanVector;
                sum0 += d * d;
            }

            if (tail != 0)
            {
                var d = Vector.ConditionalSelect(tailMask, Vector.LoadUnsafe(ref run, (nuint)(length - lanes)) - pivotVector - meanVector, Vector<T>.Zero);
                sum1 += d * d;
            }

            run = ref Unsafe.Add(ref run, stride);
        }

        m2 = Vector.Sum(sum0 + sum1);
    }

    private static void Scalar<T>(ref T x, nint stride, int runs, int length, T pivot, T count, out T mean, out T m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        ref T run = ref x;
        for (int k = 0; k < runs; k++)
        {
            for (int i = 0; i < length; i++)
            {
                sum += Unsafe.Add(ref run, i) - pivot;
            }

            run = ref Unsafe.Add(ref run, stride);
        }

        mean = sum / count;
        T squares = T.Zero;
        run = ref x;
        for (int k = 0; k < runs; k++)
        {
            for (int i = 0; i < length; i++)
            {
                T d = Unsafe.Add(ref run, i) - pivot - mean;
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
}
