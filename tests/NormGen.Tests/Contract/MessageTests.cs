using System;
using Xunit;

namespace NormGen.Tests.Contract;

/// <summary>Every error message is true in its situation.</summary>
public class MessageTests
{
    [Fact]
    public void Batch_of_one_advice_depends_on_whether_inference_uses_running_statistics()
    {
        var none = new ContractBnNone();
        var noneError = Assert.Throws<ArgumentException>(() => none.Forward(new float[6], new float[6]));
        Assert.Contains("RunningStats = None", noneError.Message);
        Assert.DoesNotContain("Training = false", noneError.Message);
        none.Training = false;
        Assert.Throws<ArgumentException>(() => none.Forward(new float[6], new float[6]));

        var running = new ContractBn();
        var runningError = Assert.Throws<ArgumentException>(() => running.Forward(new float[37], new float[37]));
        Assert.Contains("set Training = false", runningError.Message);
    }

    [Fact]
    public void Backward_without_a_training_forward_says_so_for_every_kind()
    {
        foreach (object[] row in ContractLayers.Names())
        {
            ContractLayers.Run((string)row[0], new BackwardFirst());
        }
    }

    private sealed class BackwardFirst : ILayerTest
    {
        public void Run<T>(INormalizationLayer<T> layer)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var x = new T[2 * layer.SampleLength];
            var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(x, x, new T[x.Length]));
            Assert.Contains(layer.Name, error.Message);
            Assert.Contains("training Forward (Training = true)", error.Message);
        }
    }
}
