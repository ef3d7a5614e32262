using System;
using NormGen.Tests.LayerNorm;
using Xunit;

namespace NormGen.Tests.RmsNorm;

/// <summary>Every bad call throws a clear exception before any state changes.</summary>
public class RmsNormErrorTests
{
    private static (Rms7F64 Layer, double[] X, double[] Dy, double[] Dx) Trained()
    {
        var layer = new Rms7F64();
        var random = new Random(1);
        RowLayerKit.RandomParameters(layer, random);
        double[] x = RowLayerKit.RowData(random, 4, 7);
        double[] dy = TestData.Normal(random, x.Length);
        var dx = new double[x.Length];
        layer.Forward(x, new double[x.Length]);
        layer.Backward(x, dy, dx);
        return (layer, x, dy, dx);
    }

    /// <summary>Gamma and GammaGrad as they were, and Backward still sees the last Forward's statistics.</summary>
    private static void AssertUnchanged(Rms7F64 layer, double[] gamma, double[] gammaGrad, double[] x, double[] dy, double[] dx)
    {
        Assert.Equal(gamma, layer.Gamma);
        Assert.Equal(gammaGrad, layer.GammaGrad);
        var again = new double[x.Length];
        layer.Backward(x, dy, again);
        Assert.Equal(dx, again);
    }

    [Theory]
    [InlineData("x", 0)]
    [InlineData("x", 13)]
    [InlineData("y", 21)]
    public void Forward_rejects_wrong_lengths(string wrong, int length)
    {
        (Rms7F64 layer, double[] x, double[] dy, double[] dx) = Trained();
        double[] gamma = (double[])layer.Gamma.Clone(), gammaGrad = (double[])layer.GammaGrad.Clone();
        double[] input = wrong == "x" ? new double[length] : RowLayerKit.RowData(new Random(2), 4, 7);
        var y = new double[wrong == "y" ? length : input.Length];
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(input, y));
        Assert.Equal(wrong, error.ParamName);
        Assert.Contains("Rms7F64", error.Message);
        Assert.Contains("(batch, 7)", error.Message);
        Assert.Contains($"{wrong}.Length = {length}", error.Message);
        Assert.All(y, v => Assert.Equal(0, v));
        AssertUnchanged(layer, gamma, gammaGrad, x, dy, dx);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("dy")]
    [InlineData("dx")]
    public void Backward_rejects_spans_of_wrong_length(string wrong)
    {
        (Rms7F64 layer, double[] x, double[] dy, double[] dx) = Trained();
        double[] gamma = (double[])layer.Gamma.Clone(), gammaGrad = (double[])layer.GammaGrad.Clone();
        var output = new double[wrong == "dx" ? 35 : x.Length];
        var error = Assert.Throws<ArgumentException>(() => layer.Backward(wrong == "x" ? new double[30] : x, wrong == "dy" ? new double[21] : dy, output));
        Assert.Equal(wrong, error.ParamName);
        Assert.Contains("Rms7F64", error.Message);
        Assert.Contains("(batch, 7)", error.Message);
        Assert.All(output, v => Assert.Equal(0, v));
        AssertUnchanged(layer, gamma, gammaGrad, x, dy, dx);
    }

    [Fact]
    public void Backward_without_Forward_throws_and_changes_nothing()
    {
        var layer = new Rms7NoAffineF32();
        var x = new float[14];
        var dx = new float[14];
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(x, new float[14], dx));
        Assert.Contains("Rms7NoAffineF32", error.Message);
        Assert.All(dx, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Backward_after_a_Forward_on_another_batch_size_throws_and_changes_nothing()
    {
        (Rms7F64 layer, double[] x, double[] dy, double[] dx) = Trained();
        double[] gamma = (double[])layer.Gamma.Clone(), gammaGrad = (double[])layer.GammaGrad.Clone();
        var output = new double[14];
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(new double[14], new double[14], output));
        Assert.Contains("batch of 2", error.Message);
        Assert.Contains("batch of 4", error.Message);
        Assert.All(output, v => Assert.Equal(0, v));
        AssertUnchanged(layer, gamma, gammaGrad, x, dy, dx);
    }
}
