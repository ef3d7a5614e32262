using System;
using NormGen.Tests.LayerNorm;
using Xunit;

namespace NormGen.Tests.RmsNorm;

/// <summary>Gradient checks, float rows with a large mean, aliasing, batch-size changes and the Training flag.</summary>
public class RmsNormBehaviorTests
{
    public static TheoryData<string> GradientCheckLayers()
    {
        var data = new TheoryData<string>();
        // Scalar rows (1, 3), vectors with a tail (7) and whole vectors (16), as for layer norm.
        foreach (int features in new[] { 1, 3, 7, 16 })
        {
            data.Add($"Rms{features}F64");
            data.Add($"Rms{features}NoAffineF64");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GradientCheckLayers))]
    public void Gradient_check_in_double(string name)
    {
        INormalizationLayer<double> layer = RowLayerKit.Create<double>("NormGen.Tests.RmsNorm." + name);
        int features = layer.SampleLength;
        var random = new Random(features + name.Length);
        RowLayerKit.RandomParameters(layer, random);
        double[] x = RowLayerKit.RowData(random, 3, features);
        double h = GradientCheck.DefaultFourthOrderStep;
        if (features == 1)
        {
            // y = x / sqrt(x^2 + eps): for |x| >> sqrt(eps) = 3e-3 the derivative, eps / (x^2 + eps)^1.5, is ~1e-6 of the
            // output and no finite difference resolves it to 1e-8. Check where it matters, |x| near sqrt(eps), with a step
            // well below that scale.
            x = TestData.Normal(random, 3, 0, 1e-2);
            h = 1e-5;
        }

        double[] dy = TestData.Normal(random, x.Length);

        LayerGradientErrors errors = GradientCheck.CheckLayer(layer, x, dy, h);

        Assert.True(errors.Dx < 1e-8, $"{name}: dx relative error {errors.Dx:E2}");
        Assert.True(errors.DGamma < 1e-10, $"{name}: dGamma relative error {errors.DGamma:E2}");
        Assert.Equal(0, errors.DBeta);
    }

    [Fact]
    public void Float_rows_with_mean_1e4_and_std_1e_2_match_the_reference()
    {
        // No mean is subtracted, so such rows normalize to about Gamma; the point is that nothing overflows or loses digits.
        var layer = new Rms128F32();
        var random = new Random(5);
        RowLayerKit.RandomParameters(layer, random);
        double[] x = TestData.RoundToFloat(TestData.Normal(random, 64 * 128, 1e4, 1e-2));
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, x.Length));
        var y = new float[x.Length];
        var dx = new float[x.Length];
        layer.Forward(TestData.ToFloat(x), y);
        layer.Backward(TestData.ToFloat(x), TestData.ToFloat(dy), dx);

        double[] gamma = TestData.ToDouble(layer.Gamma);
        var reference = new ReferenceRmsNorm(128, 1e-5);
        (double[] expectedDx, double[] expectedDGamma) = reference.Backward(x, dy, gamma);
        TestData.AssertClose(reference.Forward(x, gamma), TestData.ToDouble(y), 1e-4, "y");
        TestData.AssertClose(expectedDx, TestData.ToDouble(dx), 1e-4, "dx");
        TestData.AssertClose(expectedDGamma, TestData.ToDouble(layer.GammaGrad), 1e-4, "GammaGrad");
    }

    [Fact]
    public void Forward_in_place_and_Backward_into_dy_give_the_same_results()
    {
        var layer = new Rms100F32();
        var random = new Random(6);
        RowLayerKit.RandomParameters(layer, random);
        float[] x = TestData.ToFloat(RowLayerKit.RowData(random, 5, 100));
        float[] dy = TestData.ToFloat(TestData.Normal(random, x.Length));
        var y = new float[x.Length];
        var dx = new float[x.Length];
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);

        float[] inPlace = (float[])x.Clone();
        layer.Forward(inPlace, inPlace);
        Assert.Equal(y, inPlace);

        float[] dyInPlace = (float[])dy.Clone();
        layer.Backward(x, dyInPlace, dyInPlace);
        Assert.Equal(dx, dyInPlace);
    }

    [Fact]
    public void Inference_computes_the_same_and_batches_may_change()
    {
        var layer = new Rms7F64();
        var random = new Random(8);
        RowLayerKit.RandomParameters(layer, random);
        var reference = new ReferenceRmsNorm(7, 1e-5);
        foreach (int batch in new[] { 2, 9, 1, 9, 4 })
        {
            double[] x = RowLayerKit.RowData(random, batch, 7);
            double[] dy = TestData.Normal(random, x.Length);
            var y = new double[x.Length];
            var dx = new double[x.Length];

            // Inference computes the same outputs, keeps nothing, and so leaves no Forward for Backward to follow.
            layer.Training = false;
            layer.Forward(x, y);
            TestData.AssertClose(reference.Forward(x, layer.Gamma), y, 1e-12, $"batch {batch}: inference y");
            Assert.Throws<InvalidOperationException>(() => layer.Backward(x, dy, dx));

            layer.Training = true;
            layer.Forward(x, y);
            layer.Backward(x, dy, dx);
            TestData.AssertClose(reference.Forward(x, layer.Gamma), y, 1e-12, $"batch {batch}: y");
            TestData.AssertClose(reference.Backward(x, dy, layer.Gamma).Dx, dx, 1e-12, $"batch {batch}: dx");
        }
    }
}
