using System;
using System.Numerics;
using NormGen.Generated;
using Xunit;

namespace NormGen.Tests.LayerNorm;

/// <summary>
/// The runtime's RowKernels against their documented formulas in double, at every length from 1 to 40 (scalar only,
/// full vectors, and vectors with every tail length), float and double, with and without the ReLU, in place too.
/// </summary>
public class RowKernelsTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int length = 1; length <= 40; length++)
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
            Affine<float>(length, relu, 1e-5);
            Affine<double>(length, relu, 1e-13);
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Scale_kernels_match_their_formulas(int length)
    {
        Scale<float>(length, 1e-5);
        Scale<double>(length, 1e-13);
    }

    private static void Affine<T>(int length, bool relu, double tolerance)
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

        T[] xs = RowLayerKit.Convert<T>(x), dys = RowLayerKit.Convert<T>(dy), gammas = RowLayerKit.Convert<T>(gamma), betas = RowLayerKit.Convert<T>(beta);
        T[] gammaGrads = RowLayerKit.Convert<T>(gammaGrad), betaGrads = RowLayerKit.Convert<T>(betaGrad);
        T p = T.CreateChecked(pivot), m = T.CreateChecked(mean), s = T.CreateChecked(inverseStd);

        var ys = new T[length];
        RowKernels.AffineNormalize(ref xs[0], ref ys[0], ref gammas[0], ref betas[0], length, p, m, s, relu);
        TestData.AssertClose(y, RowLayerKit.ToDouble(ys), tolerance, $"AffineNormalize {length}");

        T[] inPlace = (T[])xs.Clone();
        RowKernels.AffineNormalize(ref inPlace[0], ref inPlace[0], ref gammas[0], ref betas[0], length, p, m, s, relu);
        Assert.Equal(ys, inPlace);

        T actualSumG = RowKernels.AffineBackwardSums(ref xs[0], ref dys[0], ref gammas[0], ref betas[0], ref gammaGrads[0], ref betaGrads[0], length, p, m, s, relu, out T actualSumGXhat);
        Assert.True(Math.Abs(double.CreateChecked(actualSumG) - sumG) <= tolerance * length * Math.Max(1, Math.Abs(sumG)), $"sum(g) at {length}");
        Assert.True(Math.Abs(double.CreateChecked(actualSumGXhat) - sumGXhat) <= tolerance * length * Math.Max(1, Math.Abs(sumGXhat)), $"sum(g * xhat) at {length}");
        TestData.AssertClose(expectedGammaGrad, RowLayerKit.ToDouble(gammaGrads), tolerance, $"gammaGrad {length}");
        TestData.AssertClose(expectedBetaGrad, RowLayerKit.ToDouble(betaGrads), tolerance, $"betaGrad {length}");

        var dxs = new T[length];
        T k = T.CreateChecked(xhatCoefficient), c = T.CreateChecked(bias);
        RowKernels.AffineBackwardInput(ref xs[0], ref dys[0], ref dxs[0], ref gammas[0], ref betas[0], length, p, m, s, relu, k, c);
        TestData.AssertClose(dx, RowLayerKit.ToDouble(dxs), tolerance, $"AffineBackwardInput {length}");

        T[] dyInPlace = (T[])dys.Clone();
        RowKernels.AffineBackwardInput(ref xs[0], ref dyInPlace[0], ref dyInPlace[0], ref gammas[0], ref betas[0], length, p, m, s, relu, k, c);
        Assert.Equal(dxs, dyInPlace);
    }

    private static void Scale<T>(int length, double tolerance)
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

        T[] xs = RowLayerKit.Convert<T>(x), dys = RowLayerKit.Convert<T>(dy), gammas = RowLayerKit.Convert<T>(gamma), gammaGrads = RowLayerKit.Convert<T>(gammaGrad);
        T r = T.CreateChecked(inverseRms), k = T.CreateChecked(xhatCoefficient);

        var ys = new T[length];
        RowKernels.ScaleNormalize(ref xs[0], ref ys[0], ref gammas[0], length, r);
        TestData.AssertClose(y, RowLayerKit.ToDouble(ys), tolerance, $"ScaleNormalize {length}");

        T actual = RowKernels.ScaleBackwardSums(ref xs[0], ref dys[0], ref gammas[0], ref gammaGrads[0], length, r);
        Assert.True(Math.Abs(double.CreateChecked(actual) - sumGXhat) <= tolerance * length * Math.Max(1, Math.Abs(sumGXhat)), $"sum(g * xhat) at {length}");
        TestData.AssertClose(expectedGammaGrad, RowLayerKit.ToDouble(gammaGrads), tolerance, $"gammaGrad {length}");

        var dxs = new T[length];
        RowKernels.ScaleBackwardInput(ref xs[0], ref dys[0], ref dxs[0], ref gammas[0], length, r, k);
        TestData.AssertClose(dx, RowLayerKit.ToDouble(dxs), tolerance, $"ScaleBackwardInput {length}");

        T[] dyInPlace = (T[])dys.Clone();
        RowKernels.ScaleBackwardInput(ref xs[0], ref dyInPlace[0], ref dyInPlace[0], ref gammas[0], length, r, k);
        Assert.Equal(dxs, dyInPlace);
    }
}
