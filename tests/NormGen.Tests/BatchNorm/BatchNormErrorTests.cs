using System;
using Xunit;

namespace NormGen.Tests.BatchNorm;

/// <summary>Every bad call throws a clear exception before any state changes.</summary>
public class BatchNormErrorTests
{
    /// <summary>Everything a call could change, captured so a test can assert nothing did.</summary>
    private sealed record Snapshot(double[] RunningMean, double[] RunningVariance, long BatchesTracked, double[] GammaGrad, double[] BetaGrad)
    {
        public static Snapshot Of(IBatchNormLayer<double> layer) => new(
            (double[])layer.RunningMean.Clone(), (double[])layer.RunningVariance.Clone(), layer.BatchesTracked,
            (double[])layer.GammaGrad.Clone(), (double[])layer.BetaGrad.Clone());

        public void AssertUnchanged(IBatchNormLayer<double> layer)
        {
            Assert.Equal(RunningMean, layer.RunningMean);
            Assert.Equal(RunningVariance, layer.RunningVariance);
            Assert.Equal(BatchesTracked, layer.BatchesTracked);
            Assert.Equal(GammaGrad, layer.GammaGrad);
            Assert.Equal(BetaGrad, layer.BetaGrad);
        }
    }

    private static (BnD7 Layer, double[] X) TrainedLayer()
    {
        var layer = new BnD7();
        double[] x = TestData.FeatureData(new Random(1), 4, 7);
        layer.Forward(x, new double[x.Length]);
        layer.Backward(x, TestData.Normal(new Random(2), x.Length), new double[x.Length]);
        return (layer, x);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(15)]
    public void Forward_rejects_x_that_is_not_a_multiple_of_features(int length)
    {
        (BnD7 layer, _) = TrainedLayer();
        var before = Snapshot.Of(layer);
        var y = new double[length];
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(new double[length], y));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("BnD7", error.Message);
        Assert.Contains("(batch, 7)", error.Message);
        Assert.Contains($"x.Length = {length}", error.Message);
        before.AssertUnchanged(layer);
        Assert.All(y, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Forward_rejects_y_of_another_length()
    {
        (BnD7 layer, double[] x) = TrainedLayer();
        var before = Snapshot.Of(layer);
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(x, new double[x.Length + 7]));
        Assert.Equal("y", error.ParamName);
        Assert.Contains("BnD7", error.Message);
        Assert.Contains("28 elements", error.Message);
        Assert.Contains("y.Length = 35", error.Message);
        before.AssertUnchanged(layer);
    }

    [Fact]
    public void Training_forward_with_one_sample_per_feature_throws()
    {
        (BnD7 layer, _) = TrainedLayer();
        var before = Snapshot.Of(layer);
        var y = new double[7];
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(new double[7], y));
        Assert.Contains("more than one value per feature", error.Message);
        Assert.Contains("batch = 1", error.Message);
        before.AssertUnchanged(layer);

        layer.Training = false;
        layer.Forward(new double[7], y); // inference with one sample is fine
    }

    [Fact]
    public void Backward_without_training_forward_throws()
    {
        var layer = new BnD7();
        var before = Snapshot.Of(layer);
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(new double[14], new double[14], new double[14]));
        Assert.Contains("BnD7", error.Message);
        Assert.Contains("preceding training Forward", error.Message);
        before.AssertUnchanged(layer);
    }

    [Fact]
    public void Backward_after_inference_forward_throws()
    {
        (BnD7 layer, double[] x) = TrainedLayer();
        layer.Training = false;
        layer.Forward(x, new double[x.Length]);
        var before = Snapshot.Of(layer);
        Assert.Throws<InvalidOperationException>(() => layer.Backward(x, new double[x.Length], new double[x.Length]));
        before.AssertUnchanged(layer);
    }

    [Fact]
    public void Backward_with_another_batch_size_throws()
    {
        (BnD7 layer, _) = TrainedLayer();
        var before = Snapshot.Of(layer);
        var dx = new double[21];
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(new double[21], new double[21], dx));
        Assert.Contains("batch of 3", error.Message);
        Assert.Contains("batch of 4", error.Message);
        before.AssertUnchanged(layer);
        Assert.All(dx, v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData("dy")]
    [InlineData("dx")]
    public void Backward_rejects_gradients_of_another_length(string name)
    {
        (BnD7 layer, double[] x) = TrainedLayer();
        var before = Snapshot.Of(layer);
        double[] dy = new double[name == "dy" ? x.Length - 1 : x.Length];
        double[] dx = new double[name == "dx" ? x.Length + 1 : x.Length];
        var error = Assert.Throws<ArgumentException>(() => layer.Backward(x, dy, dx));
        Assert.Equal(name, error.ParamName);
        Assert.Contains("(batch, 7)", error.Message);
        before.AssertUnchanged(layer);
    }
}
