using System;
using System.Collections.Generic;
using System.Numerics;
using NormGen.Generated;
using NormGen.Tests.Runtime;
using Xunit;

namespace NormGen.Tests.LayerNorm;

/// <summary>
/// The runtime's RowKernels against their documented formulas in double, at every length from 1 to 150 (scalar only,
/// the unrolled loops and single vectors of every width, and the overlapping last vector with every number of new
/// lanes), float and double, with and without the ReLU, in place too. Runs sit between NaN guards as in
/// <see cref="Runtime.SegmentKernelsTests"/>: reading outside a run makes a sum NaN, writing outside changes a guard.
/// </summary>
public class RowKernelsTests
{
    private const int G = 20; // SegmentKernelsTests.Guard: where each run starts

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
    public void Affine_kernels_match_their_formulas(int length)
    {
        foreach (bool relu in new[] { false, true })
        {
            SegmentKernelsTests.AssertEveryModeGivesTheSameBits(streaming => Affine<float>(length, relu, 1e-5, streaming));
            SegmentKernelsTests.AssertEveryModeGivesTheSameBits(streaming => Affine<double>(length, relu, 1e-13, streaming));
        }
    }

    /// <summary>Every mode of each kernel (see SegmentKernelsTests.Streaming_kernels_give_the_same_bits) matches the formulas and the others' bits.</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void Scale_kernels_match_their_formulas(int length)
    {
        SegmentKernelsTests.AssertEveryModeGivesTheSameBits(streaming => Scale<float>(length, 1e-5, streaming));
        SegmentKernelsTests.AssertEveryModeGivesTheSameBits(streaming => Scale<double>(length, 1e-13, streaming));
    }

