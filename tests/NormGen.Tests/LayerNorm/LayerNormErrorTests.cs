using System;
using Xunit;

namespace NormGen.Tests.LayerNorm;

/// <summary>Every bad call throws a clear exception before any state changes.</summary>
public class LayerNormErrorTests
{
    /// <summary>A layer after one Forward and Backward on a batch of 4, with what Backward gave then.</summary>
    private sealed class Trained
    {
        public Trained()
        {
            var random = new Random(1);
            RowLayerKit.RandomParameters(Layer, random);
            X = RowLayerKit.RowData(random, 4, 7);
            Dy = TestData.Normal(random, X.Length);
            Layer.Forward(X, new double[X.Length]);
            Layer.Backward(X, Dy, Dx);
            GammaGrad = (double[])Layer.GammaGrad.Clone();
            BetaGrad = (double[])Layer.BetaGrad.Clone();
            Gamma = (double[])Layer.Gamma.Clone();
            Beta = (double[])Layer.Beta.Clone();
        }

        public Ln7F64 Layer { get; } = new();

        public double[] X { get; }

        public double[] Dy { get; }

        public double[] Dx { get; } = new double[28];

        private double[] GammaGrad { get; }

        private double[] BetaGrad { get; }

        private double[] Gamma { get; }

        private double[] Beta { get; }

        /// <summary>Parameters and gradients as they were, and Backward still sees the last Forward's statistics.</summary>
        public void AssertUnchanged()
        {
            Assert.Equal(Gamma, Layer.Gamma);
            Assert.Equal(Beta, Layer.Beta);
            Assert.Equal(GammaGrad, Layer.GammaGrad);
            Assert.Equal(BetaGrad, Layer.BetaGrad);
            var dx = new double[X.Length];
            Layer.Backward(X, Dy, dx);
            Assert.Equal(Dx, dx);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(15)]
    public void Forward_rejects_x_that_is_not_a_multiple_of_features(int length)
    {
        var trained = new Trained();
        var y = new double[length];
        var error = Assert.Throws<ArgumentException>(() => trained.Layer.Forward(new double[length], y));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("Ln7F64", error.Message);
        Assert.Contains("(batch, 7)", error.Message);
        Assert.Contains($"x.Length = {length}", error.Message);
        Assert.All(y, v => Assert.Equal(0, v));
        trained.AssertUnchanged();
    }

    [Fact]
    public void Forward_rejects_y_of_another_length()
    {
        var trained = new Trained();
        var y = new double[trained.X.Length - 7];
        var error = Assert.Throws<ArgumentException>(() => trained.Layer.Forward(RowLayerKit.RowData(new Random(2), 4, 7), y));
        Assert.Equal("y", error.ParamName);
        Assert.Contains("Ln7F64", error.Message);
        Assert.Contains("(batch, 7) = 28", error.Message);
        Assert.Contains("y.Length = 21", error.Message);
        Assert.All(y, v => Assert.Equal(0, v));
        trained.AssertUnchanged();
    }

    [Theory]
    [InlineData("x")]
    [InlineData("dy")]
    [InlineData("dx")]
    public void Backward_rejects_spans_of_wrong_length(string wrong)
    {
        var trained = new Trained();
        double[] x = wrong == "x" ? new double[30] : trained.X;
        double[] dy = wrong == "dy" ? new double[21] : trained.Dy;
        var dx = new double[wrong == "dx" ? 35 : trained.X.Length];
        var error = Assert.Throws<ArgumentException>(() => trained.Layer.Backward(x, dy, dx));
        Assert.Equal(wrong, error.ParamName);
        Assert.Contains("Ln7F64", error.Message);
        Assert.Contains("(batch, 7)", error.Message);
        Assert.All(dx, v => Assert.Equal(0, v));
        trained.AssertUnchanged();
    }

    [Fact]
    public void Backward_without_Forward_throws_and_changes_nothing()
    {
        var layer = new Ln7F64();
        double[] x = RowLayerKit.RowData(new Random(3), 2, 7);
        var dx = new double[x.Length];
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(x, TestData.Normal(new Random(4), x.Length), dx));
        Assert.Contains("Ln7F64", error.Message);
        Assert.Contains("Forward", error.Message);
        Assert.All(dx, v => Assert.Equal(0, v));
        Assert.All(layer.GammaGrad, v => Assert.Equal(0, v));
        Assert.All(layer.BetaGrad, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Backward_after_a_Forward_on_another_batch_size_throws_and_changes_nothing()
    {
        var trained = new Trained();
        double[] x = RowLayerKit.RowData(new Random(5), 3, 7);
        var dx = new double[x.Length];
        var error = Assert.Throws<InvalidOperationException>(() => trained.Layer.Backward(x, new double[x.Length], dx));
        Assert.Contains("Ln7F64", error.Message);
        Assert.Contains("batch of 3", error.Message);
        Assert.Contains("batch of 4", error.Message);
        Assert.All(dx, v => Assert.Equal(0, v));
        trained.AssertUnchanged();
    }
}
