using System;
using System.IO;
using DeployFromPyTorch;
using Xunit;

namespace NormGen.Samples.Tests;

/// <summary>
/// The deployment sample in this process: PyTorch's trained weights (its committed Model/ files) loaded from
/// safetensors and from the .pt checkpoint reproduce PyTorch's validation logits, and fine-tuning continues PyTorch's
/// batch count and saves a state_dict with PyTorch's keys.
/// </summary>
public sealed class DeployFromPyTorchSampleTests
{
    [Theory]
    [InlineData(ModelFormat.Safetensors)]
    [InlineData(ModelFormat.PyTorch)]
    public void LoadedNetReproducesPyTorchsLogits(ModelFormat format)
    {
        Comparison c = DeployFromPyTorch.Deployment.CompareWithPyTorch(format);
        Assert.Equal(1000, c.Images);
        Assert.True(c.MaxDifference <= Comparison.Tolerance, $"{format}: max logit difference {c.MaxDifference:E2} > {Comparison.Tolerance:E0}");
        Assert.Equal(c.PyTorchAccuracy, c.NormGenAccuracy);
        Assert.Equal(c.Images, c.SamePredictions);
        Assert.True(c.PyTorchAccuracy > 0.8, $"PyTorch's accuracy {c.PyTorchAccuracy:P1}: the committed model is not the trained one.");
    }

    [Fact]
    public void FineTuningContinuesPyTorchsCountAndSavesItsKeys()
    {
        string directory = Path.Combine(Path.GetTempPath(), "normgen-deploy-" + Guid.NewGuid().ToString("N"));
        try
        {
            FineTuning f = DeployFromPyTorch.Deployment.FineTune(directory, epochs: 1, seed: 14);
            Assert.Equal(1000, f.BatchesBefore);          // 10 epochs of 100 batches in PyTorch
            Assert.Equal(1100, f.BatchesAfter);           // one more epoch in NormGen
            TensorSet saved = Safetensors.ReadFile(f.StateFile);
            Assert.Equal(6 * 2 + 5 * 5, saved.Count);     // 6 affine layers, 5 batch norms
            Assert.Equal(new long[] { 100, 784 }, saved["net.0.weight"].Shape);
            Assert.Equal(1100, saved["net.13.num_batches_tracked"].ToInt64Scalar());
            Assert.Equal(new long[] { 1000, 10 }, Safetensors.ReadFile(f.LogitsFile)["logits"].Shape);
            Assert.Equal("pt", saved.Metadata["format"]);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public void ProgramReportsAgreementWithoutFineTuning()
    {
        var output = new StringWriter();
        int code = DeployFromPyTorch.Program.Run(["--epochs", "0"], output);
        Assert.True(code == 0, output.ToString());
        Assert.Contains("NormGen reproduces PyTorch's logits within 1E-004.", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("| model.pt | 83.7 % | 83.7 % | 1000 of 1000 |", output.ToString(), StringComparison.Ordinal);
    }
}
