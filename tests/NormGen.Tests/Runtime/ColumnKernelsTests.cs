using System;
using System.Numerics;
using NormGen.Generated;
using Xunit;

namespace NormGen.Tests.Runtime;

/// <summary>
/// The runtime's ColumnKernels (batch norm over (rows, features) rows too wide for the generated register kernels)
/// against plain loops in double, at every row width from 1 to 70 and at 1000 and 1001: rows narrower than a vector
/// (scalar code), whole vectors, and an overlapping last vector with every number of new lanes; 1 to 40 rows (the
/// second statistics pass takes 4 rows at a time, a widening float layer 16). Each array sits between NaN guards: a
/// kernel that read outside its rows would return NaN, and one that wrote outside them would change a guard. The
/// maps run in place too (y = x, dx = dy) and must give the same bits, and input in cache (column strips) the same bits
/// as input that streams (the row walk alone). IsaCheck reruns these with narrower vectors.
/// </summary>
public class ColumnKernelsTests
{
    private const int Guard = 9;

    public static TheoryData<int> Widths()
    {
        var data = new TheoryData<int>();
        for (int features = 1; features <= 70; features++)
        {
            data.Add(features);
        }

        data.Add(1000);
        data.Add(1001);
        return data;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Kernels_match_plain_loops(int features)
    {
        foreach (int rows in new[] { 1, 3, 17, 40 })
        {
            foreach (bool relu in new[] { false, true })
            {
                AssertSameBits(Check<float>(features, rows, widen: true, relu, 2e-5, StreamMode.Cached), Check<float>(features, rows, widen: true, relu, 2e-5, StreamMode.NonTemporal));
                AssertSameBits(Check<float>(features, rows, widen: false, relu, 2e-5, StreamMode.Cached), Check<float>(features, rows, widen: false, relu, 2e-5, StreamMode.NonTemporal));
                AssertSameBits(Check<double>(features, rows, widen: false, relu, 1e-12, StreamMode.Cached), Check<double>(features, rows, widen: false, relu, 1e-12, StreamMode.NonTemporal));
            }
        }
    }

    /// <summary>
    /// Input in cache (<see cref="StreamMode.Cached"/>) takes the column strips, and input that streams from memory the
    /// row walk alone: every feature must get the same bits from both.
    /// </summary>
    private static void AssertSameBits<T>(T[][] cached, T[][] streamed)
    {
        Assert.Equal(cached.Length, streamed.Length);
        for (int i = 0; i < cached.Length; i++)
        {
            Assert.Equal(cached[i], streamed[i]);
        }
    }

    /// <summary>Runs every kernel against plain loops in double; returns what each wrote, for <see cref="AssertSameBits"/>.</summary>
    private static T[][] Check<T>(int features, int rows, bool widen, bool relu, double tolerance, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(features * 100 + rows);
        int n = rows * features;
        double[] x = TestData.Normal(random, n, 50, 2);
        double[] dy = TestData.Normal(random, n, 0, 1);
        double[] pivot = TestData.Normal(random, features, 50, 2);
        double[] scale = TestData.Normal(random, features, 1, 0.5);
        double[] shift = TestData.Normal(random, features, 0, 0.5);
        if (typeof(T) == typeof(float))
        {
            x = TestData.RoundToFloat(x);
            dy = TestData.RoundToFloat(dy);
            pivot = TestData.RoundToFloat(pivot);
            scale = TestData.RoundToFloat(scale);
            shift = TestData.RoundToFloat(shift);
        }

        // Statistics: the mean of x - pivot and M2 about it, per feature.
        T[] mean = Guarded<T>(features), m2 = Guarded<T>(features);
        ColumnKernels.ChunkMoments(Inner(Guarded<T>(x)), Inner(Guarded<T>(pivot)), Inner(mean), Inner(m2), features, widen, streaming);
        AssertGuards(mean);
        AssertGuards(m2);
        for (int f = 0; f < features; f++)
        {
            double sum = 0, squares = 0;
            for (int r = 0; r < rows; r++)
            {
                sum += x[r * features + f] - pivot[f];
            }

            double expectedMean = sum / rows;
            for (int r = 0; r < rows; r++)
            {
                double d = x[r * features + f] - pivot[f] - expectedMean;
                squares += d * d;
            }

            AssertClose(expectedMean, mean[Guard + f], tolerance, 4);
            AssertClose(squares, m2[Guard + f], tolerance, 4 * rows);
        }

        // Normalize: y = (x - center) * scale + shift, through the ReLU; in place too.
        T[] y = Guarded<T>(n);
        T[] xs = Guarded<T>(x);
        ColumnKernels.Normalize(Inner(xs), Inner(y), Inner(Guarded<T>(pivot)), Inner(Guarded<T>(scale)), Inner(Guarded<T>(shift)), features, relu, streaming);
        AssertGuards(y);
        for (int i = 0; i < n; i++)
        {
            double expected = (x[i] - pivot[i % features]) * scale[i % features] + shift[i % features];
            AssertClose(relu ? Math.Max(expected, 0) : expected, y[Guard + i], tolerance, 100);
        }

        ColumnKernels.Normalize(Inner(xs), Inner(xs), Inner(Guarded<T>(pivot)), Inner(Guarded<T>(scale)), Inner(Guarded<T>(shift)), features, relu, streaming);
        Assert.Equal(y, xs);

        // Backward sums: sum(dy') and sum(dy' * (x - pivot)), dy' masked where the ReLU's output was not positive.
        T[] sumDy = Guarded<T>(features), sumDyCentered = Guarded<T>(features);
        ColumnKernels.BackwardSums(
            Inner(Guarded<T>(x)), Inner(Guarded<T>(dy)), Inner(Guarded<T>(pivot)), Inner(Guarded<T>(scale)), Inner(Guarded<T>(shift)),
            Inner(sumDy), Inner(sumDyCentered), features, relu, streaming);
        AssertGuards(sumDy);
        AssertGuards(sumDyCentered);
        for (int f = 0; f < features; f++)
        {
            double expectedSum = 0, expectedCentered = 0;
            for (int r = 0; r < rows; r++)
            {
                (double centered, double gradient) = CenteredAndGradient(r * features + f);
                expectedSum += gradient;
                expectedCentered += gradient * centered;
            }

            AssertClose(expectedSum, sumDy[Guard + f], tolerance, 4 * rows);
            AssertClose(expectedCentered, sumDyCentered[Guard + f], tolerance, 4 * rows);
        }

        // Backward input: dx = a * dy' + k * (x - pivot) + c; in place (dx = dy) too.
        double[] a = TestData.Normal(random, features, 0, 1), k = TestData.Normal(random, features, 0, 1), c = TestData.Normal(random, features, 0, 1);
        if (typeof(T) == typeof(float))
        {
            a = TestData.RoundToFloat(a);
            k = TestData.RoundToFloat(k);
            c = TestData.RoundToFloat(c);
        }

        T[] dx = Guarded<T>(n);
        T[] dys = Guarded<T>(dy);
        ColumnKernels.BackwardInput(
            Inner(Guarded<T>(x)), Inner(dys), Inner(dx), Inner(Guarded<T>(pivot)), Inner(Guarded<T>(scale)), Inner(Guarded<T>(shift)),
            Inner(Guarded<T>(a)), Inner(Guarded<T>(k)), Inner(Guarded<T>(c)), features, relu, streaming);
        AssertGuards(dx);
        for (int i = 0; i < n; i++)
        {
            (double centered, double gradient) = CenteredAndGradient(i);
            int f = i % features;
            AssertClose(a[f] * gradient + k[f] * centered + c[f], dx[Guard + i], tolerance, 100);
        }

        ColumnKernels.BackwardInput(
            Inner(Guarded<T>(x)), Inner(dys), Inner(dys), Inner(Guarded<T>(pivot)), Inner(Guarded<T>(scale)), Inner(Guarded<T>(shift)),
            Inner(Guarded<T>(a)), Inner(Guarded<T>(k)), Inner(Guarded<T>(c)), features, relu, streaming);
        Assert.Equal(dx, dys);
        return [mean, m2, y, sumDy, sumDyCentered, dx];

        (double Centered, double Gradient) CenteredAndGradient(int i)
        {
            int f = i % features;
            double centered = x[i] - pivot[f];
            bool masked = relu && !(double.CreateTruncating(T.CreateTruncating(centered) * T.CreateTruncating(scale[f]) + T.CreateTruncating(shift[f])) > 0);
            return (centered, masked ? 0 : dy[i]);
        }
    }

    /// <summary>An array of <paramref name="length"/> zeros between NaN guards.</summary>
    private static T[] Guarded<T>(int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length + 2 * Guard];
        values.AsSpan().Fill(T.NaN);
        values.AsSpan(Guard, length).Clear();
        return values;
    }

    private static T[] Guarded<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] guarded = Guarded<T>(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            guarded[Guard + i] = T.CreateTruncating(values[i]);
        }

        return guarded;
    }

    private static Span<T> Inner<T>(T[] guarded) => guarded.AsSpan(Guard, guarded.Length - 2 * Guard);

    private static void AssertGuards<T>(T[] guarded)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < Guard; i++)
        {
            Assert.True(T.IsNaN(guarded[i]) && T.IsNaN(guarded[^(i + 1)]), "a kernel wrote outside its array");
        }
    }

    /// <summary>|expected - actual| within tolerance * scale * max(1, |expected|): sums of many terms get a wider margin.</summary>
    private static void AssertClose<T>(double expected, T actual, double tolerance, double scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double value = double.CreateTruncating(actual);
        Assert.False(double.IsNaN(value), "a kernel read outside its array");
        Assert.True(Math.Abs(expected - value) <= tolerance * scale * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {value}");
    }
}
