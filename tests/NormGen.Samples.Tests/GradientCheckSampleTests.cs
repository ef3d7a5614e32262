using System.IO;
using Xunit;

namespace NormGen.Samples.Tests;

/// <summary>The gradient-check sample prints small errors for every generated layer it declares.</summary>
public sealed class GradientCheckSampleTests
{
    [Fact]
    public void EveryLayerPassesAndTheTableIsPrinted()
    {
        var output = new StringWriter();

        int exit = GradientCheckSample.Program.Run(output, seed: 231);

        Assert.True(exit == 0, output.ToString());
        foreach (string layer in new[] { "BatchNorm(Features = 3, Spatial = 4)", "LayerNorm(Features = 6)", "RmsNorm(Features = 6)", "GroupNorm(", "InstanceNorm(" })
        {
            Assert.Contains(layer, output.ToString(), System.StringComparison.Ordinal);
        }

        Assert.DoesNotContain("FAIL", output.ToString(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void CheckDetectsAWrongGradient()
    {
        // The check itself must be able to fail: a layer whose dGamma is off by 1% is caught.
        var layer = new BrokenLayer();

        var errors = GradientCheckSample.Program.Check(layer, 4, new System.Random(1));

        Assert.True(errors.DGamma > GradientCheckSample.Program.Tolerance, errors.ToString());
        Assert.True(errors.Dx < GradientCheckSample.Program.Tolerance, errors.ToString());
    }

    /// <summary>y = Gamma * x + Beta per feature, with dGamma scaled by 1.01 on purpose.</summary>
    private sealed class BrokenLayer : INormalizationLayer<double>
    {
        public string Name => "BrokenLayer";

        public int SampleLength => 3;

        public bool Training { get; set; } = true;

        public int MaxDegreeOfParallelism { get; set; } = 1;

        public double[] Gamma { get; } = [1, 1, 1];

        public double[] Beta { get; } = new double[3];

        public double[] GammaGrad { get; } = new double[3];

        public double[] BetaGrad { get; } = new double[3];

        public void Forward(System.ReadOnlySpan<double> x, System.Span<double> y)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = (Gamma[i % 3] * x[i]) + Beta[i % 3];
            }
        }

        public void Backward(System.ReadOnlySpan<double> x, System.ReadOnlySpan<double> dy, System.Span<double> dx)
        {
            System.Array.Clear(GammaGrad);
            System.Array.Clear(BetaGrad);
            for (int i = 0; i < x.Length; i++)
            {
                dx[i] = Gamma[i % 3] * dy[i];
                GammaGrad[i % 3] += 1.01 * x[i] * dy[i];
                BetaGrad[i % 3] += dy[i];
            }
        }
    }
}
