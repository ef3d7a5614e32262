using System;
using System.Collections.Generic;
using System.Numerics;
using NormGen.Generated;
using Xunit;

namespace NormGen.Tests.Runtime;

/// <summary>
/// The runtime's SegmentKernels against plain loops in double, at every length from 1 to 150: runs shorter than one
/// vector of each width (scalar code), the unrolled loops of every width (4 accumulators: 16 to 64 floats), the single
/// vectors after them, and the overlapping last vector with every number of new lanes. Each run sits between NaN
/// guards: a reduction that read a value outside it would return NaN, and a map that wrote outside it would change a
/// guard. Float and double, with and without the ReLU, in place (y = x, dx = dy) too.
/// </summary>
public class SegmentKernelsTests
{
    private const int Guard = 20;

    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int length = 1; length <= 150; length++)
        {
            data.Add(length);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Kernels_match_plain_loops(int length)
    {
        foreach (StreamMode streaming in Enum.GetValues<StreamMode>())
        {
            Check<float>(length, 2e-6, streaming);
            Check<double>(length, 1e-13, streaming);
        }
    }

    /// <summary>
    /// Streaming, AVX-512 hardware runs the 512-bit bodies as pairs of 256-bit vectors, and NonTemporal writes the
    /// aligned body of a run with non-temporal stores: every output must keep its bits, sums included, so a layer's
    /// result never depends on the size of the call. (Without AVX-512 the first two take the same path.)
    /// </summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void Streaming_kernels_give_the_same_bits(int length)
    {
        AssertEveryModeGivesTheSameBits(streaming => Check<float>(length, 2e-6, streaming));
        AssertEveryModeGivesTheSameBits(streaming => Check<double>(length, 1e-13, streaming));
    }

    /// <summary>Runs <paramref name="check"/> (which checks the outputs against their formulas) in every mode; the outputs must agree bit for bit.</summary>
    internal static void AssertEveryModeGivesTheSameBits<T>(Func<StreamMode, List<T>> check)
    {
        List<T> cached = check(StreamMode.Cached);
        Assert.Equal(cached, check(StreamMode.Streaming));
        Assert.Equal(cached, check(StreamMode.NonTemporal));
    }

    [Fact]
    public void Moments_stay_exact_when_the_pivot_is_an_outlier()
    {
        // A run whose first value, the pivot, lies 1000 standard deviations above the rest: one pass of sum(x - p)
        // and sum((x - p)^2) would lose about 6 digits of the variance here; two passes lose none that matter.
        foreach (double center in new[] { 0.0, 1e4 })
        {
            var random = new Random(7);
            const int length = 4099;
            double[] values = TestData.RoundToFloat(TestData.Normal(random, length, center, 1e-2));
            values[0] = (float)(center + 1000 * 1e-2);
            double mean = 0, m2 = 0;
            foreach (double v in values)
            {
                mean += v / length;
            }

            foreach (double v in values)
            {
                m2 += (v - mean) * (v - mean);
            }

            float[] x = TestData.ToFloat(values);
            float actualM2 = SegmentKernels.Moments(ref x[0], length, x[0], StreamMode.Cached, out float actualMean);
            // The mean relative to the pivot is about -10 (1000 std): a float holds it to about 1e-7 of that. M2 loses
            // what rounding x - pivot costs at center 0 (about 1e-6 relative here); one pass would be off by about 6%.
            double offset = Math.Abs(x[0] - mean);
            Assert.True(Math.Abs(x[0] + (double)actualMean - mean) <= 1e-6 * offset, $"mean {x[0] + (double)actualMean} vs {mean} (center {center})");
            Assert.True(Math.Abs(actualM2 - m2) <= 1e-5 * m2, $"M2 {actualM2} vs {m2} (center {center})");
        }
    }

    /// <summary>Checks every kernel at one length against plain loops; returns every output, sums and runs, in order.</summary>
    private static List<T> Check<T>(int length, double tolerance, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var outputs = new List<T>();
        var random = new Random(length);
        double[] x = TestData.RoundToFloat(TestData.Normal(random, length, 3, 2));
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, length));
        double pivot = x[0], mean = 0.25, scale = 1.5, shift = -0.1, a = 0.7, k = -0.3, c = 0.05;
        T p = T.CreateChecked(pivot), m = T.CreateChecked(mean), s = T.CreateChecked(scale), b = T.CreateChecked(shift);
        T[] xs = Guarded<T>(x), dys = Guarded<T>(dy);
        ref T x0 = ref xs[Guard];
        ref T dy0 = ref dys[Guard];

        double sum = 0, squaredDeviations = 0, squares = 0;
        foreach (double v in x)
        {
            sum += v - pivot;
            squaredDeviations += (v - pivot - mean) * (v - pivot - mean);
            squares += v * v;
        }

        T actualSum = SegmentKernels.SumOfDifferences(ref x0, length, p, streaming);
        T actualSquaredDeviations = SegmentKernels.SumOfSquaredDeviations(ref x0, length, p, m, streaming);
        T actualSquares = SegmentKernels.SumOfSquares(ref x0, length, streaming);
        AssertSum(sum, actualSum, tolerance, length, "SumOfDifferences");
        AssertSum(squaredDeviations, actualSquaredDeviations, tolerance, length, "SumOfSquaredDeviations");
        AssertSum(squares, actualSquares, tolerance, length, "SumOfSquares");
        T momentsM2 = SegmentKernels.Moments(ref x0, length, p, streaming, out T momentsMean);
        outputs.AddRange([actualSum, actualSquaredDeviations, actualSquares, momentsM2, momentsMean]);
        double runMean = sum / length, runM2 = 0;
        foreach (double v in x)
        {
            runM2 += (v - pivot - runMean) * (v - pivot - runMean);
        }

        AssertSum(runMean, momentsMean, tolerance, length, "Moments mean");
        AssertSum(runM2, momentsM2, tolerance, length, "Moments M2");

        foreach (bool relu in new[] { false, true })
        {
            var y = new double[length];
            var dx = new double[length];
            double sumDy = 0, sumDyCentered = 0;
            for (int i = 0; i < length; i++)
            {
                double z = (x[i] - pivot) * scale + shift;
                y[i] = relu ? Math.Max(0, z) : z;
                double masked = !relu || z > 0 ? dy[i] : 0;
                sumDy += masked;
                sumDyCentered += masked * (x[i] - pivot);
                dx[i] = a * masked + k * (x[i] - pivot) + c;
            }

            T[] ys = Guarded<T>(new double[length]);
            SegmentKernels.ScaleShift(ref x0, ref ys[Guard], length, p, s, b, relu, streaming);
            outputs.AddRange(ys);
            AssertRun(y, ys, length, tolerance, $"ScaleShift relu={relu}");
            T[] inPlace = (T[])xs.Clone();
            SegmentKernels.ScaleShift(ref inPlace[Guard], ref inPlace[Guard], length, p, s, b, relu, streaming);
            AssertSameRun(ys, inPlace, xs, length, $"ScaleShift in place relu={relu}");

            T actualSumDy = SegmentKernels.BackwardSums(ref x0, ref dy0, length, p, relu, s, b, streaming, out T actualSumDyCentered);
            outputs.AddRange([actualSumDy, actualSumDyCentered]);
            AssertSum(sumDy, actualSumDy, tolerance, length, $"BackwardSums sum(dy) relu={relu}");
            AssertSum(sumDyCentered, actualSumDyCentered, tolerance, length, $"BackwardSums sum(dy * (x - p)) relu={relu}");

            T ta = T.CreateChecked(a), tk = T.CreateChecked(k), tc = T.CreateChecked(c);
            T[] dxs = Guarded<T>(new double[length]);
            SegmentKernels.BackwardInput(ref x0, ref dy0, ref dxs[Guard], length, p, relu, s, b, ta, tk, tc, streaming);
            outputs.AddRange(dxs);
            AssertRun(dx, dxs, length, tolerance, $"BackwardInput relu={relu}");
            T[] dyInPlace = (T[])dys.Clone();
            SegmentKernels.BackwardInput(ref x0, ref dyInPlace[Guard], ref dyInPlace[Guard], length, p, relu, s, b, ta, tk, tc, streaming);
            AssertSameRun(dxs, dyInPlace, dys, length, $"BackwardInput in place relu={relu}");
        }

        return outputs;
    }

    /// <summary>The values between <see cref="Guard"/> NaNs on either side.</summary>
    internal static T[] Guarded<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var array = new T[values.Length + 2 * Guard];
        Array.Fill(array, T.NaN);
        for (int i = 0; i < values.Length; i++)
        {
            array[Guard + i] = T.CreateChecked(values[i]);
        }

        return array;
    }

    /// <summary>The run matches <paramref name="expected"/>, and every guard is still NaN.</summary>
    internal static void AssertRun<T>(double[] expected, T[] actual, int length, double tolerance, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = new double[length];
        for (int i = 0; i < length; i++)
        {
            run[i] = double.CreateChecked(actual[Guard + i]);
        }

        TestData.AssertClose(expected, run, tolerance, $"{what} at length {length}", Math.Max(1, TestData.MaxAbs(expected)));
        AssertGuards(actual, length, what);
    }

    /// <summary>The in-place result equals the out-of-place one bit for bit, and the guards of the input are untouched.</summary>
    internal static void AssertSameRun<T>(T[] outOfPlace, T[] inPlace, T[] original, int length, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < length; i++)
        {
            Assert.True(outOfPlace[Guard + i].Equals(inPlace[Guard + i]), $"{what} at length {length}, index {i}: {inPlace[Guard + i]} vs {outOfPlace[Guard + i]}");
        }

        AssertGuards(inPlace, length, what);
        Assert.Equal(original.Length, inPlace.Length);
    }

    internal static void AssertSum<T>(double expected, T actual, double tolerance, int length, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double value = double.CreateChecked(actual);
        Assert.True(Math.Abs(value - expected) <= tolerance * length * Math.Max(1, Math.Abs(expected)), $"{what} at length {length}: {value} vs {expected}");
    }

    private static void AssertGuards<T>(T[] array, int length, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < Guard; i++)
        {
            Assert.True(T.IsNaN(array[i]) && T.IsNaN(array[Guard + length + i]), $"{what} at length {length} wrote outside the run");
        }
    }
}
