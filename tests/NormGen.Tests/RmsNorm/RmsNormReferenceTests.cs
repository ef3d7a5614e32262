using System;
using System.Numerics;
using NormGen.Tests.LayerNorm;
using Xunit;

namespace NormGen.Tests.RmsNorm;

/// <summary>
/// Generated RMS-norm layers against the scalar double-precision reference (Forward, then Backward: dx and GammaGrad)
/// over every Features size and batch size the issue names, float and double, affine or not. Float within 1e-4 and
/// double within 1e-12, relative to the largest expected magnitude.
/// </summary>
public class RmsNormReferenceTests
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
        Check<float>($"NormGen.Tests.RmsNorm.Rms{features}F32", features, batch, affine: true);
        Check<float>($"NormGen.Tests.RmsNorm.Rms{features}NoAffineF32", features, batch, affine: false);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_layers_match_the_reference(int features, int batch)
    {
        Check<double>($"NormGen.Tests.RmsNorm.Rms{features}F64", features, batch, affine: true);
        Check<double>($"NormGen.Tests.RmsNorm.Rms{features}NoAffineF64", features, batch, affine: false);
    }

    [Fact]
    public void Epsilon_from_the_attribute_is_used()
    {
        Check<double>("NormGen.Tests.RmsNorm.Rms5Eps025F64", 5, 4, affine: true, epsilon: 0.25);
        Assert.Equal(0.25, Rms5Eps025F64.Epsilon);
        Assert.Equal(5, Rms5Eps025F64.Features);
    }

    internal static void Check<T>(string name, int features, int batch, bool affine, double epsilon = 1e-5)
        where T : unmanaged, INumberBase<T>
    {
        INormalizationLayer<T> layer = RowLayerKit.Create<T>(name);
        Assert.Equal(features, layer.SampleLength);
        Assert.Equal(affine ? features : 0, layer.Gamma.Length);
        Assert.Equal(affine ? features : 0, layer.GammaGrad.Length);
        Assert.Empty(layer.Beta);
        Assert.Empty(layer.BetaGrad);

        var random = new Random(features * 1000 + batch);
        RowLayerKit.RandomParameters(layer, random);
        double[] x = RowLayerKit.RowData(random, batch, features);
        double[] dy = TestData.RoundToFloat(TestData.Normal(random, x.Length));
        double[] gamma = RowLayerKit.ToDouble(layer.Gamma);
        var reference = new ReferenceRmsNorm(features, epsilon);

        var y = new T[x.Length];
        layer.Forward(RowLayerKit.Convert<T>(x), y);
        var dx = new T[x.Length];
        layer.Backward(RowLayerKit.Convert<T>(x), RowLayerKit.Convert<T>(dy), dx);

        double tolerance = RowLayerKit.Tolerance<T>();
        (double[] expectedDx, double[] expectedDGamma) = reference.Backward(x, dy, gamma);
        TestData.AssertClose(reference.Forward(x, gamma), RowLayerKit.ToDouble(y), tolerance, $"{layer.Name} y");
        // dx = invrms * (g - xhat * mean(g * xhat)) cancels when a row is nearly one-dimensional (F = 1: down to
        // eps / (x^2 + eps) of the terms), so its error is measured against the terms' size, invrms * |dy * Gamma|.
        double[] rms = reference.Rms(x);
        double termScale = 0;
        for (int i = 0; i < x.Length; i++)
        {
            termScale = Math.Max(termScale, Math.Abs(dy[i] * (gamma.Length == 0 ? 1 : gamma[i % features])) / rms[i / features]);
        }

        TestData.AssertClose(expectedDx, RowLayerKit.ToDouble(dx), tolerance, $"{layer.Name} dx", Math.Max(TestData.MaxAbs(expectedDx), termScale));
        TestData.AssertClose(expectedDGamma, RowLayerKit.ToDouble(layer.GammaGrad), tolerance, $"{layer.Name} GammaGrad");
    }
}
