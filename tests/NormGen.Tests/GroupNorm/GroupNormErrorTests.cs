using System;
using Xunit;

namespace NormGen.Tests.GroupNorm;

/// <summary>Every bad call throws a clear exception before any state changes: outputs, gradients and the saved statistics.</summary>
public class GroupNormErrorTests
{
    private const int Sample = 12; // GnBehaviorF64: (batch, 4, 3)

    /// <summary>A layer after Forward and Backward on a batch of 3, with the outputs that call gave.</summary>
    private static (GnBehaviorF64 Layer, GroupNormHarness.Inputs Inputs, GroupNormHarness.Outputs Outputs) Prepared()
    {
        var layer = new GnBehaviorF64();
        var inputs = GroupNormHarness.MakeInputs(11, 3, 4, 3, affine: true, forFloat: false);
        return (layer, inputs, GroupNormHarness.Run(layer, inputs));
    }

    /// <summary>The gradients are as the good call left them, and a Backward on its x still gives its answer.</summary>
    private static void AssertUnchanged(GnBehaviorF64 layer, GroupNormHarness.Inputs inputs, GroupNormHarness.Outputs outputs)
    {
        Assert.Equal(outputs.GammaGrad, layer.GammaGrad);
        Assert.Equal(outputs.BetaGrad, layer.BetaGrad);
        var dx = new double[inputs.X.Length];
        layer.Backward(inputs.X, inputs.Dy, dx);
        Assert.Equal(outputs.Dx, dx);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(25)]
    public void Forward_rejects_x_that_is_not_a_multiple_of_the_sample(int length)
    {
        var (layer, inputs, outputs) = Prepared();
        var y = new double[length];
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(new double[length], y));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("GnBehaviorF64", error.Message);
        Assert.Contains("(batch, 4, 3)", error.Message);
        Assert.Contains($"x.Length = {length}", error.Message);
        Assert.All(y, v => Assert.Equal(0, v));
        AssertUnchanged(layer, inputs, outputs);
    }

    [Fact]
    public void Forward_rejects_y_of_another_length()
    {
        var (layer, inputs, outputs) = Prepared();
        var y = new double[inputs.X.Length + Sample];
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(inputs.X, y));
        Assert.Equal("y", error.ParamName);
        Assert.Contains("y.Length = 48", error.Message);
        Assert.All(y, v => Assert.Equal(0, v));
        AssertUnchanged(layer, inputs, outputs);
    }

    [Fact]
    public void A_rejected_larger_batch_does_not_replace_the_saved_statistics()
    {
        var (layer, inputs, outputs) = Prepared();
        var x = new double[5 * Sample];
        Assert.Throws<ArgumentException>(() => layer.Forward(x, new double[4 * Sample]));
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(x, x, new double[x.Length]));
        Assert.Contains("batch of 5", error.Message);
        Assert.Contains("batch of 3", error.Message);
        AssertUnchanged(layer, inputs, outputs);
    }

    [Fact]
    public void Backward_before_any_forward_throws()
    {
        var layer = new GnBehaviorF64();
        var x = new double[2 * Sample];
        var dx = new double[x.Length];
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(x, x, dx));
        Assert.Contains("GnBehaviorF64", error.Message);
        Assert.Contains("preceding", error.Message);
        Assert.Equal(new double[4], layer.GammaGrad);
        Assert.Equal(new double[4], layer.BetaGrad);
    }

    [Fact]
    public void Backward_rejects_a_batch_other_than_the_forward_one()
    {
        var (layer, inputs, outputs) = Prepared();
        var x = new double[2 * Sample];
        var dx = new double[x.Length];
        Array.Fill(dx, 7.0);
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(x, x, dx));
        Assert.Contains("batch of 2", error.Message);
        Assert.All(dx, v => Assert.Equal(7.0, v));
        AssertUnchanged(layer, inputs, outputs);
    }

    [Theory]
    [InlineData("dy")]
    [InlineData("dx")]
    public void Backward_rejects_a_gradient_of_another_length(string which)
    {
        var (layer, inputs, outputs) = Prepared();
        double[] dy = which == "dy" ? new double[inputs.X.Length - 1] : inputs.Dy;
        var dx = new double[which == "dx" ? inputs.X.Length + 1 : inputs.X.Length];
        var error = Assert.Throws<ArgumentException>(() => layer.Backward(inputs.X, dy, dx));
        Assert.Equal(which, error.ParamName);
        Assert.Contains("GnBehaviorF64", error.Message);
        Assert.All(dx, v => Assert.Equal(0, v));
        AssertUnchanged(layer, inputs, outputs);
    }

    [Fact]
    public void Backward_rejects_x_that_is_not_a_multiple_of_the_sample()
    {
        var (layer, inputs, outputs) = Prepared();
        var x = new double[inputs.X.Length - 1];
        var error = Assert.Throws<ArgumentException>(() => layer.Backward(x, x, x));
        Assert.Equal("x", error.ParamName);
        AssertUnchanged(layer, inputs, outputs);
    }
}
