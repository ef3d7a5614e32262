using System;
using Xunit;

namespace NormGen.Tests.BatchNorm;

/// <summary>FoldInto: a linear layer followed by batch norm in inference equals the folded linear layer alone.</summary>
public class FoldingTests
{
    private const int Inputs = 30;

    [Fact]
    public void Folded_linear_layer_matches_linear_then_batch_norm_in_inference()
    {
        var random = new Random(1);
        var norm = new BnF100();
        TestData.ToFloat(TestData.Normal(random, 100, 1, 0.3)).CopyTo(norm.Gamma, 0);
        TestData.ToFloat(TestData.Normal(random, 100, 0, 0.5)).CopyTo(norm.Beta, 0);
        float[] weight = TestData.ToFloat(TestData.Normal(random, 100 * Inputs, 0, 0.2));
        float[] bias = TestData.ToFloat(TestData.Normal(random, 100, 0, 0.5));

        // Running statistics from a few training batches of the linear layer's output.
        var output = new float[64 * 100];
        for (int step = 0; step < 5; step++)
        {
            float[] pre = Linear(TestData.ToFloat(TestData.Normal(random, 64 * Inputs, 2, 1.5)), weight, bias);
            norm.Forward(pre, output);
        }

        norm.Training = false;
        float[] x = TestData.ToFloat(TestData.Normal(random, 16 * Inputs, 2, 1.5));
        var expected = new float[16 * 100];
        norm.Forward(Linear(x, weight, bias), expected);

        float[] foldedWeight = (float[])weight.Clone();
        float[] foldedBias = (float[])bias.Clone();
        norm.FoldInto(foldedWeight, foldedBias);
        float[] actual = Linear(x, foldedWeight, foldedBias);

        TestData.AssertClose(TestData.ToDouble(expected), TestData.ToDouble(actual), 1e-5, "folded output");
    }

    [Fact]
    public void Wrong_shapes_throw_and_change_nothing()
    {
        var norm = new BnF100();
        float[] weight = new float[100 * Inputs + 1];
        float[] bias = new float[100];
        var error = Assert.Throws<ArgumentException>(() => norm.FoldInto(weight, bias));
        Assert.Equal("weight", error.ParamName);
        Assert.Contains("(100, inputs)", error.Message);
        Assert.Contains("weight.Length = 3001", error.Message);

        float[] goodWeight = TestData.ToFloat(TestData.Normal(new Random(2), 100 * Inputs));
        float[] copy = (float[])goodWeight.Clone();
        var biasError = Assert.Throws<ArgumentException>(() => norm.FoldInto(goodWeight, new float[99]));
        Assert.Equal("bias", biasError.ParamName);
        Assert.Contains("bias.Length = 99", biasError.Message);
        Assert.Equal(copy, goodWeight);
    }

    [Fact]
    public void A_fused_relu_cannot_be_folded()
    {
        var norm = new BnReluF100();
        float[] weight = new float[100 * Inputs];
        var error = Assert.Throws<InvalidOperationException>(() => norm.FoldInto(weight, new float[100]));
        Assert.Contains("fused ReLU", error.Message);
    }

    /// <summary>y = x W^T + b for x (batch, Inputs) and W (100, Inputs), accumulated in double.</summary>
    private static float[] Linear(float[] x, float[] weight, float[] bias)
    {
        int batch = x.Length / Inputs;
        var y = new float[batch * 100];
        for (int n = 0; n < batch; n++)
        {
            for (int f = 0; f < 100; f++)
            {
                double sum = bias[f];
                for (int i = 0; i < Inputs; i++)
                {
                    sum += (double)x[n * Inputs + i] * weight[f * Inputs + i];
                }

                y[n * 100 + f] = (float)sum;
            }
        }

        return y;
    }
}
