using System;
using System.Numerics;
using Xunit;

namespace NormGen.Tests.LayerNorm;

/// <summary>
/// Generated layer-norm layers against the scalar double-precision reference (Forward, then Backward: dx, GammaGrad,
/// BetaGrad) over every Features size and batch size the issue names, float and double, affine or not, with or
/// without a fused ReLU. Float within 1e-4 and double within 1e-12, relative to the largest expected magnitude.
/// </summary>
public class LayerNormReferenceTests
{
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int features in new[] { 1, 3, 7, 16, 100, 128, 1000 })
        {
            foreach (int batch in new[] { 1, 2, 3, 64 })
            {
                data.Add(features, batch);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_layers_match_the_reference(int features, int batch)
    {
        foreach (string variant in new[] { "", "NoAffine", "Relu", "ReluNoAffine" })
        {
            Check<float>($"Ln{features}{variant}F32", features, batch, variant.StartsWith("Relu", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_layers_match_the_reference(int features, int batch)
    {
        foreach (string variant in new[] { "", "NoAffine", "Relu", "ReluNoAffine" })
        {
            Check<double>($"Ln{features}{variant}F64", features, batch, variant.StartsWith("Relu", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Epsilon_from_the_attribute_is_used()
    {
        Check<double>("NormGen.Tests.LayerNorm.Ln5Eps025F64", 5, 4, relu: false, epsilon: 0.25, fullName: true);
        Assert.Equal(0.25, Ln5Eps025F64.Epsilon);
        Assert.Equal(5, Ln5Eps025F64.Features);
    }

    private static void Check<T>(string name, int features, int batch, bool relu, double epsilon = 1e-5, bool fullName = false)
        where T : unmanaged, INumberBase<T>
    {
        INormalizationLayer<T> layer = RowLayerKit.Create<T>(fullName ? name : "NormGen.Tests.LayerNorm." + name);
        var random = new Random(features * 1000 + batch);
        RowLayerKit.RandomParameters(layer, random);
        double[] x = RowLayerKit.RowData(random, batch, features);
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, x.Length));
        double[] gamma = RowLayerKit.ToDouble(layer.Gamma);
        double[] beta = RowLayerKit.ToDouble(layer.Beta);
        var reference = new ReferenceLayerNorm(features, epsilon, relu);

        var y = new T[x.Length];
        layer.Forward(RowLayerKit.Convert<T>(x), y);
        var dx = new T[x.Length];
        layer.Backward(RowLayerKit.Convert<T>(x), RowLayerKit.Convert<T>(dy), dx);

        double tolerance = RowLayerKit.Tolerance<T>();
        (double[] expectedDx, double[] expectedDGamma, double[] expectedDBeta) = reference.Backward(x, dy, gamma, beta);
        TestData.AssertClose(reference.Forward(x, gamma, beta), RowLayerKit.ToDouble(y), tolerance, $"{layer.Name} y");
        // dx is a sum of terms of size invstd * |dy * Gamma| that cancel when a row is nearly constant (F = 1: exactly),
        // so its error is measured against that size, as any implementation (PyTorch's too) rounds those terms.
        (_, double[] variance) = reference.Statistics(x);
        double termScale = 0;
        for (int i = 0; i < x.Length; i++)
        {
            termScale = Math.Max(termScale, Math.Abs(dy[i] * (gamma.Length == 0 ? 1 : gamma[i % features])) / Math.Sqrt(variance[i / features] + epsilon));
        }

        TestData.AssertClose(expectedDx, RowLayerKit.ToDouble(dx), tolerance, $"{layer.Name} dx", Math.Max(TestData.MaxAbs(expectedDx), termScale));
        TestData.AssertClose(expectedDGamma, RowLayerKit.ToDouble(layer.GammaGrad), tolerance, $"{layer.Name} GammaGrad");
        TestData.AssertClose(expectedDBeta, RowLayerKit.ToDouble(layer.BetaGrad), tolerance, $"{layer.Name} BetaGrad");
        Assert.Equal(features, layer.SampleLength);
        int parameters = name.Contains("NoAffine", StringComparison.Ordinal) ? 0 : features;
        Assert.Equal(parameters, layer.Gamma.Length);
        Assert.Equal(parameters, layer.Beta.Length);
        Assert.Equal(parameters, layer.GammaGrad.Length);
        Assert.Equal(parameters, layer.BetaGrad.Length);
    }
}