    /// <summary>Checks the affine kernels at one length; returns every output, sums and runs, in order.</summary>
    private static List<T> Affine<T>(int length, bool relu, double tolerance, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(length);
        double[] x = TestData.RoundToFloat(TestData.Normal(random, length, 5, 2));
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, length));
        double[] gamma = TestData.RoundToFloat(TestData.Normal(random, length, 1, 0.5));
        double[] beta = TestData.RoundToFloat(TestData.Normal(random, length, 0, 0.5));
        double[] gammaGrad = TestData.RoundToFloat(TestData.Normal(random, length));
        double[] betaGrad = TestData.RoundToFloat(TestData.Normal(random, length));
        double pivot = x[0], mean = 0.375, inverseStd = 0.75, xhatCoefficient = -0.25, bias = 0.125;

        // Expected values by the formulas in RowKernels' docs.
        var y = new double[length];
        var dx = new double[length];
        var expectedGammaGrad = (double[])gammaGrad.Clone();
        var expectedBetaGrad = (double[])betaGrad.Clone();
        double sumG = 0, sumGXhat = 0;
        for (int i = 0; i < length; i++)
        {
            double xhat = (x[i] - pivot - mean) * inverseStd;
            double z = xhat * gamma[i] + beta[i];
            y[i] = relu ? Math.Max(0, z) : z;
            double masked = relu && z <= 0 ? 0 : dy[i];
            double g = masked * gamma[i];
            sumG += g;
            sumGXhat += g * xhat;
            expectedGammaGrad[i] += masked * xhat;
            expectedBetaGrad[i] += masked;
            dx[i] = inverseStd * (g + xhatCoefficient * xhat + bias);
        }

        T[] xs = Guarded<T>(x), dys = Guarded<T>(dy), gammas = Guarded<T>(gamma), betas = Guarded<T>(beta);
        T[] gammaGrads = Guarded<T>(gammaGrad), betaGrads = Guarded<T>(betaGrad);
        T p = T.CreateChecked(pivot), m = T.CreateChecked(mean), s = T.CreateChecked(inverseStd);

        T[] ys = Guarded<T>(new double[length]);
        RowKernels.AffineNormalize(ref xs[G], ref ys[G], ref gammas[G], ref betas[G], length, p, m, s, relu, streaming);
        SegmentKernelsTests.AssertRun(y, ys, length, tolerance, "AffineNormalize");

        T[] inPlace = (T[])xs.Clone();
        RowKernels.AffineNormalize(ref inPlace[G], ref inPlace[G], ref gammas[G], ref betas[G], length, p, m, s, relu, streaming);
        SegmentKernelsTests.AssertSameRun(ys, inPlace, xs, length, "AffineNormalize in place");

        T actualSumG = RowKernels.AffineBackwardSums(ref xs[G], ref dys[G], ref gammas[G], ref betas[G], ref gammaGrads[G], ref betaGrads[G], length, p, m, s, relu, streaming, out T actualSumGXhat);
        Assert.True(Math.Abs(double.CreateChecked(actualSumG) - sumG) <= tolerance * length * Math.Max(1, Math.Abs(sumG)), $"sum(g) at {length}");
        Assert.True(Math.Abs(double.CreateChecked(actualSumGXhat) - sumGXhat) <= tolerance * length * Math.Max(1, Math.Abs(sumGXhat)), $"sum(g * xhat) at {length}");
        SegmentKernelsTests.AssertRun(expectedGammaGrad, gammaGrads, length, tolerance, "gammaGrad");
        SegmentKernelsTests.AssertRun(expectedBetaGrad, betaGrads, length, tolerance, "betaGrad");

        T[] dxs = Guarded<T>(new double[length]);
        T k = T.CreateChecked(xhatCoefficient), c = T.CreateChecked(bias);
        RowKernels.AffineBackwardInput(ref xs[G], ref dys[G], ref dxs[G], ref gammas[G], ref betas[G], length, p, m, s, relu, k, c, streaming);
        SegmentKernelsTests.AssertRun(dx, dxs, length, tolerance, "AffineBackwardInput");

        T[] dyInPlace = (T[])dys.Clone();
        RowKernels.AffineBackwardInput(ref xs[G], ref dyInPlace[G], ref dyInPlace[G], ref gammas[G], ref betas[G], length, p, m, s, relu, k, c, streaming);
        SegmentKernelsTests.AssertSameRun(dxs, dyInPlace, dys, length, "BackwardInput in place");
        return [.. ys, actualSumG, actualSumGXhat, .. gammaGrads, .. betaGrads, .. dxs];
    }

    private static T[] Guarded<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => SegmentKernelsTests.Guarded<T>(values);

    /// <summary>Checks the scale kernels at one length; returns every output, sums and runs, in order.</summary>
    private static List<T> Scale<T>(int length, double tolerance, StreamMode streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(100 + length);
        double[] x = TestData.RoundToFloat(TestData.Normal(random, length, 1, 2));
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, length));
        double[] gamma = TestData.RoundToFloat(TestData.Normal(random, length, 1, 0.5));
        double[] gammaGrad = TestData.RoundToFloat(TestData.Normal(random, length));
        double inverseRms = 0.625, xhatCoefficient = -0.375;

        var y = new double[length];
        var dx = new double[length];
        var expectedGammaGrad = (double[])gammaGrad.Clone();
        double sumGXhat = 0;
        for (int i = 0; i < length; i++)
        {
            double xhat = x[i] * inverseRms;
            y[i] = xhat * gamma[i];
            sumGXhat += dy[i] * gamma[i] * xhat;
            expectedGammaGrad[i] += dy[i] * xhat;
            dx[i] = inverseRms * (dy[i] * gamma[i] + xhatCoefficient * xhat);
        }

        T[] xs = Guarded<T>(x), dys = Guarded<T>(dy), gammas = Guarded<T>(gamma), gammaGrads = Guarded<T>(gammaGrad);
        T r = T.CreateChecked(inverseRms), k = T.CreateChecked(xhatCoefficient);

        T[] ys = Guarded<T>(new double[length]);
        RowKernels.ScaleNormalize(ref xs[G], ref ys[G], ref gammas[G], length, r, streaming);
        SegmentKernelsTests.AssertRun(y, ys, length, tolerance, "ScaleNormalize");

        T actual = RowKernels.ScaleBackwardSums(ref xs[G], ref dys[G], ref gammas[G], ref gammaGrads[G], length, r, streaming);
        Assert.True(Math.Abs(double.CreateChecked(actual) - sumGXhat) <= tolerance * length * Math.Max(1, Math.Abs(sumGXhat)), $"sum(g * xhat) at {length}");
        SegmentKernelsTests.AssertRun(expectedGammaGrad, gammaGrads, length, tolerance, "gammaGrad");

        T[] dxs = Guarded<T>(new double[length]);
        RowKernels.ScaleBackwardInput(ref xs[G], ref dys[G], ref dxs[G], ref gammas[G], length, r, k, streaming);
        SegmentKernelsTests.AssertRun(dx, dxs, length, tolerance, "ScaleBackwardInput");

        T[] dyInPlace = (T[])dys.Clone();
        RowKernels.ScaleBackwardInput(ref xs[G], ref dyInPlace[G], ref dyInPlace[G], ref gammas[G], length, r, k, streaming);
        SegmentKernelsTests.AssertSameRun(dxs, dyInPlace, dys, length, "BackwardInput in place");
        return [.. ys, actual, .. gammaGrads, .. dxs];
    }
}
