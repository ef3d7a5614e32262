using System;
using NormGen.Generated;
using Xunit;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// The runtime's GroupKernels (runs with a Gamma and Beta per value) against their scalar definitions, for every
/// length from 0 to 40: the vector loop, the scalar tail, and runs shorter than one vector.
/// </summary>
public class GroupKernelsTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int length = 0; length <= 40; length++)
        {
            data.Add(length);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Double_kernels_match_their_definitions(int length)
    {
        var random = new Random(length);
        double[] x = TestData.Normal(random, length + 1, 3, 2);
        double[] dy = TestData.Normal(random, length + 1);
        double[] gamma = TestData.Normal(random, length + 1, 1, 0.5);
        double[] beta = TestData.Normal(random, length + 1);
        double[] gammaGrad = TestData.Normal(random, length + 1);
        double[] betaGrad = TestData.Normal(random, length + 1);
        double pivot = x[0], mean = 0.3, inverseStd = 1.7, xCoefficient = -0.4, bias = 0.2;

        var y = new double[length + 1];
        GroupKernels.AffineNormalize(ref x[0], ref y[0], ref gamma[0], ref beta[0], length, pivot, mean, inverseStd);
        var newGammaGrad = (double[])gammaGrad.Clone();
        var newBetaGrad = (double[])betaGrad.Clone();
        double sumG = GroupKernels.AffineBackwardSums(
            ref x[0], ref dy[0], ref gamma[0], ref newGammaGrad[0], ref newBetaGrad[0], length, pivot, mean, inverseStd, out double sumGCentered);
        var dx = new double[length + 1];
        GroupKernels.AffineBackwardInput(ref x[0], ref dy[0], ref dx[0], ref gamma[0], length, pivot, inverseStd, xCoefficient, bias);

        double expectedSumG = 0, expectedSumGCentered = 0;
        for (int i = 0; i < length; i++)
        {
            double xhat = (x[i] - pivot - mean) * inverseStd;
            Assert.Equal(xhat * gamma[i] + beta[i], y[i], 1e-14);
            Assert.Equal(gammaGrad[i] + dy[i] * xhat, newGammaGrad[i], 1e-14);
            Assert.Equal(betaGrad[i] + dy[i], newBetaGrad[i], 1e-14);
            Assert.Equal(inverseStd * gamma[i] * dy[i] + xCoefficient * (x[i] - pivot) + bias, dx[i], 1e-14);
            expectedSumG += dy[i] * gamma[i];
            expectedSumGCentered += dy[i] * gamma[i] * (x[i] - pivot);
        }

        Assert.Equal(expectedSumG, sumG, 1e-12);
        Assert.Equal(expectedSumGCentered, sumGCentered, 1e-12);

        // Nothing past the run is touched.
        Assert.Equal(0, y[length]);
        Assert.Equal(0, dx[length]);
        Assert.Equal(gammaGrad[length], newGammaGrad[length]);
        Assert.Equal(betaGrad[length], newBetaGrad[length]);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Float_kernels_match_their_definitions(int length)
    {
        var random = new Random(1000 + length);
        float[] x = TestData.ToFloat(TestData.Normal(random, length + 1, 3, 2));
        float[] dy = TestData.ToFloat(TestData.Normal(random, length + 1));
        float[] gamma = TestData.ToFloat(TestData.Normal(random, length + 1, 1, 0.5));
        float[] beta = TestData.ToFloat(TestData.Normal(random, length + 1));
        var gammaGrad = new float[length + 1];
        var betaGrad = new float[length + 1];
        float pivot = x[0], mean = 0.3f, inverseStd = 1.7f;

        var y = new float[length + 1];
        GroupKernels.AffineNormalize(ref x[0], ref y[0], ref gamma[0], ref beta[0], length, pivot, mean, inverseStd);
        float sumG = GroupKernels.AffineBackwardSums(
            ref x[0], ref dy[0], ref gamma[0], ref gammaGrad[0], ref betaGrad[0], length, pivot, mean, inverseStd, out float sumGCentered);

        double expectedSumG = 0, expectedSumGCentered = 0;
        for (int i = 0; i < length; i++)
        {
            double xhat = ((double)x[i] - pivot - mean) * inverseStd;
            Assert.Equal(xhat * gamma[i] + beta[i], y[i], 1e-5);
            Assert.Equal(dy[i] * xhat, gammaGrad[i], 1e-5);
            Assert.Equal(dy[i], betaGrad[i]);
            expectedSumG += (double)dy[i] * gamma[i];
            expectedSumGCentered += (double)dy[i] * gamma[i] * ((double)x[i] - pivot);
        }

        Assert.Equal(expectedSumG, sumG, 1e-4);
        Assert.Equal(expectedSumGCentered, sumGCentered, 1e-4);
        Assert.Equal(0, y[length]);
    }
}
