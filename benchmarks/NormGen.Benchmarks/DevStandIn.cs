// TEMPORARY dev scaffold until the generator emits BatchNorm; delete when GeneratedLayers.cs is restored.
using System;
namespace NormGen.Benchmarks;
public static class GeneratedLayers
{
    public static IBatchNormLayer<float> Create(int features) => new StandIn(features);
    private sealed class StandIn(int features) : IBatchNormLayer<float>
    {
        private readonly ScalarBatchNorm inner = new(features);
        public string Name => "StandIn";
        public int SampleLength => features;
        public bool Training { get => inner.Training; set => inner.Training = value; }
        public float[] Gamma => inner.Gamma;
        public float[] Beta => inner.Beta;
        public float[] GammaGrad => inner.GammaGrad;
        public float[] BetaGrad => inner.BetaGrad;
        public int FeatureCount => features;
        public float[] RunningMean => inner.RunningMean;
        public float[] RunningVariance => inner.RunningVariance;
        public long BatchesTracked => 0;
        public void ResetRunningStatistics() { }
        public void Forward(ReadOnlySpan<float> x, Span<float> y) => inner.Forward(x, y);
        public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => inner.Backward(x, dy, dx);
    }
}
