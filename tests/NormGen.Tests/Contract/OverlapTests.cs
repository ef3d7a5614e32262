using System;
using System.Numerics;
using Xunit;

namespace NormGen.Tests.Contract;

/// <summary>
/// Outputs either are their input (in place: y = x, dx = dy) or do not overlap it; a partial overlap, or dx overlapping x
/// at all, is an ArgumentException that names the layer and both spans, thrown before anything changes.
/// </summary>
public class OverlapTests
{
    [Theory]
    [MemberData(nameof(ContractLayers.Names), MemberType = typeof(ContractLayers))]
    public void A_partial_overlap_is_rejected_and_changes_nothing(string name) => ContractLayers.Run(name, new PartialOverlap());

    [Theory]
    [MemberData(nameof(ContractLayers.Names), MemberType = typeof(ContractLayers))]
    public void In_place_calls_give_the_results_of_separate_buffers(string name) => ContractLayers.Run(name, new InPlace());

    private sealed class PartialOverlap : ILayerTest
    {
        public void Run<T>(INormalizationLayer<T> layer)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var random = new Random(11);
            int n = layer.SampleLength;
            const int Batch = 3;
            T[] x = ContractData.Samples<T>(random, Batch, n);
            T[] dy = ContractData.Samples<T>(random, Batch, n);
            var y = new T[x.Length];
            var dx = new T[x.Length];
            layer.Forward(x, y);
            layer.Backward(x, dy, dx);
            LayerState<T> before = LayerState<T>.Of(layer);

            // One buffer holding the batch and one element more: x at 0, the output 1 element later, and the reverse.
            T[] buffer = new T[x.Length + 1];
            x.CopyTo(buffer, 0);
            T[] untouched = (T[])buffer.Clone();
            foreach ((int inputAt, int outputAt) in new[] { (0, 1), (1, 0) })
            {
                var forward = Assert.Throws<ArgumentException>(() => layer.Forward(buffer.AsSpan(inputAt, x.Length), buffer.AsSpan(outputAt, x.Length)));
                Assert.Contains(layer.Name, forward.Message);
                Assert.Contains("y overlaps x", forward.Message);
                Assert.Equal(untouched, buffer);
                before.AssertUnchanged(layer, "Forward with y overlapping x");

                var overDy = Assert.Throws<ArgumentException>(() => layer.Backward(x, buffer.AsSpan(inputAt, x.Length), buffer.AsSpan(outputAt, x.Length)));
                Assert.Contains("dx overlaps dy", overDy.Message);
                var overX = Assert.Throws<ArgumentException>(() => layer.Backward(buffer.AsSpan(inputAt, x.Length), dy, buffer.AsSpan(outputAt, x.Length)));
                Assert.Contains("dx overlaps x", overX.Message);
                Assert.Equal(untouched, buffer);
                before.AssertUnchanged(layer, "Backward with dx overlapping an input");
            }

            // The layer still goes back through its last good Forward.
            var again = new T[x.Length];
            layer.Backward(x, dy, again);
            Assert.Equal(dx, again);
        }
    }

    private sealed class InPlace : ILayerTest
    {
        public void Run<T>(INormalizationLayer<T> layer)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var random = new Random(12);
            int n = layer.SampleLength;
            const int Batch = 4;
            T[] x = ContractData.Samples<T>(random, Batch, n);
            T[] dy = ContractData.Samples<T>(random, Batch, n);
            var y = new T[x.Length];
            var dx = new T[x.Length];
            layer.Forward(x, y);
            layer.Backward(x, dy, dx);

            T[] xInPlace = (T[])x.Clone();
            layer.Forward(xInPlace, xInPlace);
            Assert.Equal(y, xInPlace);

            layer.Forward(x, y);
            T[] dyInPlace = (T[])dy.Clone();
            layer.Backward(x, dyInPlace, dyInPlace);
            Assert.Equal(dx, dyInPlace);

            // dx may not be x: the kernels read x again after writing earlier positions of dx.
            layer.Forward(x, y);
            T[] xAsDx = (T[])x.Clone();
            var error = Assert.Throws<ArgumentException>(() => layer.Backward(xAsDx, dy, xAsDx));
            Assert.Contains("dx overlaps x", error.Message);
            Assert.Equal(x, xAsDx);
        }
    }
}
