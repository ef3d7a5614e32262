using System;
using Xunit;

namespace NormGen.Tests.BatchNorm;

/// <summary>The cs231n batch-norm checks, the gradient check, numerical robustness and in-place use.</summary>
public class BatchNormBehaviorTests
{
    [Fact]
    public void Training_forward_gives_means_of_beta_and_stds_of_gamma()
    {
        var layer = new BnD7();
        var random = new Random(1);
        double[] gamma = { 1, 2, 3, 0.5, 1.5, 2.5, 4 };
        double[] beta = { 0, -1, 2, 3, -4, 0.5, 10 };
        gamma.CopyTo(layer.Gamma, 0);
        beta.CopyTo(layer.Beta, 0);
        double[] x = TestData.FeatureData(random, 200, 7);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = x[i] * 5 + 12;
        }

        var y = new double[x.Length];
        layer.Forward(x, y);
        (double[] mean, double[] variance) = new ReferenceBatchNorm(7, 1, 0).Statistics(y);
        for (int f = 0; f < 7; f++)
        {
            Assert.Equal(beta[f], mean[f], 1e-9);
            Assert.Equal(gamma[f], Math.Sqrt(variance[f]), 1e-5); // Epsilon shrinks the std by about eps / (2 var).
        }
    }

    [Fact]
    public void Inference_after_warm_up_normalizes_fresh_data()
    {
        var layer = new BnF100();
        var random = new Random(2);
        var means = TestData.Normal(random, 100, 3, 2);
        var stds = Array.ConvertAll(TestData.Normal(random, 100), v => 0.5 + Math.Abs(v));
        float[] Batch()
        {
            double[] x = TestData.Normal(random, 64 * 100);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = means[i % 100] + stds[i % 100] * x[i];
            }

            return TestData.ToFloat(x);
        }

        var y = new float[64 * 100];
        for (int step = 0; step < 50; step++)
        {
            layer.Forward(Batch(), y);
        }

        layer.Training = false;
        float[] fresh = Batch();
        layer.Forward(fresh, y);
        (double[] mean, double[] variance) = new ReferenceBatchNorm(100, 1, 0).Statistics(TestData.ToDouble(y));
        for (int f = 0; f < 100; f++)
        {
            // 64 fresh samples: the sample mean of a unit normal has std 1/8, and 50 EMA steps leave 0.9^50 = 0.5% of the initial state.
            Assert.InRange(mean[f], -0.6, 0.6);
            Assert.InRange(Math.Sqrt(variance[f]), 0.7, 1.3);
        }

        double averageMean = 0, averageStd = 0;
        for (int f = 0; f < 100; f++)
        {
            averageMean += mean[f] / 100;
            averageStd += Math.Sqrt(variance[f]) / 100;
        }

        Assert.InRange(averageMean, -0.05, 0.05);
        Assert.InRange(averageStd, 0.95, 1.05);
    }

    [Fact]
    public void Gradient_check_in_double()
    {
        var layer = new CheckNorm();
        var random = new Random(3);
        TestData.Normal(random, 5, 1, 0.5).CopyTo(layer.Gamma, 0);
        TestData.Normal(random, 5, 0, 0.5).CopyTo(layer.Beta, 0);
        double[] x = TestData.FeatureData(random, 10, 5);
        double[] dy = TestData.Normal(random, x.Length);

        LayerGradientErrors errors = GradientCheck.CheckLayer(layer, x, dy);

        Assert.True(errors.Dx < 1e-8, $"dx relative error {errors.Dx:E2}");
        Assert.True(errors.DGamma < 1e-10, $"dGamma relative error {errors.DGamma:E2}");
        Assert.True(errors.DBeta < 1e-10, $"dBeta relative error {errors.DBeta:E2}");
    }

    [Fact]
    public void Gradient_check_of_spatial_relu_and_non_affine_layers()
    {
        var random = new Random(4);
        foreach (INormalizationLayer<double> layer in new INormalizationLayer<double>[] { new BnSpatialD3x7(), new BnReluD21(), new BnNoAffineD37() })
        {
            if (layer.Gamma.Length > 0)
            {
                TestData.Normal(random, layer.Gamma.Length, 1, 0.5).CopyTo(layer.Gamma, 0);
                TestData.Normal(random, layer.Beta.Length, 0, 0.5).CopyTo(layer.Beta, 0);
            }

            int features = layer.Gamma.Length == 0 ? 37 : layer.Gamma.Length;
            double[] x = TestData.FeatureData(random, 6, features, layer.SampleLength / features);
            double[] dy = TestData.Normal(random, x.Length);
            // ReLU has kinks: a small step keeps the stencil from crossing zero pre-activations (the cs231n caveat).
            LayerGradientErrors errors = GradientCheck.CheckLayer(layer, x, dy, h: layer is BnReluD21 ? 1e-4 : null);
            Assert.True(errors.Dx < 1e-8, $"{layer.Name}: dx relative error {errors.Dx:E2}");
            Assert.True(errors.DGamma < 1e-10, $"{layer.Name}: dGamma relative error {errors.DGamma:E2}");
            Assert.True(errors.DBeta < 1e-10, $"{layer.Name}: dBeta relative error {errors.DBeta:E2}");
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(4096)]
    public void Float_statistics_do_not_cancel_for_large_mean_and_small_std(int batch)
    {
        var layer = new BnF128();
        var random = new Random(5);
        float[] x = TestData.ToFloat(TestData.Normal(random, batch * 128, 1e4, 1e-2));
        var y = new float[x.Length];
        layer.Forward(x, y);
        (double[] mean, double[] variance) = new ReferenceBatchNorm(128, 1, 0).Statistics(TestData.ToDouble(y));
        for (int f = 0; f < 128; f++)
        {
            Assert.True(Math.Abs(mean[f]) < 1e-3, $"feature {f}: mean {mean[f]:E3}");
            // Epsilon (1e-5) against a variance of 1e-4 shrinks the std by 1/sqrt(1.1); the reference includes it.
            (double[] xMean, double[] xVariance) = new ReferenceBatchNorm(128, 1, 0).Statistics(TestData.ToDouble(x));
            double expectedStd = Math.Sqrt(xVariance[f] / (xVariance[f] + 1e-5));
            Assert.True(Math.Abs(Math.Sqrt(variance[f]) - expectedStd) < 1e-3, $"feature {f}: std {Math.Sqrt(variance[f]):F6}, expected {expectedStd:F6}");
        }
    }

    [Fact]
    public void Forward_and_backward_work_in_place()
    {
        var random = new Random(6);
        double[] x = TestData.FeatureData(random, 9, 100);
        double[] dy = TestData.Normal(random, x.Length);
        var separate = new BnReluD21();
        var inPlace = new BnReluD21();
        double[] x21 = TestData.FeatureData(random, 9, 21);
        double[] dy21 = TestData.Normal(random, x21.Length);
        var y = new double[x21.Length];
        var dx = new double[x21.Length];
        separate.Forward(x21, y);
        separate.Backward(x21, dy21, dx);

        double[] buffer = (double[])x21.Clone();
        inPlace.Forward(buffer, buffer);
        Assert.Equal(y, buffer);
        double[] gradient = (double[])dy21.Clone();
        inPlace.Backward(x21, gradient, gradient);
        Assert.Equal(dx, gradient);

        var floatLayer = new BnF100();
        var floatSeparate = new BnF100();
        float[] xf = TestData.ToFloat(x);
        float[] yf = new float[xf.Length];
        floatSeparate.Forward(xf, yf);
        float[] bufferF = (float[])xf.Clone();
        floatLayer.Forward(bufferF, bufferF);
        Assert.Equal(yf, bufferF);
        _ = dy;
    }
}
