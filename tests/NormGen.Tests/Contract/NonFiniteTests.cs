using System;
using System.Numerics;
using Xunit;

namespace NormGen.Tests.Contract;

/// <summary>
/// A training batch whose statistics are not finite is rejected with an ArgumentException naming the layer and the
/// first bad feature, before y, the running statistics, BatchesTracked, a collection or the Backward state change.
/// Inference propagates NaN, as every framework does.
/// </summary>
public class NonFiniteTests
{
    public static TheoryData<string, double> BatchNormCases() => new()
    {
        { "BatchNorm", double.NaN },
        { "BatchNorm", double.PositiveInfinity },
        { "BatchNormSpatialRelu", double.NegativeInfinity },
        { "BatchNormCumulativeDouble", double.NaN },
        { "BatchNormNoRunningStatistics", double.PositiveInfinity },
    };

    [Theory]
    [MemberData(nameof(BatchNormCases))]
    public void A_non_finite_training_batch_is_rejected_before_anything_changes(string name, double bad) =>
        ContractLayers.Run(name, new RejectedBatch(bad, collecting: false));

    [Theory]
    [MemberData(nameof(BatchNormCases))]
    public void A_non_finite_batch_does_not_reach_a_collection(string name, double bad)
    {
        if (name != "BatchNormNoRunningStatistics")
        {
            ContractLayers.Run(name, new RejectedBatch(bad, collecting: true));
        }
    }

    [Theory]
    [MemberData(nameof(ContractLayers.Names), MemberType = typeof(ContractLayers))]
    public void Inference_propagates_NaN(string name) => ContractLayers.Run(name, new InferenceNaN());

    private sealed class RejectedBatch(double bad, bool collecting) : ILayerTest
    {
        public void Run<T>(INormalizationLayer<T> layer)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var batchNorm = (IBatchNormLayer<T>)layer;
            var random = new Random(31);
            int n = layer.SampleLength;
            T[] x = ContractData.Samples<T>(random, 6, n);
            T[] dy = ContractData.Samples<T>(random, 6, n);
            var y = new T[x.Length];
            var dx = new T[x.Length];
            if (collecting)
            {
                batchNorm.BeginCollect();
            }

            layer.Forward(x, y);
            layer.Backward(x, dy, dx);
            LayerState<T> before = LayerState<T>.Of(layer);

            // The bad value in sample 4, at the first position of feature 2 (and a second one in feature 3, later).
            int spatial = n / batchNorm.FeatureCount;
            T[] poisoned = (T[])x.Clone();
            poisoned[(4 * batchNorm.FeatureCount + 2) * spatial] = T.CreateTruncating(bad);
            poisoned[(5 * batchNorm.FeatureCount + 3) * spatial] = T.CreateTruncating(bad);
            var output = new T[x.Length];
            Array.Fill(output, T.CreateTruncating(42.0));
            var error = Assert.Throws<ArgumentException>(() => layer.Forward(poisoned, output));
            Assert.Contains(layer.Name, error.Message);
            Assert.Contains("feature 2 ", error.Message);
            Assert.All(output, value => Assert.Equal(T.CreateTruncating(42.0), value));
            before.AssertUnchanged(layer, "a rejected non-finite batch");

            // Backward still goes back through the last good Forward, and a collection still ends as if the bad batch
            // had never come.
            var again = new T[x.Length];
            layer.Backward(x, dy, again);
            Assert.Equal(dx, again);
            if (collecting)
            {
                layer.Forward(x, y);
                batchNorm.EndCollect();
                var reference = (IBatchNormLayer<T>)Activator.CreateInstance(layer.GetType())!;
                reference.BeginCollect();
                reference.Forward(x, new T[x.Length]);
                reference.Forward(x, new T[x.Length]);
                reference.EndCollect();
                Assert.Equal(reference.RunningMean, batchNorm.RunningMean);
                Assert.Equal(reference.RunningVariance, batchNorm.RunningVariance);
                Assert.Equal(2, batchNorm.BatchesTracked);
            }
        }
    }

    private sealed class InferenceNaN : ILayerTest
    {
        public void Run<T>(INormalizationLayer<T> layer)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var random = new Random(32);
            int n = layer.SampleLength;
            T[] x = ContractData.Samples<T>(random, 4, n);
            layer.Forward(x, new T[x.Length]);
            layer.Training = false;
            x[n + 1] = T.NaN;
            var y = new T[x.Length];
            layer.Forward(x, y);
            Assert.True(T.IsNaN(y[n + 1]), "the NaN input did not reach y");
            if (layer is IBatchNormLayer<T> { RunningMean.Length: > 0 })
            {
                // Running statistics keep the other samples apart: only the NaN's own output is NaN.
                Assert.Single(Array.FindAll(y, T.IsNaN));
            }
        }
    }
}
